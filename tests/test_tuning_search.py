"""Random search and successive halving: seeded determinism, distributions' ranges,
the rung schedule and its budget, bad input."""

import numpy as np
import pytest

from dlbook.topics import tuning

SPACE = {
    "lr": tuning.LogUniform(1e-4, 1.0),
    "width": tuning.LogUniform(8, 128, integer=True),
    "dropout": tuning.Uniform(0.0, 0.5),
    "act": tuning.Choice(["relu", "tanh"]),
}


def test_same_seed_same_configs_and_scores():
    def objective(lr, width, dropout, act):
        return -abs(np.log10(lr) + 2) + width / 1000 - dropout

    a = tuning.random_search(objective, SPACE, 12, rng=np.random.default_rng(7))
    b = tuning.random_search(objective, SPACE, 12, rng=np.random.default_rng(7))
    c = tuning.random_search(objective, SPACE, 12, rng=np.random.default_rng(8))
    assert a.configs == b.configs
    np.testing.assert_array_equal(a.scores, b.scores)
    assert a.configs != c.configs
    assert len(a.configs) == 12 and a.scores.shape == (12,)
    assert a.best_score == pytest.approx(max(a.scores))
    assert a.best_config == a.configs[int(np.argmax(a.scores))]


def test_sample_configs_matches_random_search_draws():
    configs = tuning.sample_configs(SPACE, 5, rng=np.random.default_rng(3))
    res = tuning.random_search(lambda **c: 0.0, SPACE, 5, rng=np.random.default_rng(3))
    assert list(res.configs) == configs
    assert all(set(c) == set(SPACE) for c in configs)


def test_log_uniform_is_uniform_in_the_log():
    x = np.array(tuning.LogUniform(1e-4, 1.0).sample(np.random.default_rng(0), 100_000))
    assert x.min() >= 1e-4 and x.max() <= 1.0
    counts = np.histogram(np.log10(x), bins=4, range=(-4, 0))[0] / x.size
    np.testing.assert_allclose(counts, 0.25, atol=0.01)      # each decade a quarter
    u = np.array(tuning.Uniform(1e-4, 1.0).sample(np.random.default_rng(0), 100_000))
    assert np.mean(u < 1e-2) < 0.02                           # linear scale: under 1 %


def test_integer_log_uniform_hits_every_integer_with_the_log_probability():
    dist = tuning.LogUniform(2, 9, integer=True)
    x = np.array(dist.sample(np.random.default_rng(1), 200_000))
    assert x.dtype.kind == "i" and x.min() == 2 and x.max() == 9
    k = np.arange(2, 10)
    expected = np.log((k + 1) / k) / np.log(10 / 2)
    np.testing.assert_allclose(np.bincount(x, minlength=10)[2:] / x.size, expected, atol=0.005)


def test_uniform_and_choice_stay_in_range():
    rng = np.random.default_rng(2)
    u = np.array(tuning.Uniform(-1.0, 3.0).sample(rng, 10_000))
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    c = tuning.Choice([16, 32, 64]).sample(rng, 30_000)
    assert set(c) == {16, 32, 64}
    np.testing.assert_allclose(np.bincount(c)[[16, 32, 64]] / 30_000, 1 / 3, atol=0.015)


def test_best_so_far_is_a_running_max_that_ignores_nan():
    scores = iter([np.nan, 0.3, 0.1, np.nan, 0.5, 0.4])
    res = tuning.random_search(lambda x: next(scores), {"x": tuning.Uniform(0, 1)}, 6,
                               rng=np.random.default_rng(0))
    np.testing.assert_array_equal(res.best_so_far()[1:], [0.3, 0.3, 0.3, 0.5, 0.5])
    assert np.isnan(res.best_so_far()[0])
    assert res.best_index == 4


def test_all_nan_scores_have_no_best():
    res = tuning.random_search(lambda x: np.nan, {"x": tuning.Uniform(0, 1)}, 3,
                               rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="NaN"):
        _ = res.best_config


def test_halving_schedule_and_budget():
    calls = []

    def objective(config, budget):
        calls.append((config["k"], budget))
        return float(config["k"])          # config k is better the larger k; budget-free

    configs = [{"k": k} for k in range(27)]
    res = tuning.successive_halving(objective, configs, min_budget=1, eta=3)
    assert [len(r.indices) for r in res.rungs] == [27, 9, 3, 1]
    assert [r.budget for r in res.rungs] == [1, 3, 9, 27]
    assert res.best_index == 26 and res.best_config == {"k": 26} and res.best_score == 26.0
    np.testing.assert_array_equal(res.rungs[1].indices, np.arange(18, 27))
    assert len(calls) == 27 + 9 + 3 + 1
    assert res.budget_used() == 4 * 27                              # n r per rung
    assert res.budget_used(resume=True) == 27 * 1 + 9 * 2 + 3 * 6 + 1 * 18


