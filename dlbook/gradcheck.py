"""Numerical gradients by central differences, and checks of analytic backward passes.

The checkers never pass silently: a gradient that is missing, of the wrong shape, NaN or
infinite (analytic or numerical) fails the check, as does a relative error above ``tol``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dlbook._checks import float_array, function, generator, instance, positive, validate
from dlbook.nn import Loss, Module


def _perturbable(x: Any, name: str) -> np.ndarray:
    """A finite, C-contiguous, writeable floating array, so that it can be perturbed in place."""
    float_array(x, name, finite=True)
    if not (x.flags.c_contiguous and x.flags.writeable):
        raise ValueError(f"{name} must be C-contiguous and writeable so that it can be "
                         f"perturbed in place (pass np.ascontiguousarray({name}))")
    return x


def _float64_input(x: Any, name: str) -> np.ndarray:
    """A non-empty, finite float64 array: float32 round-off would swamp the differences."""
    float_array(x, name, finite=True, nonempty=True)
    if x.dtype != np.float64:
        raise TypeError(f"{name} must be float64 for a meaningful check, got {x.dtype}")
    return x


@validate(f=function, x=_perturbable, h=positive)
def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂x_i ≈ (f(x + h e_i) - f(x - h e_i)) / 2h for every entry of ``x``.

    ``f`` takes no argument and reads ``x``, which is perturbed in place and
    restored. The error is O(h²) from truncation plus O(ε/h) from rounding.
    """
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: writing flat[i] moves x
    # One loop over coordinates is the point of this reference implementation:
    # its cost, one pair of evaluations per parameter, is what backprop avoids.
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        f_plus = f()
        flat[i] = saved - h
        f_minus = f()
        flat[i] = saved
        gflat[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a - b‖ / max(‖a‖ + ‖b‖, tiny): scale-free, and 0 when both are zero."""
    a, b = _check_real_pair(a, b)
    denom = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)
    return float(np.linalg.norm(a - b) / denom)


def _check_real_pair(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """a and b, finite floating arrays of one shape, as float64."""
    float_array(a, "relative_error a", finite=True)
    float_array(b, "relative_error b", finite=True)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: a and b need equal shapes, got {a.shape} "
                         f"and {b.shape}")
    return a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)


@validate(module=instance(Module), x=_float64_input, rng=generator, h=positive, tol=positive,
          atol=positive)
def check_module(module: Module, x: np.ndarray, *, rng: np.random.Generator, h: float = 1e-6,
                 tol: float = 1e-7, atol: float = 1e-8) -> dict[str, float]:
    """Compare a module's backward pass with central differences, for the input and every
    parameter, on the scalar L = Σ y ⊙ R with a fixed random R (so every output counts).

    Returns {"input": err, "<param name>": err, ...}; raises AssertionError naming the
    worst offender if any relative error exceeds ``tol``, or if a gradient is missing,
    misshapen, NaN or infinite. A gradient that is zero in truth (a bias feeding batch
    norm) has no scale for a relative error: where both gradients are below ``atol``
    everywhere, the error reported is the absolute one. Use float64.
    """
    x = x.copy()
    weights = rng.standard_normal(module.forward(x).shape)

    def loss() -> float:
        return float(np.sum(module.forward(x) * weights))

    module.zero_grad()
    module.forward(x)
    analytic = {"input": module.backward(weights)}
    analytic |= {name: p.grad.copy() for name, p in module.named_parameters()}
    numeric = {"input": numerical_gradient(loss, x, h)}
    numeric |= {name: numerical_gradient(loss, p.data, h) for name, p in
                module.named_parameters()}
    return _compare(type(module).__name__, analytic, numeric, tol, atol)


@validate(loss=instance(Loss), pred=_float64_input, h=positive, tol=positive)
def check_loss(loss: Loss, pred: np.ndarray, target: np.ndarray, h: float = 1e-6,
               tol: float = 1e-7) -> float:
    """Compare ``loss.backward()`` with central differences of ``loss(pred, target)``."""
    pred = pred.copy()
    loss(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss(pred, target), pred, h)
    return _compare(type(loss).__name__, {"pred": analytic}, {"pred": numeric}, tol, 0.0)["pred"]


def _compare(owner: str, analytic: dict[str, Any], numeric: dict[str, np.ndarray], tol: float,
             atol: float) -> dict[str, float]:
    """Errors per gradient; AssertionError unless every one is finite, present, of the right
    shape and within ``tol``."""
    for name, expected in numeric.items():
        _check_gradient(owner, name, analytic[name], expected)
    errors = {name: _error(analytic[name], numeric[name], atol) for name in numeric}
    worst = max(errors, key=errors.get)
    if not errors[worst] <= tol:  # written so that a NaN error fails too
        raise AssertionError(f"{owner}: gradient of {worst!r} has relative error "
                             f"{errors[worst]:.2e} > tol {tol:.0e}; all: {errors}")
    return errors


def _check_gradient(owner: str, name: str, analytic: Any, numeric: np.ndarray) -> None:
    """The analytic gradient exists, has the numeric one's shape, and both are finite."""
    what = f"{owner}: gradient of {name!r}"
    if analytic is None:
        raise AssertionError(f"{what} is None: backward must return ∂L/∂{name} "
                             f"(an array of shape {numeric.shape})")
    if not isinstance(analytic, np.ndarray) or analytic.dtype.kind not in "biuf":
        raise AssertionError(f"{what} must be a numpy array of numbers, "
                             f"got {type(analytic).__name__}")
    if analytic.shape != numeric.shape:
        raise AssertionError(f"{what} has shape {analytic.shape}, expected {numeric.shape}")
    for kind, grad in (("analytic", analytic), ("numerical", numeric)):
        bad = grad.size - int(np.isfinite(grad).sum())
        if bad:
            hint = "" if kind == "analytic" else " (the function is not finite near the input)"
            raise AssertionError(f"{what}: the {kind} gradient has {bad} NaN or infinite "
                                 f"entries of {grad.size}{hint}")


def _error(analytic: np.ndarray, numeric: np.ndarray, atol: float) -> float:
    if max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0)) <= atol:
        return float(np.abs(analytic - numeric).max(initial=0.0))
    return relative_error(analytic.astype(np.float64), numeric)  # an int gradient too
