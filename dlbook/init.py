"""Weight initialisers. Each takes a shape and an explicit ``np.random.Generator``.

Fans follow the layouts of dlbook's layers: a dense weight ``(in, out)`` has
fan_in = in, fan_out = out; a convolution weight ``(F, C, KH, KW)`` has
fan_in = C·KH·KW and fan_out = F·KH·KW.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlbook._checks import generator, positive, positive_int

Initializer = Callable[..., np.ndarray]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a dense ``(in, out)`` or convolution ``(F, C, KH, KW)`` weight."""
    shape = _shape(shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) >= 3:
        receptive = int(np.prod(shape[2:]))
        return shape[1] * receptive, shape[0] * receptive
    raise ValueError(f"fans need a weight shape with 2 or more dims, got {shape}")


def zeros(shape: tuple[int, ...], rng: np.random.Generator | None = None,
          dtype: type = np.float64) -> np.ndarray:
    """All zeros (a fine bias init; a broken weight init, see chapter 34)."""
    return np.zeros(_shape(shape), dtype=dtype)


def constant(shape: tuple[int, ...], value: float, rng: np.random.Generator | None = None,
             dtype: type = np.float64) -> np.ndarray:
    """Every entry equal to ``value``."""
    return np.full(_shape(shape), float(value), dtype=dtype)


def normal(shape: tuple[int, ...], rng: np.random.Generator, std: float = 0.01,
           dtype: type = np.float64) -> np.ndarray:
    """w ~ N(0, std²)."""
    std = positive(std, "std")
    return (std * generator(rng).standard_normal(_shape(shape))).astype(dtype)


def xavier_uniform(shape: tuple[int, ...], rng: np.random.Generator, gain: float = 1.0,
                   dtype: type = np.float64) -> np.ndarray:
    """Glorot: w ~ U(-a, a), a = gain·√(6/(fan_in+fan_out)), so Var w = 2/(fan_in+fan_out)."""
    fan_in, fan_out = fans(shape)
    a = positive(gain, "gain") * np.sqrt(6.0 / (fan_in + fan_out))
    return generator(rng).uniform(-a, a, size=_shape(shape)).astype(dtype)


def xavier_normal(shape: tuple[int, ...], rng: np.random.Generator, gain: float = 1.0,
                  dtype: type = np.float64) -> np.ndarray:
    """Glorot: w ~ N(0, σ²), σ = gain·sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    std = positive(gain, "gain") * np.sqrt(2.0 / (fan_in + fan_out))
    return (std * generator(rng).standard_normal(_shape(shape))).astype(dtype)


def he_uniform(shape: tuple[int, ...], rng: np.random.Generator,
               dtype: type = np.float64) -> np.ndarray:
    """He/Kaiming: w ~ U(-a, a), a = sqrt(6 / fan_in), so Var w = 2/fan_in (for ReLU)."""
    fan_in, _ = fans(shape)
    a = np.sqrt(6.0 / fan_in)
    return generator(rng).uniform(-a, a, size=_shape(shape)).astype(dtype)


def he_normal(shape: tuple[int, ...], rng: np.random.Generator,
              dtype: type = np.float64) -> np.ndarray:
    """He/Kaiming: w ~ N(0, 2/fan_in), which keeps E[a²] constant through ReLU layers."""
    fan_in, _ = fans(shape)
    std = np.sqrt(2.0 / fan_in)
    return (std * generator(rng).standard_normal(_shape(shape))).astype(dtype)


def _shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    if not isinstance(shape, tuple | list):
        raise TypeError(f"shape must be a tuple of ints, got {type(shape).__name__}")
    return tuple(positive_int(s, "shape entry") for s in shape)
