"""Weight initialisers. Each takes a shape and an explicit ``np.random.Generator``.

Fans follow the layouts of dlbook's layers: a dense weight ``(in, out)`` has
fan_in = in, fan_out = out; a convolution weight ``(F, C, KH, KW)`` has
fan_in = C·KH·KW and fan_out = F·KH·KW.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from dlbook._checks import float_dtype, generator, positive, real, sizes, validate

Initializer = Callable[..., np.ndarray]

# A weight has an input and an output axis, so fans need at least two dims.
_weight_shape = functools.partial(sizes, min_len=2)


@validate(shape=_weight_shape)
def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a dense ``(in, out)`` or convolution ``(F, C, KH, KW)`` weight."""
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[2:]))
    return shape[1] * receptive, shape[0] * receptive


@validate(shape=sizes, dtype=float_dtype)
def zeros(shape: tuple[int, ...], rng: np.random.Generator | None = None,
          dtype: type = np.float64) -> np.ndarray:
    """All zeros (a fine bias init; a broken weight init, see chapter 34)."""
    return np.zeros(shape, dtype=dtype)


@validate(shape=sizes, value=real, dtype=float_dtype)
def constant(shape: tuple[int, ...], value: float, rng: np.random.Generator | None = None,
             dtype: type = np.float64) -> np.ndarray:
    """Every entry equal to ``value``."""
    return np.full(shape, float(value), dtype=dtype)


@validate(shape=sizes, rng=generator, std=positive, dtype=float_dtype)
def normal(shape: tuple[int, ...], rng: np.random.Generator, std: float = 0.01,
           dtype: type = np.float64) -> np.ndarray:
    """w ~ N(0, std²)."""
    return (std * rng.standard_normal(shape)).astype(dtype)


@validate(shape=_weight_shape, rng=generator, gain=positive, dtype=float_dtype)
def xavier_uniform(shape: tuple[int, ...], rng: np.random.Generator, gain: float = 1.0,
                   dtype: type = np.float64) -> np.ndarray:
    """Glorot: w ~ U(-a, a), a = gain·√(6/(fan_in+fan_out)), so Var w = 2/(fan_in+fan_out)."""
    fan_in, fan_out = fans(shape)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape).astype(dtype)


@validate(shape=_weight_shape, rng=generator, gain=positive, dtype=float_dtype)
def xavier_normal(shape: tuple[int, ...], rng: np.random.Generator, gain: float = 1.0,
                  dtype: type = np.float64) -> np.ndarray:
    """Glorot: w ~ N(0, σ²), σ = gain·sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return (std * rng.standard_normal(shape)).astype(dtype)


@validate(shape=_weight_shape, rng=generator, dtype=float_dtype)
def he_uniform(shape: tuple[int, ...], rng: np.random.Generator,
               dtype: type = np.float64) -> np.ndarray:
    """He/Kaiming: w ~ U(-a, a), a = sqrt(6 / fan_in), so Var w = 2/fan_in (for ReLU)."""
    fan_in, _ = fans(shape)
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


@validate(shape=_weight_shape, rng=generator, dtype=float_dtype)
def he_normal(shape: tuple[int, ...], rng: np.random.Generator,
              dtype: type = np.float64) -> np.ndarray:
    """He/Kaiming: w ~ N(0, 2/fan_in), which keeps E[a²] constant through ReLU layers."""
    fan_in, _ = fans(shape)
    std = np.sqrt(2.0 / fan_in)
    return (std * rng.standard_normal(shape)).astype(dtype)
