"""Chapters 13 and 35 (hyperparameters and tuning them).
Hyperparameter search: evaluate a validation score at every point of a grid.

The objective is any function of keyword arguments that returns a score where
higher is better (e.g. validation accuracy). It trains a model with those
hyperparameters and scores it on validation data, never on the test set.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from dlbook._checks import (
    at_least,
    boolean,
    function,
    generator,
    instance,
    int_at_least,
    mapping_of,
    positive,
    positive_int,
    real,
    sequence_of,
    validate,
)

__all__ = ["Choice", "Distribution", "GridResult", "HalvingResult", "LogUniform", "Rung",
           "SearchResult", "Uniform", "grid_search", "random_search", "sample_configs",
           "successive_halving"]


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
        _check_index(index, self.scores.shape, self.names)
        return {n: v[i] for n, v, i in zip(self.names, self.values, index, strict=True)}

    def __iter__(self) -> Iterator[tuple[dict[str, Any], float]]:
        """(config, score) pairs in C order."""
        for index in np.ndindex(*self.scores.shape):
            yield self.config(index), float(self.scores[index])


def grid_search(objective: Callable[..., float],
                grid: Mapping[str, Sequence[Any]]) -> GridResult:
    """scores[i, j, ...] = objective(name_0=values_0[i], name_1=values_1[j], ...) over the
    Cartesian product of ``grid``; the best config is the argmax (higher is better)."""
    _check_search(objective, grid, "grid", sequence_of())
    names, values = tuple(grid), tuple(tuple(v) for v in grid.values())
    scores = np.empty(tuple(len(v) for v in values))
    for index in itertools.product(*(range(len(v)) for v in values)):
        config = {n: v[i] for n, v, i in zip(names, values, index, strict=True)}
        scores[index] = _score(objective(**config), config)
    return GridResult(names, values, scores)


def _check_index(index: Any, shape: tuple[int, ...], names: tuple[str, ...]) -> None:
    sequence_of()(index, "index")
    if len(index) != len(shape):
        raise ValueError(f"index must have {len(shape)} entries (one per axis {names}), "
                         f"got {tuple(index)}")
    for axis, (i, n) in enumerate(zip(index, shape, strict=True)):
        if int_at_least(i, f"index[{axis}]", 0) >= n:
            raise ValueError(f"index[{axis}] must be < {n} (the size of axis {names[axis]!r}), "
                             f"got {i}")


def _check_search(objective: Any, space: Any, name: str, rule: Any) -> None:
    """objective callable; ``space`` a non-empty mapping whose names objective accepts."""
    function(objective, "objective")
    mapping_of(rule)(space, name)
    try:
        signature = inspect.signature(objective)
    except (TypeError, ValueError):  # a builtin without a signature: trust it
        return
    try:
        signature.bind(**dict.fromkeys(space))
    except TypeError as err:
        raise TypeError(f"the names of {name} {list(space)} must be the keyword arguments "
                        f"of objective: {err}") from None


# ------------------------------------------------------------------------------
# Random search and successive halving (chapter 35)
# ------------------------------------------------------------------------------

class Distribution:
    """A one-dimensional search distribution; ``sample(rng, n)`` returns n values as a list."""

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        """n independent draws."""
        raise NotImplementedError


class Uniform(Distribution):
    """x ~ U[low, high]: equal probability for equal lengths."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = _check_bounds(self, low, high)

    @validate(rng=generator, n=positive_int)
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
        self.low, self.high = _check_bounds(self, low, high, integer=integer)
        self.integer = integer

    @validate(rng=generator, n=positive_int)
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

    @validate(values=sequence_of())
    def __init__(self, values: Sequence[Any]) -> None:
        self.values = tuple(values)

    @validate(rng=generator, n=positive_int)
    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        """values[k] with k drawn uniformly."""
        return [self.values[k] for k in rng.integers(len(self.values), size=n)]

    def __repr__(self) -> str:
        return f"Choice({list(self.values)!r})"


def _check_bounds(dist: Distribution, low: Any, high: Any, *,
                  integer: bool = False) -> tuple[float, float]:
    """(low, high) as floats if real and low < high (0 < low for LogUniform, integers
    if ``integer``), else raise."""
    low, high, integer = real(low, "low"), real(high, "high"), boolean(integer, "integer")
    name = type(dist).__name__
    if isinstance(dist, LogUniform) and not 0 < low < high:
        raise ValueError(f"{name} needs 0 < low < high, got low={low:g}, high={high:g}")
    if not low < high:
        raise ValueError(f"{name} needs low < high, got low={low:g}, high={high:g}")
    if integer and not (low.is_integer() and high.is_integer()):
        raise ValueError(f"{name}(integer=True) needs integer bounds, got low={low:g}, "
                         f"high={high:g}")
    return low, high


@validate(space=mapping_of(instance(Distribution)), n=positive_int, rng=generator)
def sample_configs(space: Mapping[str, Distribution], n: int, *,
                   rng: np.random.Generator) -> list[dict[str, Any]]:
    """n configurations, each hyperparameter drawn independently: config_i[name] ~ space[name]."""
    columns = {name: dist.sample(rng, n) for name, dist in space.items()}
    return [{name: col[i] for name, col in columns.items()} for i in range(n)]


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
    _check_random_search(objective, space, n_trials)
    configs = sample_configs(space, n_trials, rng=rng)
    scores = np.array([_score(objective(**c), c) for c in configs], dtype=float)
    return SearchResult(tuple(configs), scores)


def _check_random_search(objective: Any, space: Any, n_trials: Any) -> None:
    _check_search(objective, space, "space", instance(Distribution))
    positive_int(n_trials, "n_trials")


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

    @validate(resume=boolean)
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
    _check_halving(objective, configs, min_budget, eta, max_budget)
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


def _check_halving(objective: Any, configs: Any, min_budget: Any, eta: Any,
                   max_budget: Any) -> None:
    """Reject bad arguments of successive_halving before any config is trained."""
    function(objective, "objective")
    sequence_of(instance(Mapping))(configs, "configs")
    at_least(2)(eta, "eta")
    low = positive(min_budget, "min_budget")
    if max_budget is not None and real(max_budget, "max_budget") < low:
        raise ValueError(f"max_budget must be >= min_budget={min_budget}, got {max_budget}")
