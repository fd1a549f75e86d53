"""Toy data sets, the digits data, splits, standardisation and mini-batches.

Every function that draws random numbers takes a keyword-only
``rng: np.random.Generator``; nothing here touches NumPy's global state, so a
chapter that seeds one generator gets the same data on every run.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from dlbook._checks import (
    at_least,
    boolean,
    bounds,
    data,
    data_array,
    examples,
    generator,
    in_unit_interval,
    indices,
    ints,
    non_negative,
    optional,
    positive_int,
    real,
    same_length,
    validate,
)

__all__ = [
    "Standardizer",
    "kfold",
    "load_digits",
    "make_moons",
    "make_sine",
    "make_spirals",
    "make_xor",
    "minibatches",
    "one_hot",
    "train_test_split",
    "train_val_test_split",
]


# ------------------------------------------------------------------------ generators


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray) -> tuple:
    # Generators build examples class by class; shuffling means X[:k] is a fair sample.
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


@validate(n=positive_int, noise=non_negative, rng=generator)
def make_moons(
    n: int, noise: float = 0.1, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved moons: class 0 at (cos t, sin t), class 1 at (1 - cos t, 0.5 - sin t)."""
    n0 = n - n // 2
    y = (np.arange(n) >= n0).astype(np.int64)
    # Evenly spaced angles give the classic crisp moons; the noise supplies the randomness.
    t = np.concatenate([np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n - n0)])
    X = np.where(
        y[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)]),
    )
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


