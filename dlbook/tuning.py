"""Hyperparameter search: evaluate a validation score at every point of a grid.

The objective is any function of keyword arguments that returns a score where
higher is better (e.g. validation accuracy). It trains a model with those
hyperparameters and scores it on validation data, never on the test set.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["GridResult", "grid_search"]


@dataclass(frozen=True)
class GridResult:
    """Scores of a grid search: ``scores[i, j, ...]`` belongs to
    ``{names[0]: values[0][i], names[1]: values[1][j], ...}``."""

    names: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    scores: np.ndarray

    @property
    def best_index(self) -> tuple[int, ...]:
        """Index of the highest score (NaN, e.g. a diverged run, never wins; ties: first in
        C order)."""
        if np.all(np.isnan(self.scores)):
            raise ValueError("every score of the grid is NaN: there is no best configuration")
        flat = int(np.nanargmax(self.scores))
        return tuple(int(i) for i in np.unravel_index(flat, self.scores.shape))

    @property
    def best_config(self) -> dict[str, Any]:
        """The hyperparameters at ``best_index``."""
        return self.config(self.best_index)

    @property
    def best_score(self) -> float:
        """max over the grid of the score: the (optimistic) score of the chosen config."""
        return float(self.scores[self.best_index])

    def config(self, index: Sequence[int]) -> dict[str, Any]:
        """The hyperparameters at a grid index (i, j, ...)."""
        if len(index) != len(self.names):
            raise ValueError(f"index must have {len(self.names)} entries (one per axis "
                             f"{self.names}), got {tuple(index)}")
        return {n: v[i] for n, v, i in zip(self.names, self.values, index, strict=True)}

    def __iter__(self) -> Iterator[tuple[dict[str, Any], float]]:
        """(config, score) pairs in C order."""
        for index in np.ndindex(*self.scores.shape):
            yield self.config(index), float(self.scores[index])


def grid_search(objective: Callable[..., float],
                grid: Mapping[str, Sequence[Any]]) -> GridResult:
    """scores[i, j, ...] = objective(name_0=values_0[i], name_1=values_1[j], ...) over the
    Cartesian product of ``grid``; the best config is the argmax (higher is better)."""
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    if not isinstance(grid, Mapping) or len(grid) == 0:
        raise ValueError(f"grid must be a non-empty mapping name -> values, got {grid!r}")
    names, values = [], []
    for name, vals in grid.items():
        if not isinstance(name, str):
            raise TypeError(f"grid keys must be str (keyword names), got {name!r}")
        if isinstance(vals, str | bytes) or not isinstance(vals, Sequence | np.ndarray):
            raise TypeError(f"grid[{name!r}] must be a sequence of values, got "
                            f"{type(vals).__name__}")
        if len(vals) == 0:
            raise ValueError(f"grid[{name!r}] must hold at least one value, got none")
        names.append(name)
        values.append(tuple(vals))
    scores = np.empty(tuple(len(v) for v in values))
    for index in itertools.product(*(range(len(v)) for v in values)):
        config = {n: v[i] for n, v, i in zip(names, values, index, strict=True)}
        score = objective(**config)
        if isinstance(score, bool) or not isinstance(score, Real):
            raise TypeError(f"objective must return a real number, got "
                            f"{type(score).__name__} for {config}")
        scores[index] = float(score)
    return GridResult(tuple(names), tuple(values), scores)
