"""Chapter 33 (deep vs shallow networks).
Linear pieces of ReLU networks with one input: the tent-map construction of depth
efficiency (Telgarsky, 2016), a one-hidden-layer interpolant, and piece counts (exact, from
the weights, and numerical, from values on a grid)."""

from __future__ import annotations

import numpy as np

from dlbook import init, nn
from dlbook._checks import (
    data_array,
    floats,
    generator,
    interval,
    non_negative,
    positive,
    positive_int,
    validate,
)

__all__ = [
    "count_linear_pieces",
    "count_linear_regions",
    "interpolant_network",
    "make_sawtooth",
    "relu_pieces",
    "sawtooth",
    "tent",
    "tent_network",
]


@validate(x=floats())
def tent(x: np.ndarray) -> np.ndarray:
    """Tent map t(x) = 2 min(x, 1 - x), which maps [0, 1] onto [0, 1] twice."""
    return 2.0 * np.minimum(x, 1.0 - x)


@validate(x=floats(), depth=positive_int)
def sawtooth(x: np.ndarray, depth: int) -> np.ndarray:
    """The depth-fold composition t∘t∘…∘t(x): 2^(depth-1) teeth, 2^depth linear pieces on [0, 1]."""
    y = x
    for _ in range(depth):
        y = tent(y)
    return y


@validate(n=positive_int, depth=positive_int, noise=non_negative, rng=generator)
def make_sawtooth(n: int, depth: int, noise: float = 0.0, *,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression data y = t^depth(x) + noise * eps, x ~ U(0, 1), eps ~ N(0, 1); shapes (n, 1)."""
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    return x, sawtooth(x, depth) + noise * rng.standard_normal((n, 1))


@validate(depth=positive_int)
def tent_network(depth: int) -> nn.Sequential:
    """Width-2 ReLU network computing t^depth on [0, 1]; t(x) = 2 relu(x) - 4 relu(x - 1/2).

    Hidden layer 1 computes (relu(x), relu(x - 1/2)); every further hidden layer reads
    t = 2 h1 - 4 h2 from the previous one and computes (relu(t), relu(t - 1/2)); the
    output layer returns 2 h1 - 4 h2. Weights are set, not trained: 6·depth + 1 parameters.
    """
    rng = np.random.default_rng(0)  # Dense needs a Generator; init.zeros never draws from it

    def dense(n_in: int, n_out: int, W: list, b: list) -> nn.Dense:
        layer = nn.Dense(n_in, n_out, rng=rng, weight_init=init.zeros)
        layer.W.data[...] = W
        layer.b.data[...] = b
        return layer

    layers: list[nn.Module] = [dense(1, 2, [[1.0, 1.0]], [0.0, -0.5]), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [dense(2, 2, [[2.0, 2.0], [-4.0, -4.0]], [0.0, -0.5]), nn.ReLU()]
    layers.append(dense(2, 1, [[2.0], [-4.0]], [0.0]))
    return nn.Sequential(*layers)


def interpolant_network(knots: np.ndarray, values: np.ndarray) -> nn.Sequential:
    """One hidden layer with n = len(knots) - 1 ReLUs computing the piecewise-linear interpolant
    f(x) = y_0 + s_0 relu(x - x_0) + Σ_{k=1}^{n-1} (s_k - s_{k-1}) relu(x - x_k) on [x_0, x_n],
    where s_k = (y_{k+1} - y_k) / (x_{k+1} - x_k)."""
    _check_interpolant_args(knots, values)
    slopes = np.diff(values) / np.diff(knots)
    n = slopes.size
    rng = np.random.default_rng(0)  # unused by init.zeros, required by Dense
    hidden = nn.Dense(1, n, rng=rng, weight_init=init.zeros)
    hidden.W.data[...] = 1.0
    hidden.b.data[...] = -knots[:-1]
    out = nn.Dense(n, 1, rng=rng, weight_init=init.zeros)
    out.W.data[:, 0] = np.diff(slopes, prepend=0.0)
    out.b.data[...] = values[0]
    return nn.Sequential(hidden, nn.ReLU(), out)


def _check_grid(x: np.ndarray, name: str) -> None:
    """x is a finite 1-D float array of at least 2 strictly increasing values."""
    data_array(x, name, ndim=1)
    if x.size < 2:
        raise ValueError(f"{name} must hold at least 2 points, got {x.size}")
    if np.any(np.diff(x) <= 0):
        raise ValueError(f"{name} must be strictly increasing")


def _check_interpolant_args(knots: np.ndarray, values: np.ndarray) -> None:
    _check_grid(knots, "knots")
    if data_array(values, "values", ndim=1).shape != knots.shape:
        raise ValueError(f"values must have the shape of knots {knots.shape}, got {values.shape}")


def count_linear_pieces(x: np.ndarray, y: np.ndarray, *, rtol: float = 1e-6) -> int:
    """Number of linear pieces of y(x) sampled on a grid: 1 + number of slope changes,
    |s_{i+1} - s_i| > rtol · max|s|, with s_i = (y_{i+1} - y_i) / (x_{i+1} - x_i).

    A kink strictly inside a grid interval changes two consecutive slopes; runs of
    consecutive changes are counted as one kink. The count is exact when every piece
    spans at least three grid intervals; shorter pieces can be undercounted.
    """
    _check_pieces_args(x, y, rtol)
    s = np.diff(y.ravel()) / np.diff(x)  # y may be a network's (N, 1) output
    scale = np.max(np.abs(s))
    if scale == 0:
        return 1
    change = np.abs(np.diff(s)) > rtol * scale
    starts = change & ~np.concatenate([[False], change[:-1]])  # first change of each run
    return 1 + int(np.count_nonzero(starts))


def _check_pieces_args(x: np.ndarray, y: np.ndarray, rtol: float) -> None:
    _check_grid(x, "x")
    if data_array(y, "y").shape not in ((x.size,), (x.size, 1)):
        raise ValueError(f"y must have shape {x.shape} (or {(x.size, 1)}), got {y.shape}")
    positive(rtol, "rtol")


def _check_relu_pieces_args(model: nn.Module, lo: float, hi: float) -> None:
    """model is a Sequential of Dense and ReLU layers with one input; lo < hi."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential of Dense and ReLU layers, "
                        f"got {type(model).__name__}")
    layers = list(model)
    for i, layer in enumerate(layers):
        if not isinstance(layer, nn.Dense | nn.ReLU):
            raise TypeError(f"layer {i} must be Dense or ReLU, got {type(layer).__name__}")
    dense = [layer for layer in layers if isinstance(layer, nn.Dense)]
    if not dense:
        raise ValueError("model must contain at least one Dense layer")
    if dense[0].in_features != 1:
        raise ValueError(f"model must take one input (in_features=1), "
                         f"got in_features={dense[0].in_features}")
    interval(lo, hi)


