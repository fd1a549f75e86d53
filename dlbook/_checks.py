"""Argument checks shared by every dlbook module: fail loudly, name what was expected.

One rule per kind of mistake, one exception type per kind:

- ``TypeError``: the argument has the wrong type (a list where an array is needed, a
  float where an int is, an integer array where floats are);
- ``ValueError``: the type is right but the value is not (wrong shape, empty, NaN or
  infinite, out of range, inconsistent with another argument).

Every message names the argument, what was expected and what was given.

A rule is a function ``rule(value, name)`` that returns ``value`` (possibly as a
plain Python number) or raises. Public functions declare their rules in one line,
``@validate(x=floats(ndim=2), rng=generator)``, so the listing a chapter displays is
the algorithm, with the checking visible but out of the way.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

Rule = Callable[[Any, str], Any]


# --------------------------------------------------------------------------- the decorator


def validate(**rules: Rule) -> Callable:
    """Decorator: apply ``rules[name](value, name)`` to each named argument that the call
    passes (defaults are trusted), then run the function.

    The wrapper keeps ``__wrapped__``, so ``show_source`` and ``inspect`` see the original
    function, decorator line included.
    """

    def decorate(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        unknown = set(rules) - set(signature.parameters)
        if unknown:
            raise TypeError(f"validate: {fn.__qualname__} has no parameter(s) {sorted(unknown)}")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as err:
                raise TypeError(f"{fn.__qualname__}: {err}") from None
            for name, rule in rules.items():
                if name in bound.arguments:
                    rule(bound.arguments[name], name)
            return fn(*args, **kwargs)

        wrapper.rules = rules  # type: ignore[attr-defined]
        return wrapper

    return decorate


def optional(rule: Rule) -> Rule:
    """``rule``, but ``None`` is accepted too."""

    def check(value: Any, name: str) -> Any:
        return None if value is None else rule(value, name)

    return check


# --------------------------------------------------------------------------- arrays


def float_array(x: Any, name: str, ndim: int | None = None, *, finite: bool = False,
                nonempty: bool = False) -> np.ndarray:
    """Return ``x`` if it is a floating NumPy array (of ``ndim`` dims if given), else raise.

    Integer or boolean arrays are rejected rather than silently cast: a layer fed class
    labels instead of features is a bug worth hearing about. ``finite`` rejects NaN and
    infinity; ``nonempty`` rejects arrays with no entries.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if x.dtype.kind != "f":  # np.issubdtype(x.dtype, np.floating), ten times faster
        raise TypeError(f"{name} must have a floating dtype, got {x.dtype}")
    _ndim(x, name, ndim)
    if nonempty and x.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    if finite and not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got {_count_nonfinite(x)} NaN or infinite "
                         f"entries of {x.size}")
    return x


def floats(ndim: int | None = None, *, finite: bool = False, nonempty: bool = False) -> Rule:
    """The rule ``float_array(value, name, ndim, finite=..., nonempty=...)``."""
    return functools.partial(float_array, ndim=ndim, finite=finite, nonempty=nonempty)


