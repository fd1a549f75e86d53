"""Toy data sets, the digits data, splits, standardisation and mini-batches.

Every function that draws random numbers takes a keyword-only
``rng: np.random.Generator``; nothing here touches NumPy's global state, so a
chapter that seeds one generator gets the same data on every run.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from numbers import Integral, Real
from pathlib import Path

import numpy as np

__all__ = [
    "Standardizer",
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


# --------------------------------------------------------------------------- checks


def _check_rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def _check_int(name: str, value: object, minimum: int = 1) -> int:
    # bool is an Integral, but make_moons(True, ...) is a bug, not a request for one point.
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def _check_noise(noise: object) -> float:
    if (
        isinstance(noise, bool)
        or not isinstance(noise, Real)
        or not np.isfinite(noise)
        or (noise < 0)
    ):
        raise ValueError(f"noise must be a finite float >= 0, got {noise!r}")
    return float(noise)


def _check_xy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"X and y must be arrays with a leading example axis, got X.shape={X.shape}, "
            f"y.shape={y.shape}"
        )
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of examples, got len(X)={len(X)}, len(y)={len(y)}"
        )
    return X, y


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray) -> tuple:
    # Generators build examples class by class; shuffling means X[:k] is a fair sample.
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


# ------------------------------------------------------------------------ generators


def make_moons(
    n: int, noise: float = 0.1, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved moons: class 0 at (cos t, sin t), class 1 at (1 - cos t, 0.5 - sin t)."""
    n, noise, rng = _check_int("n", n), _check_noise(noise), _check_rng(rng)
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


