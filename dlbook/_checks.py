"""Input validation shared by dlbook's modules: fail loudly, name what was expected."""

from __future__ import annotations

from typing import Any

import numpy as np


def float_array(x: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a floating NumPy array, or raise naming ``name``.

    Integer or boolean arrays are rejected rather than silently cast: a layer
    fed class labels instead of features is a bug worth hearing about.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must have a floating dtype, got {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    return x


def int_array(x: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` if it is an integer NumPy array (of ``ndim`` dims if given), else raise."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of integer ids, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"{name} must have an integer dtype, got {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    return x


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` if it is an int > 0 (bool excluded), else raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def non_negative(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is finite and >= 0, else raise."""
    number = _real(value, name)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return number


def positive(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise."""
    number = _real(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return number


def in_unit_interval(value: Any, name: str, *, closed_right: bool = False) -> float:
    """Return ``value`` if 0 <= value < 1 (or <= 1 with ``closed_right``), else raise."""
    number = _real(value, name)
    ok = 0 <= number <= 1 if closed_right else 0 <= number < 1
    if not ok:
        bracket = "]" if closed_right else ")"
        raise ValueError(f"{name} must be in [0, 1{bracket}, got {value}")
    return number


def generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` if it is a ``np.random.Generator``; dlbook never seeds globally."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)