@validate(n=positive_int, n_classes=at_least(2), noise=non_negative, rng=generator)
def make_spirals(
    n: int, n_classes: int = 2, noise: float = 0.05, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """K interleaved spiral arms: arm k is r (cos a, sin a), a = 3 pi r + 2 pi k / K, r in [0,1]."""
    _check_enough(n, n_classes, "n_classes", "arm")
    k = n_classes
    counts = np.full(k, n // k) + (np.arange(k) < n % k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(n) - starts[y]
    r = pos / np.maximum(counts[y] - 1, 1)
    angle = 3.0 * np.pi * r + 2.0 * np.pi * y / k
    X = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


@validate(n=positive_int, noise=non_negative, rng=generator)
def make_xor(
    n: int, noise: float = 0.3, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at (+-1, +-1); label = xor of the centre's signs: 1 iff c1 * c2 < 0."""
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    blob = np.arange(n) % 4
    centres = corners[blob]
    # The label belongs to the blob, not to the noisy point: with large noise some points
    # cross the axes, which is the irreducible error the chapter can point to.
    y = (centres[:, 0] * centres[:, 1] < 0).astype(np.int64)
    X = centres + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


@validate(n=positive_int, noise=non_negative, rng=generator, x_range=bounds, freq=real)
def make_sine(
    n: int,
    noise: float = 0.1,
    *,
    rng: np.random.Generator,
    x_range: tuple[float, float] = (-np.pi, np.pi),
    freq: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Regression data y = sin(freq * x) + noise * eps, x ~ U(x_range), eps ~ N(0, 1)."""
    x = rng.uniform(x_range[0], x_range[1], size=n)
    y = np.sin(freq * x) + noise * rng.standard_normal(n)
    return x[:, None], y


@validate(return_images=boolean)
def load_digits(return_images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 1797 8x8 UCI digits shipped with scikit-learn, pixels scaled x / 16 to [0, 1]."""
    # Read the CSV that scikit-learn ships instead of calling its loader: importing
    # sklearn costs about 2 s per chapter, locating the package imports nothing.
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("load_digits needs scikit-learn installed (it ships the data)")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",", dtype=np.float64)
    X = table[:, :-1] / 16.0
    y = table[:, -1].astype(np.int64)
    if return_images:
        X = X.reshape(-1, 1, 8, 8)
    return X, y


# ---------------------------------------------------------------------------- splits


@validate(X=examples, y=examples, rng=generator)
def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    *,
    rng: np.random.Generator,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Shuffle, then cut into (train, validation, test) of sizes ~ fractions * n."""
    _check_split(X, y, fractions)
    n = len(X)
    # Rounding the cumulative sums (not each size) keeps the sizes summing to n exactly.
    cuts = np.round(np.cumsum(fractions)[:2] * n).astype(int)
    parts = np.split(rng.permutation(n), cuts)
    return tuple((X[idx], y[idx]) for idx in parts)


def _check_split(X: np.ndarray, y: np.ndarray, fractions: Sequence[float]) -> None:
    same_length(X, y)
    if not isinstance(fractions, Sequence | np.ndarray) or isinstance(fractions, str):
        raise TypeError(f"fractions must be a sequence of 3 numbers, "
                        f"got {type(fractions).__name__}")
    if len(fractions) != 3:
        raise ValueError(f"fractions must have 3 entries (train, val, test), got {fractions!r}")
    total = sum(in_unit_interval(f, f"fractions[{i}]") for i, f in enumerate(fractions))
    if not np.isclose(total, 1.0):
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {total:.6g})")
    cuts = np.round(np.cumsum(fractions)[:2] * len(X)).astype(int)  # as in the split
    sizes = np.diff([0, *cuts, len(X)])
    if np.any(sizes == 0):
        raise ValueError(f"fractions {fractions!r} of n={len(X)} examples leave an empty split "
                         f"(sizes {sizes.tolist()}); use more examples")


@validate(X=examples, y=examples, test_fraction=in_unit_interval, rng=generator)
def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, *, rng: np.random.Generator
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffle, then hold out round(test_fraction * n) examples as the test set."""
    _check_test_split(X, y, test_fraction)
    n_test = round(test_fraction * len(X))
    perm = rng.permutation(len(X))
    tr, te = perm[n_test:], perm[:n_test]
    return (X[tr], y[tr]), (X[te], y[te])


def _check_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float) -> None:
    same_length(X, y)
    if round(test_fraction * len(X)) in (0, len(X)):
        raise ValueError(f"test_fraction={test_fraction!r} of n={len(X)} examples leaves an "
                         "empty split; use more examples")


# ------------------------------------------------------------------- standardisation


class Standardizer:
    """Per-feature z-score: fit stores mean and std of the training data, z = (x - mean) / std."""

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    @validate(X=data())
    def fit(self, X: np.ndarray) -> Standardizer:
        """Store mean_ = mean(X, axis=0) and std_ = std(X, axis=0) (0 replaced by 1)."""
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        # A constant feature (e.g. a digit's border pixel, always 0) has std 0, and dividing
        # by it gives NaN. With std 1 it maps to the constant 0, which carries no information,
        # as it should. "0" includes round-off: a constant 0.1 gives std ~1e-17, not 0.
        std = np.where(std <= 1e-12 * np.maximum(1.0, np.abs(mean)), 1.0, std)
        self.mean_, self.std_ = np.asarray(mean), std
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """z = (X - mean_) / std_, with the statistics of the data passed to fit."""
        _check_fitted(self, X, "X")
        return (X - self.mean_) / self.std_

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """fit(X), then transform(X)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """x = z * std_ + mean_, undoing transform."""
        _check_fitted(self, Z, "Z")
        return Z * self.std_ + self.mean_

    def __repr__(self) -> str:
        fitted = "unfitted" if self.mean_ is None else f"fitted, {self.mean_.size} features"
        return f"Standardizer({fitted})"


def _check_fitted(scaler: Standardizer, X: np.ndarray, name: str) -> None:
    if scaler.mean_ is None:
        raise RuntimeError("Standardizer is not fitted yet: call fit(X_train) first")
    data_array(X, name)
    if X.shape[1:] != scaler.mean_.shape:
        expected = str(("n", *scaler.mean_.shape)).replace("'", "")
        raise ValueError(f"{name} must have shape {expected} as in fit, got shape {X.shape}")


# ----------------------------------------------------------------------- mini-batches


@validate(X=examples, y=examples, batch_size=positive_int, rng=optional(generator),
          drop_last=boolean)
def minibatches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_b, y_b) of batch_size examples, in a fresh random order iff rng is given."""
    _check_batches(X, y, batch_size, drop_last)  # here, so that bad arguments fail at the call
    n = len(X)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    stop = n - n % batch_size if drop_last else n  # drop_last: skip the short last batch
    batches = (order[start : start + batch_size] for start in range(0, stop, batch_size))
    return ((X[idx], y[idx]) for idx in batches)


def _check_batches(X: np.ndarray, y: np.ndarray, batch_size: int, drop_last: bool) -> None:
    same_length(X, y)
    if drop_last and batch_size > len(X):
        raise ValueError(
            f"batch_size={batch_size} > n={len(X)} with drop_last=True would yield no batches"
        )


@validate(y=ints(ndim=1), n_classes=positive_int)
def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Y[i, k] = 1 if y[i] == k else 0, as float64 of shape (N, n_classes)."""
    indices(y, "y", n_classes)
    out = np.zeros((y.size, n_classes))
    out[np.arange(y.size), y] = 1.0
    return out


# -------------------------------------------------------------------- cross-validation


@validate(n=positive_int, k=at_least(2), rng=optional(generator))
def kfold(
    n: int, k: int, *, rng: np.random.Generator | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train_idx, val_idx) pairs: the n indices cut into k folds of size ⌊n/k⌋ or ⌈n/k⌉,
    each fold the validation set once; folds are random iff rng is given."""
    _check_enough(n, k, "k", "fold")
    order = rng.permutation(n) if rng is not None else np.arange(n)
    # array_split gives the first n % k folds one extra example: sizes differ by at most 1.
    folds = np.array_split(order, k)
    splits = []
    for i, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        splits.append((np.sort(train), np.sort(val)))
    return splits


def _check_enough(n: int, k: int, k_name: str, part: str) -> None:
    if k > n:
        raise ValueError(f"{k_name} must be <= n (one example per {part}), got {k_name}={k}, n={n}")