def data_array(x: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """A data set: a floating array with at least one example and no NaN or infinity."""
    return float_array(x, name, ndim, finite=True, nonempty=True)


def data(ndim: int | None = None) -> Rule:
    """The rule ``data_array(value, name, ndim)``."""
    return functools.partial(data_array, ndim=ndim)


def int_array(x: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` if it is an integer NumPy array (of ``ndim`` dims if given), else raise."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of integers, got {type(x).__name__}")
    if x.dtype.kind not in "iu":  # np.issubdtype(x.dtype, np.integer)
        raise TypeError(f"{name} must have an integer dtype, got {x.dtype}")
    return _ndim(x, name, ndim)


def ints(ndim: int | None = None) -> Rule:
    """The rule ``int_array(value, name, ndim)``."""
    return functools.partial(int_array, ndim=ndim)


def indices(x: Any, name: str, n: int) -> np.ndarray:
    """Return ``x`` if it is an integer array with every entry in [0, n), else raise."""
    int_array(x, name)
    if x.size and (x.min() < 0 or x.max() >= n):
        raise ValueError(f"{name} must hold indices in [0, {n}), got min {x.min()} and "
                         f"max {x.max()}")
    return x


def labels(y: Any, name: str) -> np.ndarray:
    """Class labels: a non-empty 1-D integer array with no negative entry."""
    int_array(y, name, ndim=1)
    if y.size == 0:
        raise ValueError(f"{name} must not be empty")
    if y.min() < 0:
        raise ValueError(f"{name} must be class indices >= 0, got min {y.min()}")
    return y


def shape(x: Any, name: str, expected: Sequence[int | None]) -> np.ndarray:
    """Return ``x`` if it is a floating array of shape ``expected`` (None: any size)."""
    float_array(x, name, ndim=len(expected))
    if any(e is not None and s != e for s, e in zip(x.shape, expected, strict=True)):
        want = "(" + ", ".join("?" if e is None else str(e) for e in expected)
        want += ",)" if len(expected) == 1 else ")"
        raise ValueError(f"{name} must have shape {want}, got {x.shape}")
    return x


def same_length(x: Any, y: Any, names: str = "X and y") -> None:
    """Raise unless ``x`` and ``y`` have the same number of examples (leading axis)."""
    if len(x) != len(y):
        raise ValueError(f"{names} must have the same number of examples, "
                         f"got {len(x)} and {len(y)}")


def _ndim(x: np.ndarray, name: str, ndim: int | None) -> np.ndarray:
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    return x


def _count_nonfinite(x: np.ndarray) -> int:
    return int(x.size - np.isfinite(x).sum())


# --------------------------------------------------------------------------- numbers


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` if it is an int > 0 (bool excluded), else raise."""
    return int_at_least(value, name, 1)


def int_at_least(value: Any, name: str, minimum: int) -> int:
    """Return ``value`` as an int if it is an int >= ``minimum`` (bool excluded), else raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value}")
    return int(value)


def at_least(minimum: int) -> Rule:
    """The rule ``int_at_least(value, name, minimum)``."""
    return lambda value, name: int_at_least(value, name, minimum)


def real(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a finite real number (bool excluded), else raise."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def non_negative(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is finite and >= 0, else raise."""
    number = real(value, name)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return number


def positive(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise."""
    number = real(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return number


def in_unit_interval(value: Any, name: str, *, closed_right: bool = False) -> float:
    """Return ``value`` if 0 <= value < 1 (or <= 1 with ``closed_right``), else raise."""
    number = real(value, name)
    ok = 0 <= number <= 1 if closed_right else 0 <= number < 1
    if not ok:
        bracket = "]" if closed_right else ")"
        raise ValueError(f"{name} must be in [0, 1{bracket}, got {value}")
    return number


def probability(value: Any, name: str) -> float:
    """A number in [0, 1]."""
    return in_unit_interval(value, name, closed_right=True)


def boolean(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (``np.bool_`` too), else raise TypeError."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def one_of(*choices: Any) -> Rule:
    """The rule: ``value`` must equal one of ``choices``."""

    def check(value: Any, name: str) -> Any:
        kinds = tuple({type(c) for c in choices})
        if not isinstance(value, kinds):
            raise TypeError(f"{name} must be one of {list(choices)}, got {type(value).__name__}")
        if value not in choices:
            raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
        return value

    return check


# --------------------------------------------------------------------------- objects


def generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` if it is a ``np.random.Generator``; dlbook never seeds globally."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def function(value: Any, name: str) -> Callable:
    """Return ``value`` if it is callable, else raise TypeError."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


def instance(*types: type) -> Rule:
    """The rule: ``value`` must be an instance of one of ``types``."""
    wanted = " or ".join(t.__name__ for t in types)
    wanted = ("an " if wanted[0].lower() in "aeiou" else "a ") + wanted

    def check(value: Any, name: str) -> Any:
        if not isinstance(value, types):
            raise TypeError(f"{name} must be {wanted}, got {type(value).__name__}")
        return value

    return check


# ------------------------------------------- images, per-example amounts, labels ±1, intervals


def images(x: Any, name: str, *, finite: bool = False, nonempty: bool = False) -> np.ndarray:
    """A batch of images: a floating array of shape (N, C, H, W)."""
    float_array(x, name, finite=finite, nonempty=nonempty)
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {x.shape}")
    return x


def image_data(x: Any, name: str) -> np.ndarray:
    """A data set of images (N, C, H, W): at least one pixel, no NaN or infinity."""
    return images(x, name, finite=True, nonempty=True)


def per_example(value: Any, name: str, n: int, *, integer: bool = False) -> Any:
    """One finite number for all ``n`` examples, or an array of shape (n,) with one each;
    ints of any sign if ``integer``, else real numbers (ints accepted)."""
    want = (f"{name} must be an int or an integer array of shape ({n},)" if integer
            else f"{name} must be a real number or a real array of shape ({n},)")
    if isinstance(value, np.ndarray):
        kinds = (np.integer,) if integer else (np.integer, np.floating)
        if not any(np.issubdtype(value.dtype, k) for k in kinds):
            raise TypeError(f"{want}, got an array of dtype {value.dtype}")
        if value.shape != (n,):
            raise ValueError(f"{want}, got shape {value.shape}")
    else:
        number = int | np.integer if integer else int | float | np.integer | np.floating
        if isinstance(value, bool) or not isinstance(value, number):
            raise TypeError(f"{want}, got {type(value).__name__}")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{name} must be finite, got {_count_nonfinite(np.asarray(value))} "
                         f"NaN or infinite value(s)")
    return value


def sign_labels(y: Any, name: str) -> np.ndarray:
    """Binary labels in {-1, +1}: a non-empty 1-D integer or floating array."""
    if not isinstance(y, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of labels -1 and +1, "
                        f"got {type(y).__name__}")
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise TypeError(f"{name} must hold numbers -1 and +1, got dtype {y.dtype}")
    _ndim(y, name, 1)
    if y.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.isin(y, (-1, 1)).all():
        raise ValueError(f"{name} must hold labels -1 and +1, got values {np.unique(y)[:5]} "
                         "(map {0, 1} labels with 2 * y - 1)")
    return y


def interval(lo: Any, hi: Any, names: tuple[str, str] = ("lo", "hi")) -> None:
    """Raise unless ``lo`` and ``hi`` are real numbers with lo < hi (either may be infinite)."""
    for name, value in zip(names, (lo, hi), strict=True):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not lo < hi:
        raise ValueError(f"need {names[0]} < {names[1]}, got {names[0]}={lo}, {names[1]}={hi}")


# --------------------------------------------------------------------------- core-math rules


def float_dtype(value: Any, name: str) -> np.dtype:
    """Return ``np.dtype(value)`` if it is a floating dtype (np.float32, "float64"), else raise
    TypeError: an integer dtype would silently truncate weights or data to whole numbers."""
    try:
        dtype = None if value is None else np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or not np.issubdtype(dtype, np.floating):
        got = value if dtype is None else dtype
        raise TypeError(f"{name} must be a floating dtype such as np.float64, got {got!r}")
    return dtype


def sizes(value: Any, name: str, min_len: int = 0) -> tuple[int, ...]:
    """Return ``value`` as a tuple if it is a tuple or list of ints >= 1 (an array shape) with
    at least ``min_len`` entries, else raise."""
    if not isinstance(value, tuple | list):
        raise TypeError(f"{name} must be a tuple of ints, got {type(value).__name__}")
    if len(value) < min_len:
        raise ValueError(f"{name} must have {min_len} or more dims, got {tuple(value)}")
    return tuple(int_at_least(s, f"{name}[{i}]", 1) for i, s in enumerate(value))


def sequence_of(rule: Rule | None = None) -> Rule:
    """The rule: ``value`` is a non-empty list, tuple or array (a str is not), each item
    passing ``rule(item, f"{name}[{i}]")`` if given."""

    def check(value: Any, name: str) -> Any:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray) \
                or (isinstance(value, np.ndarray) and value.ndim == 0):
            raise TypeError(f"{name} must be a sequence (list, tuple or array), "
                            f"got {type(value).__name__}")
        if len(value) == 0:
            raise ValueError(f"{name} must hold at least one value, got none")
        for i, item in enumerate(value if rule is not None else ()):
            rule(item, f"{name}[{i}]")
        return value

    return check


def mapping_of(rule: Rule) -> Rule:
    """The rule: ``value`` is a non-empty mapping from str keys (keyword names) to values
    passing ``rule(item, f"{name}[{key!r}]")``."""

    def check(value: Any, name: str) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a mapping name -> value, got {type(value).__name__}")
        if len(value) == 0:
            raise ValueError(f"{name} must be a non-empty mapping, got {value!r}")
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} keys must be str (keyword names), got {key!r}")
            rule(item, f"{name}[{key!r}]")
        return value

    return check


