"""Chapters 13 and 35 (hyperparameters and tuning them).
Hyperparameter search: evaluate a validation score at every point of a grid.

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


# ------------------------------------------------------------------------------
# Random search and successive halving (chapter 35)
# ------------------------------------------------------------------------------

__all__ += ["Choice", "Distribution", "HalvingResult", "LogUniform", "Rung", "SearchResult",
            "Uniform", "random_search", "sample_configs", "successive_halving"]


def _finite_real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


class Distribution:
    """A one-dimensional search distribution; ``sample(rng, n)`` returns n values as a list."""

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        """n independent draws."""
        raise NotImplementedError


class Uniform(Distribution):
    """x ~ U[low, high]: equal probability for equal lengths."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = _finite_real(low, "low"), _finite_real(high, "high")
        if not self.low < self.high:
            raise ValueError(f"Uniform needs low < high, got low={low}, high={high}")

    def sample(self, rng: np.random.Generator, n: int) -> list[float]:
        """x = low + (high - low) u, u ~ U[0, 1)."""
        return rng.uniform(self.low, self.high, size=n).tolist()

    def __repr__(self) -> str:
        return f"Uniform({self.low:g}, {self.high:g})"


class LogUniform(Distribution):
    """x = exp(u), u ~ U[ln low, ln high]: every factor of 10 in [low, high] equally likely.

    With ``integer=True``: x = ⌊exp(u)⌋, u ~ U[ln low, ln(high + 1)), so P(x = k) =
    ln((k + 1)/k) / ln((high + 1)/low) for the integers low <= k <= high.
    """

    def __init__(self, low: float, high: float, *, integer: bool = False) -> None:
        self.low, self.high = _finite_real(low, "low"), _finite_real(high, "high")
        if not 0 < self.low < self.high:
            raise ValueError(f"LogUniform needs 0 < low < high, got low={low}, high={high}")
        if integer and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError(f"LogUniform(integer=True) needs integer bounds, got low={low}, "
                             f"high={high}")
        self.integer = bool(integer)

    def sample(self, rng: np.random.Generator, n: int) -> list[float] | list[int]:
        """x = exp(U[ln low, ln high]), or ⌊exp(U[ln low, ln(high + 1)))⌋ for integers."""
        top = self.high + 1 if self.integer else self.high
        x = np.exp(rng.uniform(np.log(self.low), np.log(top), size=n))
        if self.integer:
            # exp(log(top)) can round to a hair above top; clip keeps x <= high
            return np.clip(np.floor(x), self.low, self.high).astype(np.int64).tolist()
        return np.clip(x, self.low, self.high).tolist()

    def __repr__(self) -> str:
        return f"LogUniform({self.low:g}, {self.high:g}{', integer=True' if self.integer else ''})"


class Choice(Distribution):
    """x = values[k], k ~ uniform on {0, ..., len(values) - 1}."""

    def __init__(self, values: Sequence[Any]) -> None:
        if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
            raise TypeError(f"Choice needs a sequence of values, got {type(values).__name__}")
        if len(values) == 0:
            raise ValueError("Choice needs at least one value, got none")
        self.values = tuple(values)

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        """values[k] with k drawn uniformly."""
        return [self.values[k] for k in rng.integers(len(self.values), size=n)]

    def __repr__(self) -> str:
        return f"Choice({list(self.values)!r})"


