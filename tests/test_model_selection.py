"""Tests for dlbook.topics.model_selection: Legendre features, (ridge) least squares,
cross-validation scores and the bias-variance estimate."""

from __future__ import annotations

import numpy as np
import pytest

from dlbook import data
from dlbook.topics.model_selection import (
    bias_variance,
    cross_val_score,
    least_squares,
    polynomial_features,
)

# ------------------------------------------------------------------ polynomial_features


@pytest.mark.parametrize("degree", [0, 1, 2, 7])
def test_polynomial_features_are_legendre_polynomials_of_the_rescaled_input(degree):
    x = np.linspace(-3.0, 5.0, 17)
    phi = polynomial_features(x, degree, domain=(-3.0, 5.0))
    t = (x - 1.0) / 4.0
    expected = np.polynomial.legendre.legvander(t, degree)
    assert phi.shape == (17, degree + 1)
    np.testing.assert_allclose(phi, expected, rtol=1e-12, atol=1e-12)


def test_polynomial_features_accept_a_column_and_are_nested_and_bounded():
    x = np.random.default_rng(0).uniform(-1.0, 1.0, size=(30, 1))
    low, high = polynomial_features(x, 3), polynomial_features(x, 9)
    np.testing.assert_array_equal(high[:, :4], low)  # degree d is a prefix of degree d' > d
    assert np.all(np.abs(high) <= 1.0 + 1e-12)  # |P_j(t)| <= 1 on [-1, 1]


def test_polynomial_features_are_better_conditioned_than_monomials():
    x = np.random.default_rng(1).uniform(-np.pi, np.pi, 40)
    legendre = np.linalg.cond(polynomial_features(x, 12, domain=(-np.pi, np.pi)))
    monomial = np.linalg.cond(np.vander(x, 13, increasing=True))
    assert legendre < 1e-4 * monomial


def test_polynomial_features_reject_bad_input():
    x = np.zeros(5)
    with pytest.raises(ValueError, match=r"degree must be an int >= 0, got -1"):
        polynomial_features(x, -1)
    with pytest.raises(TypeError, match=r"degree must be an int, got float"):
        polynomial_features(x, 2.0)
    with pytest.raises(TypeError, match=r"degree must be an int, got bool"):
        polynomial_features(x, True)
    with pytest.raises(ValueError, match=r"x must have shape \(n,\) or \(n, 1\), got \(5, 2\)"):
        polynomial_features(np.zeros((5, 2)), 2)
    with pytest.raises(TypeError, match="x must be a numpy.ndarray, got list"):
        polynomial_features([0.0, 1.0], 2)
    with pytest.raises(ValueError, match="x must be finite"):
        polynomial_features(np.array([0.0, np.nan]), 2)
    with pytest.raises(ValueError, match=r"domain must be finite \(lo, hi\) with lo < hi"):
        polynomial_features(x, 2, domain=(1.0, 1.0))
    with pytest.raises(ValueError, match=r"domain must be finite \(lo, hi\) with lo < hi"):
        polynomial_features(x, 2, domain=(0.0, 1.0, 2.0))


# ------------------------------------------------------------------------ least_squares


def test_least_squares_recovers_an_exact_polynomial_and_matches_lstsq():
    rng = np.random.default_rng(2)
    phi = polynomial_features(rng.uniform(-1, 1, 20), 4)
    w_true = rng.normal(size=5)
    np.testing.assert_allclose(least_squares(phi, phi @ w_true), w_true, atol=1e-10)
    y = rng.normal(size=20)
    np.testing.assert_allclose(
        least_squares(phi, y), np.linalg.lstsq(phi, y, rcond=None)[0], atol=1e-12
    )


def test_ridge_solves_its_normal_equations_and_leaves_the_constant_alone():
    rng = np.random.default_rng(3)
    phi = polynomial_features(rng.uniform(-1, 1, 15), 6)
    y = rng.normal(size=15)
    lam = 0.7
    w = least_squares(phi, y, l2=lam)
    d = np.diag([0.0] + [1.0] * 6)
    np.testing.assert_allclose((phi.T @ phi + lam * d) @ w, phi.T @ y, atol=1e-10)
    # With a huge penalty only the unpenalised constant survives: the fit is mean(y).
    w_big = least_squares(phi, y, l2=1e12)
    assert np.all(np.abs(w_big[1:]) < 1e-9)
    np.testing.assert_allclose(phi @ w_big, np.full(15, y.mean()), atol=1e-8)


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_least_squares_with_several_targets_fits_each_column_separately(l2):
    rng = np.random.default_rng(8)
    phi = polynomial_features(rng.uniform(-1, 1, 12), 5)
    Y = rng.normal(size=(12, 3))
    W = least_squares(phi, Y, l2=l2)
    assert W.shape == (6, 3)
    for j in range(3):
        np.testing.assert_allclose(W[:, j], least_squares(phi, Y[:, j], l2=l2), atol=1e-12)