# --------------------------------------------------------------------------- data sets, ranges


def examples(x: Any, name: str) -> np.ndarray:
    """Examples along the leading axis, as a split's X or y may hold: a NumPy array of ints or
    floats (any shape, ndim >= 1) with at least one example and no NaN or infinity."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise TypeError(f"{name} must hold ints or floats, got dtype {x.dtype}")
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"{name} must hold at least one example along axis 0, "
                         f"got shape {x.shape}")
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got {_count_nonfinite(x)} NaN or infinite "
                         f"entries of {x.size}")
    return x


def bounds(value: Any, name: str) -> tuple[float, float]:
    """A pair (low, high) of finite real numbers with low < high, returned as floats."""
    sequence_of(real)(value, name)
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {value!r}")
    interval(*value, names=(f"{name}[0]", f"{name}[1]"))
    return float(value[0]), float(value[1])


def or_empty(rule: Rule) -> Rule:
    """``rule``, but an empty list, tuple or dict is accepted too (no callbacks, no metrics)."""

    def check(value: Any, name: str) -> Any:
        empty = isinstance(value, list | tuple | dict) and len(value) == 0
        return value if empty else rule(value, name)

    return check


def number(value: Any, name: str, expected: str = "an int or float") -> float:
    """Return ``value`` as a float if it is a real number (NumPy scalars too, bool excluded),
    else raise TypeError. Unlike ``real``, NaN and infinity pass: a value, not a setting."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")
    return float(value)