def _representatives(knots: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """One point inside each interval of the partition of (lo, hi) by the sorted knots."""
    left = np.concatenate([[lo], knots])
    right = np.concatenate([knots, [hi]])
    mid = 0.5 * (left + right)
    mid = np.where(np.isneginf(left), right - 1.0, mid)
    mid = np.where(np.isposinf(right), left + 1.0, mid)
    return np.where(np.isneginf(left) & np.isposinf(right), 0.0, mid)


def relu_pieces(model: nn.Sequential, lo: float = -np.inf,
                hi: float = np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact activation regions of a one-input Dense/ReLU network on (lo, hi), from its weights.

    Returns (knots, slopes, intercepts): the sorted points where some ReLU switches,
    and per region r the output f(x) = x · slopes[r] + intercepts[r], shapes (R, out)
    with R = len(knots) + 1. Each layer maps the affine pieces h = x a + c per region;
    a ReLU adds the zeros x = -c/a that fall strictly inside a region.
    """
    _check_relu_pieces_args(model, lo, hi)
    knots = np.empty(0)
    A, C = np.ones((1, 1)), np.zeros((1, 1))  # region r: layer output = x A[r] + C[r]
    for layer in model:
        if isinstance(layer, nn.Dense):
            A = A @ layer.W.data
            C = C @ layer.W.data + (layer.b.data if layer.b is not None else 0.0)
            continue
        left = np.concatenate([[lo], knots])[:, None]
        right = np.concatenate([knots, [hi]])[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            zero = -C / A
        inside = (A != 0) & (zero > left) & (zero < right)
        new = np.unique(np.concatenate([knots, zero[inside]]))
        if new.size > knots.size:
            # a zero that lands on a knot up to rounding would add a sliver region: drop it
            keep = np.concatenate([[True], np.diff(new) > 1e-12 * np.maximum(1.0, np.abs(new[1:]))])
            new = new[keep]
        reps = _representatives(new, lo, hi)
        parent = np.searchsorted(knots, reps)  # the old region each new region lies in
        A, C = A[parent], C[parent]
        on = reps[:, None] * A + C > 0
        A, C, knots = A * on, C * on, new
    return knots, A, C


@validate(rtol=positive)
def count_linear_regions(model: nn.Sequential, lo: float = -np.inf, hi: float = np.inf,
                         *, rtol: float = 1e-9) -> int:
    """Number of maximal intervals of (lo, hi) on which a one-input ReLU network is affine:
    activation regions merged where neighbouring slopes agree, |Δa| <= rtol · max|a|."""
    _, slopes, _ = relu_pieces(model, lo, hi)
    scale = np.max(np.abs(slopes))
    if slopes.shape[0] == 1 or scale == 0:
        return 1
    change = np.any(np.abs(np.diff(slopes, axis=0)) > rtol * scale, axis=1)
    return 1 + int(np.count_nonzero(change))