def test_least_squares_rejects_bad_input():
    phi = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"phi must be 2-D, got shape \(4,\)"):
        least_squares(np.ones(4), np.ones(4))
    msg = r"y must have shape \(4,\) or \(4, m\) to match phi, got \(3,\)"
    with pytest.raises(ValueError, match=msg):
        least_squares(phi, np.ones(3))
    with pytest.raises(ValueError, match=r"to match phi, got \(4, 2, 1\)"):
        least_squares(phi, np.ones((4, 2, 1)))
    with pytest.raises(ValueError, match="l2 must be >= 0, got -1"):
        least_squares(phi, np.ones(4), l2=-1.0)
    with pytest.raises(ValueError, match="l2 must be finite"):
        least_squares(phi, np.ones(4), l2=np.inf)
    with pytest.raises(TypeError, match="l2 must be a real number, got str"):
        least_squares(phi, np.ones(4), l2="1")


# ---------------------------------------------------------------------- cross_val_score


def _poly_fit(degree):
    def fit(X, y):
        w = least_squares(polynomial_features(X, degree, domain=(-np.pi, np.pi)), y)
        return lambda Z: polynomial_features(Z, degree, domain=(-np.pi, np.pi)) @ w

    return fit


def test_cross_val_score_equals_a_hand_written_loop_over_kfold():
    X, y = data.make_sine(23, 0.2, rng=np.random.default_rng(4))
    scores = cross_val_score(_poly_fit(3), X, y, 4, rng=np.random.default_rng(5))
    expected = []
    for tr, va in data.kfold(23, 4, rng=np.random.default_rng(5)):
        pred = _poly_fit(3)(X[tr], y[tr])(X[va])
        expected.append(np.mean((pred - y[va]) ** 2))
    assert scores.shape == (4,)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_cross_val_score_is_zero_for_noise_free_data_inside_the_model():
    X = np.linspace(-np.pi, np.pi, 12)[:, None]
    y = 1.0 - 2.0 * X[:, 0] + 0.5 * X[:, 0] ** 2
    assert np.all(cross_val_score(_poly_fit(2), X, y, 3) < 1e-20)


def test_leave_one_out_matches_the_hat_matrix_shortcut():
    X, y = data.make_sine(15, 0.3, rng=np.random.default_rng(6))
    phi = polynomial_features(X, 3, domain=(-np.pi, np.pi))
    hat = phi @ np.linalg.pinv(phi)
    shortcut = ((y - hat @ y) / (1.0 - np.diag(hat))) ** 2
    np.testing.assert_allclose(cross_val_score(_poly_fit(3), X, y, 15), shortcut, rtol=1e-8)


def test_cross_val_score_rejects_bad_input():
    X, y = np.zeros((6, 1)), np.zeros(6)
    with pytest.raises(TypeError, match="fit must be callable"):
        cross_val_score("fit", X, y, 2)
    with pytest.raises(ValueError, match=r"X and y must have the same number .*got 6 and 5"):
        cross_val_score(_poly_fit(1), X, np.zeros(5), 2)
    with pytest.raises(ValueError, match="k must be <= n"):
        cross_val_score(_poly_fit(1), X, y, 7)
    with pytest.raises(ValueError, match="k must be an int >= 2, got 1"):
        cross_val_score(_poly_fit(1), X, y, 1)
    with pytest.raises(ValueError, match=r"predict must return one number per example"):
        cross_val_score(lambda X, y: (lambda Z: np.zeros((len(Z), 2))), X, y, 2)


# ------------------------------------------------------------------------ bias_variance


def test_bias_variance_of_known_predictions():
    f = np.array([0.0, 1.0])
    preds = np.array([[1.0, 1.0], [3.0, 1.0]])  # mean (2, 1): bias² (4 + 0)/2, var (1 + 0)/2
    assert bias_variance(preds, f) == pytest.approx((2.0, 0.5))


def test_bias_variance_sum_to_the_mean_squared_error_about_the_truth():
    rng = np.random.default_rng(7)
    preds, f = rng.normal(size=(50, 9)), rng.normal(size=9)
    bias2, var = bias_variance(preds, f)
    assert bias2 + var == pytest.approx(np.mean((preds - f) ** 2), rel=1e-12)


def test_bias_variance_rejects_bad_input():
    with pytest.raises(ValueError, match=r"preds must have shape \(R, m\) with R >= 2"):
        bias_variance(np.ones((1, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"preds must have shape \(R, m\) with R >= 2"):
        bias_variance(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"f_true must have shape \(3,\) to match preds"):
        bias_variance(np.ones((4, 3)), np.ones(2))