def sample_configs(space: Mapping[str, Distribution], n: int, *,
                   rng: np.random.Generator) -> list[dict[str, Any]]:
    """n configurations, each hyperparameter drawn independently: config_i[name] ~ space[name]."""
    if not isinstance(space, Mapping) or len(space) == 0:
        raise ValueError(f"space must be a non-empty mapping name -> Distribution, got {space!r}")
    for name, dist in space.items():
        if not isinstance(name, str):
            raise TypeError(f"space keys must be str (keyword names), got {name!r}")
        if not isinstance(dist, Distribution):
            raise TypeError(f"space[{name!r}] must be a Distribution (Uniform, LogUniform, "
                            f"Choice), got {type(dist).__name__}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of configurations must be an int >= 1, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    columns = {name: dist.sample(rng, int(n)) for name, dist in space.items()}
    return [{name: col[i] for name, col in columns.items()} for i in range(int(n))]


def _score(objective_value: Any, config: Mapping[str, Any]) -> float:
    if isinstance(objective_value, bool) or not isinstance(objective_value, Real):
        raise TypeError(f"objective must return a real number, got "
                        f"{type(objective_value).__name__} for {dict(config)}")
    return float(objective_value)


def _argmax_nan_last(scores: np.ndarray) -> int:
    if np.all(np.isnan(scores)):
        raise ValueError("every score is NaN: there is no best configuration")
    return int(np.nanargmax(scores))


@dataclass(frozen=True)
class SearchResult:
    """Trials of a search in the order they ran: ``scores[i]`` belongs to ``configs[i]``."""

    configs: tuple[dict[str, Any], ...]
    scores: np.ndarray

    @property
    def best_index(self) -> int:
        """Trial with the highest score (NaN never wins; ties: the earliest)."""
        return _argmax_nan_last(self.scores)

    @property
    def best_config(self) -> dict[str, Any]:
        """The hyperparameters of the best trial."""
        return self.configs[self.best_index]

    @property
    def best_score(self) -> float:
        """max_i scores[i] (optimistic as an estimate of the chosen config's score)."""
        return float(self.scores[self.best_index])

    def best_so_far(self) -> np.ndarray:
        """b[t] = max(scores[0], ..., scores[t]), NaN ignored (NaN until a finite score)."""
        return np.fmax.accumulate(self.scores)


def random_search(objective: Callable[..., float], space: Mapping[str, Distribution],
                  n_trials: int, *, rng: np.random.Generator) -> SearchResult:
    """scores[i] = objective(**config_i), config_i drawn independently from ``space``;
    the best config is the argmax (higher is better)."""
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    if isinstance(n_trials, bool) or not isinstance(n_trials, int | np.integer) or n_trials < 1:
        raise ValueError(f"n_trials must be an int >= 1, got {n_trials!r}")
    configs = sample_configs(space, n_trials, rng=rng)
    scores = np.array([_score(objective(**c), c) for c in configs], dtype=float)
    return SearchResult(tuple(configs), scores)


@dataclass(frozen=True)
class Rung:
    """One round of successive halving: every config in ``indices`` got ``budget``."""

    budget: float
    indices: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class HalvingResult:
    """The rungs of successive halving; the winner is the best of the last rung."""

    configs: tuple[dict[str, Any], ...]
    rungs: tuple[Rung, ...]

    @property
    def best_index(self) -> int:
        """Index into ``configs`` of the best config of the last rung."""
        last = self.rungs[-1]
        return int(last.indices[_argmax_nan_last(last.scores)])

    @property
    def best_config(self) -> dict[str, Any]:
        """The hyperparameters of the winner."""
        return self.configs[self.best_index]

    @property
    def best_score(self) -> float:
        """The winner's score at the largest budget it was given."""
        last = self.rungs[-1]
        return float(np.nanmax(last.scores))

    def budget_used(self, resume: bool = False) -> float:
        """Σ_k n_k r_k (each rung from scratch), or Σ_k n_k (r_k - r_{k-1}) with
        ``resume=True`` (survivors continue training; r_{-1} = 0)."""
        total, previous = 0.0, 0.0
        for rung in self.rungs:
            step = rung.budget - previous if resume else rung.budget
            total += len(rung.indices) * step
            previous = rung.budget
        return total


def successive_halving(objective: Callable[[dict[str, Any], Any], float],
                       configs: Sequence[Mapping[str, Any]], *, min_budget: float,
                       eta: int = 3, max_budget: float | None = None) -> HalvingResult:
    """Rung k gives r_k = min_budget·η^k to the n_k = ⌊n/η^k⌋ best configs of rung k - 1;
    stop when one config is left or r_{k+1} > max_budget. ``objective(config, budget)``
    returns a score, higher is better (NaN ranks last)."""
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    if isinstance(configs, str | bytes | Mapping) or not isinstance(configs, Sequence):
        raise TypeError(f"configs must be a sequence of dicts, got {type(configs).__name__}")
    if len(configs) == 0:
        raise ValueError("configs must hold at least one configuration, got none")
    for i, c in enumerate(configs):
        if not isinstance(c, Mapping):
            raise TypeError(f"configs[{i}] must be a dict, got {type(c).__name__}")
    if isinstance(eta, bool) or not isinstance(eta, int | np.integer) or eta < 2:
        raise ValueError(f"eta must be an int >= 2 (keep 1/eta per rung), got {eta!r}")
    budget = _finite_real(min_budget, "min_budget")
    if budget <= 0:
        raise ValueError(f"min_budget must be > 0, got {min_budget}")
    if max_budget is not None and _finite_real(max_budget, "max_budget") < budget:
        raise ValueError(f"max_budget must be >= min_budget={min_budget}, got {max_budget}")
    budget = min_budget  # keep an int budget an int (epochs)
    configs = tuple(dict(c) for c in configs)
    alive = np.arange(len(configs))
    rungs = []
    while True:
        scores = np.array([_score(objective(configs[i], budget), configs[i]) for i in alive],
                          dtype=float)
        rungs.append(Rung(budget, alive, scores))
        n_keep = len(alive) // eta
        if n_keep < 1 or (max_budget is not None and budget * eta > max_budget):
            break
        # best first; NaN last; ties keep the earlier config (stable sort)
        order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
        alive = np.sort(alive[order[:n_keep]])
        budget = budget * eta
    return HalvingResult(configs, tuple(rungs))
