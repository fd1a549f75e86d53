"""Grid search: every configuration is scored once, the argmax is reported, bad input fails."""

import numpy as np
import pytest

from dlbook.topics import tuning


def test_scores_follow_the_grid_layout_and_best_is_the_argmax():
    calls = []

    def objective(a, b):
        calls.append((a, b))
        return -(a - 2) ** 2 - (b - 0.5) ** 2

    res = tuning.grid_search(objective, {"a": [1, 2, 3], "b": (0.1, 0.5)})
    assert res.names == ("a", "b")
    assert res.scores.shape == (3, 2)
    assert len(calls) == 6 and len(set(calls)) == 6
    for i, a in enumerate([1, 2, 3]):
        for j, b in enumerate([0.1, 0.5]):
            assert res.scores[i, j] == pytest.approx(objective(a, b))
    assert res.best_index == (1, 1)
    assert res.best_config == {"a": 2, "b": 0.5}
    assert res.best_score == pytest.approx(0.0)
    assert res.best_score >= np.max(res.scores)


def test_iteration_yields_every_config_with_its_score():
    res = tuning.grid_search(lambda x, y, z: x * y * z, {"x": [1, 2], "y": [3], "z": [5, 7]})
    pairs = list(res)
    assert len(pairs) == 4
    assert pairs[0] == ({"x": 1, "y": 3, "z": 5}, 15.0)
    assert pairs[-1] == ({"x": 2, "y": 3, "z": 7}, 42.0)
    assert res.config((1, 0, 1)) == {"x": 2, "y": 3, "z": 7}


def test_nan_scores_never_win_and_ties_go_to_the_first():
    res = tuning.grid_search(lambda k: [np.nan, 1.0, 1.0][k], {"k": [0, 1, 2]})
    assert res.best_index == (1,)
    all_nan = tuning.grid_search(lambda k: np.nan, {"k": [0, 1]})
    with pytest.raises(ValueError, match="NaN"):
        _ = all_nan.best_config


def test_numpy_scores_and_array_grids_are_accepted():
    res = tuning.grid_search(lambda lr: np.float32(-abs(np.log10(lr) + 2)),
                             {"lr": np.logspace(-4, 0, 5)})
    assert res.best_config["lr"] == pytest.approx(1e-2)


@pytest.mark.parametrize(
    ("objective", "grid", "error", "match"),
    [
        ("not callable", {"a": [1]}, TypeError, "callable"),
        (lambda a: 0.0, {}, ValueError, "non-empty"),
        (lambda a: 0.0, {"a": []}, ValueError, "at least one"),
        (lambda a: 0.0, {"a": 3}, TypeError, "sequence"),
        (lambda a: 0.0, {"a": "abc"}, TypeError, "sequence"),
        (lambda **kw: 0.0, {1: [1]}, TypeError, "str"),
        (lambda a: "high", {"a": [1]}, TypeError, "real number"),
        (lambda a: True, {"a": [1]}, TypeError, "real number"),
    ],
)
def test_bad_input_is_rejected(objective, grid, error, match):
    with pytest.raises(error, match=match):
        tuning.grid_search(objective, grid)


def test_config_with_wrong_index_length_is_rejected():
    res = tuning.grid_search(lambda a, b: a + b, {"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="2 entries"):
        res.config((0,))
