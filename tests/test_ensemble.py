"""Tests for dlbook.topics.ensemble: bootstrap samples, stumps, trees, bagging and AdaBoost."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dlbook import data
from dlbook.topics.ensemble import (
    AdaBoost,
    Bagging,
    DecisionStump,
    DecisionTree,
    bootstrap_indices,
)


def _moons(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy moons with labels in {-1, +1}."""
    X, y = data.make_moons(n, 0.3, rng=np.random.default_rng(seed))
    return X, 2 * y - 1


def _brute_force_stump(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Smallest weighted error over every feature, cut and sign, by explicit loops."""
    w = w / w.sum()
    best = np.inf
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        cuts = [-np.inf] + list((values[:-1] + values[1:]) / 2)
        for theta, s in itertools.product(cuts, (1, -1)):
            pred = np.where(X[:, j] > theta, s, -s)
            best = min(best, float(np.sum(w[pred != y])))
    return best


# ------------------------------------------------------------------- bootstrap


def test_bootstrap_indices_draw_n_indices_with_replacement():
    idx = bootstrap_indices(50, rng=np.random.default_rng(0))
    assert idx.shape == (50,) and np.issubdtype(idx.dtype, np.integer)
    assert idx.min() >= 0 and idx.max() < 50
    assert len(np.unique(idx)) < 50  # with replacement: repeats are (almost) certain


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_bootstrap_unique_fraction_matches_one_minus_one_minus_one_over_n_to_the_n(n):
    rng = np.random.default_rng(1)
    reps = 2000
    drawn = np.zeros((reps, n), dtype=bool)
    for r in range(reps):
        drawn[r, bootstrap_indices(n, rng=rng)] = True
    fractions = drawn.mean(axis=1)  # fraction of distinct indices in each bag
    expected = 1 - (1 - 1 / n) ** n
    se = fractions.std(ddof=1) / np.sqrt(reps)
    assert abs(fractions.mean() - expected) < 5 * se
    assert abs(expected - (1 - np.exp(-1))) < 0.6 / n  # the limit 1 - 1/e ≈ 0.632


def test_bootstrap_indices_are_deterministic_given_the_seed():
    a = bootstrap_indices(30, rng=np.random.default_rng(7))
    b = bootstrap_indices(30, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_bootstrap_indices_reject_bad_input():
    with pytest.raises(ValueError, match="n must be a positive int, got 0"):
        bootstrap_indices(0, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="n must be an int, got float"):
        bootstrap_indices(2.5, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        bootstrap_indices(5, rng=0)


# ----------------------------------------------------------------------- stump


def test_stump_finds_the_optimal_threshold_on_a_hand_example():
    X = np.arange(1.0, 7.0)[:, None]
    y = np.array([-1, -1, 1, -1, 1, 1])
    w = np.array([1.0, 1.0, 1.0, 3.0, 1.0, 1.0])
    # Cut 2.5 misclassifies x = 4 (weight 3/8); cut 4.5 only x = 3 (weight 1/8).
    stump = DecisionStump().fit(X, y, w)
    assert (stump.feature_, stump.threshold_, stump.polarity_) == (0, 4.5, 1)
    assert stump.error_ == pytest.approx(1 / 8)
    assert stump.error_ == pytest.approx(_brute_force_stump(X, y, w))
    np.testing.assert_array_equal(stump.predict(X), [-1, -1, -1, -1, 1, 1])


def test_stump_uses_the_negative_polarity_when_the_labels_are_flipped():
    X = np.arange(1.0, 7.0)[:, None]
    stump = DecisionStump().fit(X, np.array([1, 1, 1, -1, -1, -1]))
    assert (stump.threshold_, stump.polarity_, stump.error_) == (3.5, -1, 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_stump_matches_brute_force_on_random_weighted_data(seed):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(40, 3)), 1)  # rounding makes tied feature values
    y = np.where(rng.random(40) < 0.5, -1, 1)
    w = rng.random(40)
    stump = DecisionStump().fit(X, y, w)
    best = _brute_force_stump(X, y, w)
    assert stump.error_ == pytest.approx(best, abs=1e-12)
    realised = np.sum((w / w.sum())[stump.predict(X) != y])
    assert realised == pytest.approx(best, abs=1e-12)


def test_stump_rejects_bad_input():
    X, y = np.zeros((4, 2)), np.array([1, -1, 1, -1])
    with pytest.raises(ValueError, match=r"y must hold labels -1 and \+1, got values \[0 1\]"):
        DecisionStump().fit(X, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="X and y must have the same number of examples, got 4"):
        DecisionStump().fit(X, y[:3])
    with pytest.raises(TypeError, match="X must have a floating dtype, got int64"):
        DecisionStump().fit(np.zeros((4, 2), dtype=np.int64), y)
    with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(4,\)"):
        DecisionStump().fit(np.zeros(4), y)
    with pytest.raises(ValueError, match="sample_weight must be finite and >= 0"):
        DecisionStump().fit(X, y, np.array([1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="X and sample_weight must have the same number"):
        DecisionStump().fit(X, y, np.ones(5))
    with pytest.raises(ValueError, match="sample_weight must have a positive sum, got 0.0"):
        DecisionStump().fit(X, y, np.zeros(4))
    with pytest.raises(ValueError, match="X must be finite"):
        DecisionStump().fit(np.full((4, 2), np.nan), y)
    with pytest.raises(RuntimeError, match="not fitted"):
        DecisionStump().predict(X)


# ------------------------------------------------------------------------ tree


def test_depth_one_regression_tree_takes_the_best_split_by_brute_force():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    y = np.sin(2 * X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.normal(size=30)
    tree = DecisionTree(max_depth=1).fit(X, y)
    best = np.inf
    for j in range(2):
        for t in np.sort(X[:, j])[:-1]:
            left = X[:, j] <= t
            sse = np.sum((y[left] - y[left].mean()) ** 2)
            sse += np.sum((y[~left] - y[~left].mean()) ** 2)
            best = min(best, sse)
    pred = tree.predict(X)
    assert tree.depth_ == 1 and tree.n_leaves_ == 2
    assert np.sum((y - pred) ** 2) == pytest.approx(best, rel=1e-12)


def test_fully_grown_trees_fit_the_training_data_exactly():
    X, y = data.make_moons(200, 0.3, rng=np.random.default_rng(0))
    clf = DecisionTree(task="classification").fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), y)
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    Xr, yr = data.make_sine(60, 0.3, rng=np.random.default_rng(1))
    reg = DecisionTree().fit(Xr, yr)
    np.testing.assert_allclose(reg.predict(Xr), yr, rtol=0, atol=1e-12)
    assert reg.n_leaves_ == 60


def test_fully_grown_tree_in_one_dimension_is_the_nearest_neighbour_rule():
    Xr, yr = data.make_sine(40, 0.3, rng=np.random.default_rng(2))
    grid = np.linspace(-3.0, 3.0, 301)[:, None]
    nearest = np.abs(grid - Xr[:, 0]).argmin(axis=1)
    # Cuts sit halfway between neighbours, so each leaf is the point's Voronoi cell.
    np.testing.assert_allclose(DecisionTree().fit(Xr, yr).predict(grid), yr[nearest])


@pytest.mark.parametrize("max_depth", [1, 2, 4])
def test_tree_depth_and_leaves_respect_max_depth(max_depth):
    X, y = data.make_moons(150, 0.3, rng=np.random.default_rng(4))
    tree = DecisionTree(max_depth, task="classification").fit(X, y)
    assert tree.depth_ <= max_depth
    assert tree.n_leaves_ <= 2**max_depth


def test_tree_rejects_bad_input():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="max_depth must be a positive int, got 0"):
        DecisionTree(0)
    with pytest.raises(ValueError, match=r"task must be one of \['regression', 'classification'\]"):
        DecisionTree(task="vote")
    with pytest.raises(TypeError, match=r"y \(class labels\) must have an integer dtype"):
        DecisionTree(task="classification").fit(X, np.array([0.0, 1.0, 0.0]))
    with pytest.raises(TypeError, match="y \\(regression targets\\) must have a floating dtype"):
        DecisionTree().fit(X, np.array([0, 1, 0]))
    with pytest.raises(RuntimeError, match="not fitted"):
        DecisionTree().predict(X)
    tree = DecisionTree().fit(X, np.zeros(3))
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 2\), got \(3, 5\)"):
        tree.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="predict_proba needs task='classification'"):
        tree.predict_proba(X)


# --------------------------------------------------------------------- bagging


def test_bagging_reduces_the_variance_of_a_deep_tree_over_training_sets():
    rng = np.random.default_rng(5)
    grid = np.linspace(-np.pi, np.pi, 101)[:, None]
    single, bagged = [], []
    for _ in range(10):
        X, y = data.make_sine(40, 0.3, rng=rng)
        single.append(DecisionTree().fit(X, y).predict(grid))
        bagged.append(Bagging(DecisionTree, 12, rng=rng).fit(X, y).predict(grid))
    var_single = np.mean(np.var(single, axis=0, ddof=1))
    var_bagged = np.mean(np.var(bagged, axis=0, ddof=1))
    assert var_bagged < 0.7 * var_single


def test_bagging_averages_for_floats_and_votes_for_labels():
    X, y = data.make_sine(40, 0.3, rng=np.random.default_rng(6))
    reg = Bagging(lambda: DecisionTree(3), 7, rng=np.random.default_rng(0)).fit(X, y)
    members = np.stack([m.predict(X) for m in reg.estimators_])
    np.testing.assert_allclose(reg.predict(X), members.mean(axis=0))
    np.testing.assert_allclose(reg.staged_predict(X)[-1], reg.predict(X))
    np.testing.assert_allclose(reg.staged_predict(X)[0], members[0])
    assert reg.in_bag_.shape == (7, 40)
    Xc, yc = data.make_moons(80, 0.3, rng=np.random.default_rng(7))
    clf = Bagging(lambda: DecisionTree(task="classification"), 9, rng=np.random.default_rng(0))
    clf.fit(Xc, yc)
    votes = np.stack([m.predict(Xc) for m in clf.estimators_]).sum(axis=0)
    np.testing.assert_array_equal(clf.predict(Xc), (votes > 4.5).astype(int))  # 9 voters
    np.testing.assert_array_equal(clf.staged_predict(Xc)[-1], clf.predict(Xc))
    assert 0.0 <= clf.oob_error_ <= 0.5


def test_bagging_in_bag_fraction_and_oob_error():
    X, y = data.make_moons(300, 0.3, rng=np.random.default_rng(8))
    bag = Bagging(lambda: DecisionTree(task="classification"), 40, rng=np.random.default_rng(1))
    bag.fit(X, y)
    assert abs(bag.in_bag_.mean() - (1 - (1 - 1 / 300) ** 300)) < 0.01
    # The oob vote of each point uses only trees that never saw it: an honest estimate.
    out = ~bag.in_bag_
    votes = sum(np.where(out[b], m.predict(X), 0) for b, m in enumerate(bag.estimators_))
    n_out = out.sum(axis=0)
    seen = n_out > 0
    manual = np.mean(((votes[seen] / n_out[seen]) > 0.5).astype(int) != y[seen])
    assert bag.oob_error_ == pytest.approx(manual, abs=0.02)  # ties are broken differently
    assert 0.02 < bag.oob_error_ < 0.25


def test_bagging_is_deterministic_given_the_seed():
    X, y = data.make_sine(30, 0.3, rng=np.random.default_rng(9))
    a = Bagging(DecisionTree, 5, rng=np.random.default_rng(3)).fit(X, y)
    b = Bagging(DecisionTree, 5, rng=np.random.default_rng(3)).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.in_bag_, b.in_bag_)
    assert a.oob_error_ == b.oob_error_


def test_bagging_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="make_model must be callable"):
        Bagging(DecisionTree(), 3, rng=rng)
    with pytest.raises(ValueError, match="n_estimators must be a positive int, got 0"):
        Bagging(DecisionTree, 0, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        Bagging(DecisionTree, 3, rng=None)
    bag = Bagging(DecisionTree, 3, rng=rng)
    with pytest.raises(ValueError, match="X and y must have the same number of examples"):
        bag.fit(np.zeros((4, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="y must be class indices >= 0, got min -1"):
        bag.fit(np.zeros((4, 1)), np.array([0, -1, 1, 0]))
    with pytest.raises(TypeError, match="y must hold ints or floats, got dtype bool"):
        bag.fit(np.zeros((4, 1)), np.zeros(4, dtype=bool))
    with pytest.raises(RuntimeError, match="not fitted"):
        bag.predict(np.zeros((4, 1)))


# -------------------------------------------------------------------- AdaBoost


def test_adaboost_first_round_matches_the_closed_form_on_a_hand_example():
    X = np.arange(1.0, 7.0)[:, None]
    y = np.array([-1, -1, -1, 1, 1, -1])
    ada = AdaBoost(1).fit(X, y)
    # Best stump: cut 3.5, polarity +1, wrong only on x = 6: ε = 1/6, α = ½ ln 5.
    stump = ada.estimators_[0]
    assert (stump.threshold_, stump.polarity_) == (3.5, 1)
    np.testing.assert_allclose(ada.estimator_errors_, [1 / 6])
    np.testing.assert_allclose(ada.estimator_weights_, [0.5 * np.log(5.0)])
    # Closed form: wrong points are scaled by 1/(2ε), right ones by 1/(2(1 - ε)).
    expected = np.where(stump.predict(X) != y, (1 / 6) / (2 / 6), (1 / 6) / (10 / 6))
    np.testing.assert_allclose(ada.sample_weight_, expected)
    np.testing.assert_allclose(ada.sample_weight_, [0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
    # The same numbers from the update rule w_i exp(-α y_i h(x_i)) / Z, Z = 2 sqrt(ε(1-ε)).
    alpha, z = 0.5 * np.log(5.0), 2 * np.sqrt(5 / 36)
    np.testing.assert_allclose(ada.sample_weight_, np.exp(-alpha * y * stump.predict(X)) / 6 / z)


def test_adaboost_training_error_bound_holds_at_every_round():
    X, y = _moons(200, 10)
    ada = AdaBoost(60).fit(X, y)
    eps = ada.estimator_errors_
    assert len(eps) == 60 and np.all((eps > 0) & (eps < 0.5))
    bound = np.cumprod(2 * np.sqrt(eps * (1 - eps)))
    F = ada.staged_decision_function(X)
    train_err = np.mean(np.where(F >= 0, 1, -1) != y, axis=1)
    assert np.all(train_err <= bound + 1e-12)
    # The bound is the exponential loss itself: mean exp(-y F_t) = Π_s Z_s exactly.
    np.testing.assert_allclose(np.mean(np.exp(-y * F), axis=1), bound, rtol=1e-10)
    assert train_err[-1] < train_err[0]


def test_adaboost_reweighting_makes_the_last_stump_a_coin_flip():
    X, y = _moons(100, 11)
    for rounds in (1, 2, 5):
        ada = AdaBoost(rounds).fit(X, y)
        wrong = ada.estimators_[-1].predict(X) != y
        assert np.sum(ada.sample_weight_[wrong]) == pytest.approx(0.5)


def test_adaboost_staged_outputs_agree_and_beat_one_stump():
    X, y = _moons(300, 12)
    Xt, yt = _moons(1000, 13)
    ada = AdaBoost(100).fit(X, y)
    staged = ada.staged_decision_function(Xt)
    assert staged.shape == (100, 1000)
    np.testing.assert_allclose(staged[-1], ada.decision_function(Xt), atol=1e-12)
    np.testing.assert_array_equal(ada.staged_predict(Xt)[-1], ada.predict(Xt))
    errors = np.mean(ada.staged_predict(Xt) != yt, axis=1)
    assert errors[-1] < 0.75 * errors[0]


def test_adaboost_stops_at_a_perfect_stump_and_on_pure_noise():
    X = np.arange(1.0, 7.0)[:, None]
    ada = AdaBoost(10).fit(X, np.array([-1, -1, -1, 1, 1, 1]))
    assert len(ada.estimators_) == 1 and ada.estimator_errors_[0] == 0.0
    np.testing.assert_array_equal(ada.predict(X), [-1, -1, -1, 1, 1, 1])
    same = AdaBoost(10).fit(np.zeros((4, 1)), np.array([-1, 1, -1, 1]))
    assert len(same.estimators_) == 0  # no stump beats a coin: nothing is added
    assert same.staged_decision_function(np.zeros((4, 1))).shape == (0, 4)


def test_adaboost_is_deterministic_and_rejects_bad_input():
    X, y = _moons(50, 14)
    a, b = AdaBoost(10).fit(X, y), AdaBoost(10).fit(X, y)
    np.testing.assert_array_equal(a.estimator_weights_, b.estimator_weights_)
    with pytest.raises(ValueError, match="n_estimators must be a positive int, got -1"):
        AdaBoost(-1)
    with pytest.raises(ValueError, match=r"y must hold labels -1 and \+1"):
        AdaBoost(3).fit(X, (y > 0).astype(int))
    with pytest.raises(RuntimeError, match="not fitted"):
        AdaBoost(3).predict(X)
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 2\), got \(3, 1\)"):
        a.predict(np.zeros((3, 1)))