def test_halving_stops_at_max_budget_and_ranks_nan_last():
    configs = [{"k": k} for k in range(10)]
    score = {k: (np.nan if k == 9 else k / 10) for k in range(10)}
    res = tuning.successive_halving(lambda c, b: score[c["k"]], configs, min_budget=2,
                                    eta=2, max_budget=8)
    assert [r.budget for r in res.rungs] == [2, 4, 8]
    assert [len(r.indices) for r in res.rungs] == [10, 5, 2]
    assert 9 not in res.rungs[1].indices
    assert res.best_index == 8


def test_halving_keeps_the_best_when_ranks_hold_at_every_budget():
    rng = np.random.default_rng(4)
    quality = rng.random(40)

    def objective(config, budget):      # a learning curve that rises with the budget
        return quality[config["i"]] * (1 - 0.5 ** budget)

    res = tuning.successive_halving(objective, [{"i": i} for i in range(40)], min_budget=1,
                                    eta=2)
    assert res.best_index == int(np.argmax(quality))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: tuning.LogUniform(0.0, 1.0), ValueError, "0 < low < high"),
        (lambda: tuning.LogUniform(1.0, 0.1), ValueError, "0 < low < high"),
        (lambda: tuning.LogUniform(1.5, 8, integer=True), ValueError, "integer bounds"),
        (lambda: tuning.LogUniform("1", 2.0), TypeError, "real number"),
        (lambda: tuning.Uniform(1.0, 1.0), ValueError, "low < high"),
        (lambda: tuning.Uniform(0.0, np.inf), ValueError, "finite"),
        (lambda: tuning.Choice([]), ValueError, "at least one"),
        (lambda: tuning.Choice("abc"), TypeError, "sequence"),
    ],
)
def test_bad_distributions_are_rejected(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("objective", "space", "n", "rng", "error", "match"),
    [
        ("f", SPACE, 3, np.random.default_rng(0), TypeError, "callable"),
        (lambda **c: 0.0, {}, 3, np.random.default_rng(0), ValueError, "non-empty"),
        (lambda **c: 0.0, {"lr": [0.1, 0.01]}, 3, np.random.default_rng(0), TypeError,
         "Distribution"),
        (lambda **c: 0.0, {1: tuning.Uniform(0, 1)}, 3, np.random.default_rng(0), TypeError,
         "str"),
        (lambda **c: 0.0, SPACE, 0, np.random.default_rng(0), ValueError, "n_trials"),
        (lambda **c: 0.0, SPACE, 2.5, np.random.default_rng(0), TypeError, "n_trials"),
        (lambda **c: 0.0, SPACE, 3, 0, TypeError, "Generator"),
        (lambda **c: "good", SPACE, 3, np.random.default_rng(0), TypeError, "real number"),
    ],
)
def test_bad_random_search_input_is_rejected(objective, space, n, rng, error, match):
    with pytest.raises(error, match=match):
        tuning.random_search(objective, space, n, rng=rng)


@pytest.mark.parametrize(
    ("objective", "configs", "kwargs", "error", "match"),
    [
        (None, [{"a": 1}], {"min_budget": 1}, TypeError, "callable"),
        (lambda c, b: 0.0, [], {"min_budget": 1}, ValueError, "at least one"),
        (lambda c, b: 0.0, {"a": 1}, {"min_budget": 1}, TypeError, "configs must be a sequence"),
        (lambda c, b: 0.0, [1, 2], {"min_budget": 1}, TypeError, r"configs\[0\]"),
        (lambda c, b: 0.0, [{"a": 1}], {"min_budget": 0}, ValueError, "min_budget"),
        (lambda c, b: 0.0, [{"a": 1}], {"min_budget": 1, "eta": 1}, ValueError, "eta"),
        (lambda c, b: 0.0, [{"a": 1}], {"min_budget": 4, "max_budget": 2}, ValueError,
         "max_budget"),
        (lambda c, b: None, [{"a": 1}], {"min_budget": 1}, TypeError, "real number"),
    ],
)
def test_bad_halving_input_is_rejected(objective, configs, kwargs, error, match):
    with pytest.raises(error, match=match):
        tuning.successive_halving(objective, configs, **kwargs)
