"""Numerical gradients by central differences, and checks of analytic backward passes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlbook._checks import float_array, generator, positive


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂x_i ≈ (f(x + h e_i) - f(x - h e_i)) / 2h for every entry of ``x``.

    ``f`` takes no argument and reads ``x``, which is perturbed in place and
    restored. The error is O(h²) from truncation plus O(ε/h) from rounding.
    """
    float_array(x, "x")
    h = positive(h, "h")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
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
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs equal shapes, got {a.shape} and {b.shape}")
    denom = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)
    return float(np.linalg.norm(a - b) / denom)


def check_module(module, x: np.ndarray, *, rng: np.random.Generator, h: float = 1e-6,
                 tol: float = 1e-7, atol: float = 1e-8) -> dict[str, float]:
    """Compare a module's backward pass with central differences, for the input and every
    parameter, on the scalar L = Σ y ⊙ R with a fixed random R (so every output counts).

    Returns {"input": err, "<param name>": err, ...}; raises AssertionError naming the
    worst offender if any relative error exceeds ``tol``. A gradient that is zero in
    truth (a bias feeding batch norm) has no scale for a relative error: where both
    gradients are below ``atol`` everywhere, the error reported is the absolute one.
    Use float64.
    """
    float_array(x, "x")
    if x.dtype != np.float64:
        raise TypeError(f"check_module needs float64 input for a meaningful check, got {x.dtype}")
    x = x.copy()
    y = module.forward(x)
    weights = generator(rng).standard_normal(y.shape)

    def loss() -> float:
        return float(np.sum(module.forward(x) * weights))

    module.zero_grad()
    module.forward(x)
    grad_x = module.backward(weights)
    analytic = {"input": grad_x} | {n: p.grad.copy() for n, p in module.named_parameters()}
    numeric = {"input": numerical_gradient(loss, x, h)}
    for name, p in module.named_parameters():
        numeric[name] = numerical_gradient(loss, p.data, h)
    errors = {name: _error(analytic[name], numeric[name], atol) for name in analytic}
    worst = max(errors, key=errors.get)
    if errors[worst] > tol:
        raise AssertionError(f"{type(module).__name__}: gradient of {worst!r} has relative "
                             f"error {errors[worst]:.2e} > tol {tol:.0e}; all: {errors}")
    return errors


def _error(analytic: np.ndarray, numeric: np.ndarray, atol: float) -> float:
    if max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0)) <= atol:
        return float(np.abs(analytic - numeric).max(initial=0.0))
    return relative_error(analytic, numeric)


def check_loss(loss, pred: np.ndarray, target: np.ndarray, h: float = 1e-6,
               tol: float = 1e-7) -> float:
    """Compare ``loss.backward()`` with central differences of ``loss(pred, target)``."""
    float_array(pred, "pred")
    pred = pred.copy()
    loss(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss(pred, target), pred, h)
    err = relative_error(analytic, numeric)
    if err > tol:
        raise AssertionError(f"{loss!r}: gradient relative error {err:.2e} > tol {tol:.0e}")
    return err