def make_spirals(
    n: int, n_classes: int = 2, noise: float = 0.05, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """K interleaved spiral arms: arm k is r (cos a, sin a), a = 3 pi r + 2 pi k / K, r in [0,1]."""
    n, noise, rng = _check_int("n", n), _check_noise(noise), _check_rng(rng)
    k = _check_int("n_classes", n_classes, minimum=2)
    if n < k:
        raise ValueError(f"n must be >= n_classes (one point per arm), got n={n}, n_classes={k}")
    counts = np.full(k, n // k) + (np.arange(k) < n % k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(n) - starts[y]
    r = pos / np.maximum(counts[y] - 1, 1)
    angle = 3.0 * np.pi * r + 2.0 * np.pi * y / k
    X = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_xor(
    n: int, noise: float = 0.3, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at (+-1, +-1); label = xor of the centre's signs: 1 iff c1 * c2 < 0."""
    n, noise, rng = _check_int("n", n), _check_noise(noise), _check_rng(rng)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    blob = np.arange(n) % 4
    centres = corners[blob]
    # The label belongs to the blob, not to the noisy point: with large noise some points
    # cross the axes, which is the irreducible error the chapter can point to.
    y = (centres[:, 0] * centres[:, 1] < 0).astype(np.int64)
    X = centres + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_sine(
    n: int,
    noise: float = 0.1,
    *,
    rng: np.random.Generator,
    x_range: tuple[float, float] = (-np.pi, np.pi),
    freq: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Regression data y = sin(freq * x) + noise * eps, x ~ U(x_range), eps ~ N(0, 1)."""
    n, noise, rng = _check_int("n", n), _check_noise(noise), _check_rng(rng)
    bounds = np.asarray(x_range, dtype=np.float64)
    if bounds.shape != (2,) or not (np.all(np.isfinite(bounds)) and bounds[0] < bounds[1]):
        raise ValueError(f"x_range must be finite (low, high) with low < high, got {x_range!r}")
    if not np.isfinite(freq):
        raise ValueError(f"freq must be a finite float, got {freq!r}")
    x = rng.uniform(bounds[0], bounds[1], size=n)
    y = np.sin(freq * x) + noise * rng.standard_normal(n)
    return x[:, None], y


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


def _check_fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be a float in (0, 1), got {value!r}")
    return float(value)


def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    *,
    rng: np.random.Generator,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Shuffle, then cut into (train, validation, test) of sizes ~ fractions * n."""
    X, y = _check_xy(X, y)
    rng = _check_rng(rng)
    if len(fractions) != 3:
        raise ValueError(f"fractions must have 3 entries (train, val, test), got {fractions!r}")
    fr = [_check_fraction(f"fractions[{i}]", f) for i, f in enumerate(fractions)]
    if not np.isclose(sum(fr), 1.0):
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {sum(fr):.6g})")
    n = len(X)
    # Rounding the cumulative sums (not each size) keeps the sizes summing to n exactly.
    cuts = np.round(np.cumsum(fr)[:2] * n).astype(int)
    sizes = np.diff(np.concatenate([[0], cuts, [n]]))
    if np.any(sizes == 0):
        raise ValueError(
            f"fractions {fractions!r} of n={n} examples leave an empty split "
            f"(sizes {sizes.tolist()}); use more examples"
        )
    perm = rng.permutation(n)
    parts = np.split(perm, cuts)
    return tuple((X[idx], y[idx]) for idx in parts)


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, *, rng: np.random.Generator
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffle, then hold out round(test_fraction * n) examples as the test set."""
    X, y = _check_xy(X, y)
    rng = _check_rng(rng)
    frac = _check_fraction("test_fraction", test_fraction)
    n = len(X)
    n_test = round(frac * n)
    if n_test == 0 or n_test == n:
        raise ValueError(
            f"test_fraction={test_fraction!r} of n={n} examples leaves an empty split; "
            "use more examples"
        )
    perm = rng.permutation(n)
    tr, te = perm[n_test:], perm[:n_test]
    return (X[tr], y[tr]), (X[te], y[te])


# ------------------------------------------------------------------- standardisation


class Standardizer:
    """Per-feature z-score: fit stores mean and std of the training data, z = (x - mean) / std."""

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> Standardizer:
        """Store mean_ = mean(X, axis=0) and std_ = std(X, axis=0) (0 replaced by 1)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 0 or len(X) == 0:
            raise ValueError(f"X must have at least one example, got shape {X.shape}")
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        # A constant feature (e.g. a digit's border pixel, always 0) has std 0, and dividing
        # by it gives NaN. With std 1 it maps to the constant 0, which carries no information,
        # as it should. "0" includes round-off: a constant 0.1 gives std ~1e-17, not 0.
        std = np.where(std <= 1e-12 * np.maximum(1.0, np.abs(mean)), 1.0, std)
        self.mean_, self.std_ = np.asarray(mean), std
        return self

    def _check(self, X: np.ndarray) -> np.ndarray:
        if self.mean_ is None or self.std_ is None:
            raise RuntimeError("Standardizer is not fitted yet: call fit(X_train) first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 0 or X.shape[1:] != self.mean_.shape:
            expected = "(n, " + ", ".join(map(str, self.mean_.shape)) + ")"
            if self.mean_.ndim == 0:
                expected = "(n,)"
            raise ValueError(f"X must have shape {expected} as in fit, got shape {X.shape}")
        return X

    def transform(self, X: np.ndarray) -> np.ndarray:
        """z = (X - mean_) / std_, with the statistics of the data passed to fit."""
        X = self._check(X)
        return (X - self.mean_) / self.std_

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """fit(X), then transform(X)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """x = z * std_ + mean_, undoing transform."""
        Z = self._check(Z)
        return Z * self.std_ + self.mean_

    def __repr__(self) -> str:
        fitted = "unfitted" if self.mean_ is None else f"fitted, {self.mean_.size} features"
        return f"Standardizer({fitted})"


# ----------------------------------------------------------------------- mini-batches


def minibatches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_b, y_b) of batch_size examples, in a fresh random order iff rng is given."""
    # Validate here, not inside the generator, so bad arguments fail at the call.
    X, y = _check_xy(X, y)
    batch_size = _check_int("batch_size", batch_size)
    if rng is not None:
        _check_rng(rng)
    n = len(X)
    if drop_last and batch_size > n:
        raise ValueError(
            f"batch_size={batch_size} > n={n} with drop_last=True would yield no batches"
        )
    stop = n - n % batch_size if drop_last else n
    order = rng.permutation(n) if rng is not None else np.arange(n)

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, stop, batch_size):
            idx = order[start : start + batch_size]
            yield X[idx], y[idx]

    return batches()


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Y[i, k] = 1 if y[i] == k else 0, as float64 of shape (N, n_classes)."""
    y = np.asarray(y)
    k = _check_int("n_classes", n_classes)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer labels, got dtype {y.dtype} (use y.astype(int))")
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(
            f"labels must be in [0, n_classes={k}), got min {y.min()} and max {y.max()}"
        )
    out = np.zeros((y.size, k))
    out[np.arange(y.size), y] = 1.0
    return out


# -------------------------------------------------------------------- cross-validation


def kfold(
    n: int, k: int, *, rng: np.random.Generator | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train_idx, val_idx) pairs: the n indices cut into k folds of size ⌊n/k⌋ or ⌈n/k⌉,
    each fold the validation set once; folds are random iff rng is given."""
    n = _check_int("n", n)
    k = _check_int("k", k, minimum=2)
    if k > n:
        raise ValueError(f"k must be <= n (every fold needs an example), got k={k}, n={n}")
    order = _check_rng(rng).permutation(n) if rng is not None else np.arange(n)
    # array_split gives the first n % k folds one extra example: sizes differ by at most 1.
    folds = np.array_split(order, k)
    splits = []
    for i, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        splits.append((np.sort(train), np.sort(val)))
    return splits


__all__ += ["kfold"]
