"""The perceptron: converges within Novikoff's bound, never on XOR, and rejects bad input."""

import numpy as np
import pytest

from dlbook.topics.perceptron import Perceptron, margin, novikoff_bound, radius


def separable(n=200, gap=0.1, seed=0):
    """Uniform points in [-1, 1]^2 labelled by a known line, with a band of width 2 gap removed."""
    rng = np.random.default_rng(seed)
    w, b = np.array([0.6, -0.8]), 0.2
    X = rng.uniform(-1.0, 1.0, size=(4 * n, 2))
    s = X @ w + b
    keep = np.abs(s) > gap
    X, s = X[keep][:n], s[keep][:n]
    return X, np.where(s > 0, 1, -1), w, b


XOR_X = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
XOR_Y = np.array([-1, -1, 1, 1])


def test_radius_and_margin_by_hand():
    X = np.array([[3.0, 0.0], [0.0, -1.0]])
    y = np.array([1, -1])
    assert radius(X) == pytest.approx(np.sqrt(10.0))
    # w = (1, 1), b = 0: y * scores = 3 and 1, ||(w, b)|| = sqrt(2)
    assert margin(X, y, np.array([1.0, 1.0]), 0.0) == pytest.approx(1.0 / np.sqrt(2.0))
    assert novikoff_bound(X, y, np.array([1.0, 1.0]), 0.0) == pytest.approx(20.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shuffle", [False, True])
def test_converges_on_separable_data_within_the_novikoff_bound(seed, shuffle):
    X, y, w, b = separable(seed=seed)
    rng = np.random.default_rng(seed) if shuffle else None
    p = Perceptron().fit(X, y, epochs=1000, rng=rng)
    assert p.converged_ and p.mistakes_[-1] == 0
    assert sum(p.mistakes_) <= novikoff_bound(X, y, w, b)
    assert len(p.mistake_steps_) == sum(p.mistakes_)
    assert np.all(np.diff(p.mistake_steps_) > 0) and p.mistake_steps_[0] == 1  # w = 0 errs
    # after convergence every training point is classified correctly, with a positive margin
    assert np.array_equal(p.predict(X), y)
    assert margin(X, y, p.coef_, p.intercept_) > 0


def test_predicts_held_out_points_of_a_wide_margin_problem():
    X, y, _, _ = separable(n=300, gap=0.2, seed=4)
    p = Perceptron().fit(X[:200], y[:200], epochs=100)
    assert p.converged_
    assert np.mean(p.predict(X[200:]) == y[200:]) >= 0.95
    assert p.predict(X).dtype == np.int64
    np.testing.assert_allclose(p.decision_function(X), X @ p.coef_ + p.intercept_)


@pytest.mark.parametrize("shuffle", [False, True])
def test_keeps_making_mistakes_on_xor(shuffle):
    rng = np.random.default_rng(0) if shuffle else None
    p = Perceptron().fit(XOR_X, XOR_Y, epochs=500, rng=rng)
    assert not p.converged_
    assert len(p.mistakes_) == 500
    assert min(p.mistakes_) >= 1  # an epoch without a mistake would mean w separates XOR
    assert np.mean(p.predict(XOR_X) == XOR_Y) < 1.0


def test_novikoff_bound_refuses_a_non_separator():
    with pytest.raises(ValueError, match=r"does not separate the data: margin .* <= 0"):
        novikoff_bound(XOR_X, XOR_Y, np.array([1.0, 0.0]), 0.0)
    with pytest.raises(ValueError, match="zero vector"):
        margin(XOR_X, XOR_Y, np.zeros(2), 0.0)


def test_bad_input_names_expected_and_actual():
    X, y = XOR_X, XOR_Y
    with pytest.raises(ValueError, match=r"labels -1 and \+1, got values \[0 1\]"):
        Perceptron().fit(X, np.array([0, 1, 1, 0]), epochs=1)
    with pytest.raises(ValueError, match=r"X and y must have the same number .* got 4 and 3"):
        Perceptron().fit(X, y[:3], epochs=1)
    with pytest.raises(TypeError, match="X must have a floating dtype, got int64"):
        Perceptron().fit(X.astype(np.int64), y, epochs=1)
    with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(4,\)"):
        Perceptron().fit(X[:, 0], y, epochs=1)
    with pytest.raises(ValueError, match="X must be finite"):
        Perceptron().fit(np.where(X > 0, np.nan, X), y, epochs=1)
    with pytest.raises(TypeError, match="y must be a numpy.ndarray.*, got list"):
        Perceptron().fit(X, [1, -1, 1, -1], epochs=1)
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        Perceptron().fit(X, y, epochs=0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        Perceptron().fit(X, y, epochs=1, rng=0)


def test_predict_checks_fitted_state_and_feature_count():
    with pytest.raises(RuntimeError, match="not fitted yet"):
        Perceptron().predict(XOR_X)
    p = Perceptron().fit(XOR_X, XOR_Y, epochs=1)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\) as in fit, got \(4, 3\)"):
        p.predict(np.ones((4, 3)))


def test_fit_is_deterministic_and_restarts_from_zero():
    X, y, _, _ = separable(seed=5)
    a = Perceptron().fit(X, y, epochs=50, rng=np.random.default_rng(1))
    b = Perceptron().fit(X, y, epochs=50, rng=np.random.default_rng(1))
    assert a.mistakes_ == b.mistakes_
    np.testing.assert_array_equal(a.coef_, b.coef_)
    again = a.fit(X, y, epochs=50, rng=np.random.default_rng(1))  # refitting starts over
    assert again.mistakes_ == b.mistakes_
