"""Chapter 14 (the learning rate).
The learning-rate range test (Smith, 2017): raise the rate at every mini-batch and
record the loss; the rate an order of magnitude below the loss minimum is a good start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlbook._checks import (
    boolean,
    data_array,
    float_array,
    generator,
    in_unit_interval,
    instance,
    optional,
    positive,
    positive_int,
    same_length,
)
from dlbook.data import minibatches
from dlbook.nn import Loss, Module
from dlbook.optim import SGD, Optimizer


@dataclass(frozen=True)
class RangeTestResult:
    """One range test: ``lrs[t]``, raw mini-batch ``losses[t]`` and their bias-corrected
    moving average ``smoothed[t]`` for each step t taken; ``diverged`` if it stopped early."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    diverged: bool

    @property
    def lr_at_min(self) -> float:
        """The rate at which the smoothed loss is lowest."""
        if self.smoothed.size == 0:
            raise ValueError("the range test recorded no step (the first loss was not finite)")
        return float(self.lrs[int(np.argmin(self.smoothed))])

    def suggestion(self, factor: float = 10.0) -> float:
        """lr_at_min / factor: a rate safely below the point where the loss turns up."""
        return self.lr_at_min / positive(factor, "factor")


def lr_range_test(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray,
                  lrs: np.ndarray, *, batch_size: int, rng: np.random.Generator,
                  optimizer: Optimizer | None = None, beta: float = 0.9,
                  stop_factor: float | None = 4.0, restore: bool = True) -> RangeTestResult:
    """Step t trains one mini-batch at lr = lrs[t] (e.g. np.geomspace(1e-5, 10, T)) and records
    loss_t; smoothed_t = a_t / (1 - βᵗ⁺¹) with a_t = β a_{t-1} + (1 - β) loss_t, a_{-1} = 0.

    Mini-batches are drawn epoch after epoch (shuffled by ``rng``, last partial batch
    dropped). The test stops early, with ``diverged=True``, when the loss is NaN or inf
    (that step is not recorded) or the smoothed loss exceeds ``stop_factor`` times its
    minimum so far (None: never). ``optimizer`` defaults to plain SGD; its ``lr`` is
    overwritten at every step. With ``restore=True`` the parameters are put back afterwards,
    so the model can then be trained from its initial weights (with a fresh optimizer).
    """
    _check_args(model, loss_fn, X, y, lrs, batch_size, rng, optimizer, beta, stop_factor, restore)
    optimizer = optimizer if optimizer is not None else SGD(model.parameters(), lr=lrs[0])
    losses, smoothed, avg, diverged = [], [], 0.0, False
    model.train()
    batches = _batches_forever(X, y, batch_size, rng)
    # Overflow is the signal this test looks for, not a warning to print.
    with _parameters_kept(model, restore), np.errstate(all="ignore"):
        for lr in lrs:
            xb, yb = next(batches)
            optimizer.lr = float(lr)
            optimizer.zero_grad()
            loss = float(loss_fn(model(xb), yb))
            diverged = not np.isfinite(loss)
            if diverged:
                break
            avg = beta * avg + (1.0 - beta) * loss
            losses.append(loss)
            smoothed.append(avg / (1.0 - beta ** len(losses)))
            diverged = stop_factor is not None and smoothed[-1] > stop_factor * min(smoothed)
            if diverged:
                break
            model.backward(loss_fn.backward())
            optimizer.step()
    return RangeTestResult(lrs[: len(losses)].copy(), np.array(losses), np.array(smoothed),
                           diverged)


def _batches_forever(X: np.ndarray, y: np.ndarray, batch_size: int,
                     rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Mini-batches epoch after epoch, each epoch reshuffled, the last partial batch dropped."""
    while True:
        yield from minibatches(X, y, batch_size, rng=rng, drop_last=True)


@contextmanager
def _parameters_kept(model: Module, restore: bool) -> Iterator[None]:
    """On exit (error included), put back the parameters and zero the gradients if ``restore``."""
    saved = [p.data.copy() for p in model.parameters()]
    try:
        yield
    finally:
        if restore:
            for p, data in zip(model.parameters(), saved, strict=True):
                p.data[...] = data
                p.grad[...] = 0.0


def _check_args(model: Any, loss_fn: Any, X: Any, y: Any, lrs: Any, batch_size: Any, rng: Any,
                optimizer: Any, beta: Any, stop_factor: Any, restore: Any) -> None:
    """Reject bad arguments of lr_range_test before any step is taken."""
    _check_problem(model, loss_fn, X, y)
    float_array(lrs, "lrs", ndim=1, finite=True)
    if lrs.size < 2 or np.any(lrs <= 0):
        raise ValueError(f"lrs must hold at least 2 rates, all > 0, got {lrs.size} with "
                         f"min {lrs.min() if lrs.size else None!r}")
    if np.any(np.diff(lrs) < 0):
        raise ValueError("lrs must be non-decreasing (a range test raises the rate), "
                         f"got a drop at index {int(np.argmax(np.diff(lrs) < 0)) + 1}")
    if positive_int(batch_size, "batch_size") > len(X):
        raise ValueError(f"batch_size must be <= len(X) = {len(X)}, got {batch_size}")
    generator(rng)
    optional(instance(Optimizer))(optimizer, "optimizer")
    in_unit_interval(beta, "beta")
    if stop_factor is not None and positive(stop_factor, "stop_factor") <= 1.0:
        raise ValueError(f"stop_factor must be > 1 (or None), got {stop_factor}")
    boolean(restore, "restore")


def _set_flat(model: Module, theta: np.ndarray) -> None:
    """Copy the flat vector θ into the model's parameters, in parameters() order."""
    start = 0
    for p in model.parameters():
        p.data[...] = theta[start:start + p.data.size].reshape(p.data.shape)
        start += p.data.size


def _flat_grad(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray,
               theta: np.ndarray) -> np.ndarray:
    """∇L(θ) on the full batch (X, y), with the parameters set to the flat vector θ."""
    _set_flat(model, theta)
    params = model.parameters()
    model.zero_grad()
    loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    return np.concatenate([p.grad.ravel() for p in params])


def sharpness(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray, *,
              rng: np.random.Generator, iters: int = 20, eps: float = 1e-6) -> float:
    """λ_max of the Hessian H of the full-batch loss at the current parameters, by power
    iteration v ← Hv / ‖Hv‖ with Hv ≈ (∇L(θ + εv) - ∇L(θ - εv)) / 2ε; returns vᵀHv.

    Power iteration finds the eigenvalue of largest magnitude: the sharpness when H is
    (nearly) positive semidefinite, as it is near a minimum. Gradient descent on the
    local quadratic model is stable only for lr < 2 / λ_max. ε is small on purpose: a
    ReLU kink crossed within ±εv makes the difference quotient nonlinear in v. The model
    is evaluated in eval mode; its parameters, gradients and mode are restored afterwards.
    """
    _check_sharpness(model, loss_fn, X, y, rng, iters, eps)
    theta = np.concatenate([p.data.ravel() for p in model.parameters()])
    with _state_kept(model):
        model.eval()
        v = rng.standard_normal(theta.size)
        v /= np.linalg.norm(v)
        lam = 0.0
        for _ in range(iters):
            hv = (_flat_grad(model, loss_fn, X, y, theta + eps * v)
                  - _flat_grad(model, loss_fn, X, y, theta - eps * v)) / (2.0 * eps)
            lam = float(v @ hv)  # Rayleigh quotient of the current unit vector
            norm = np.linalg.norm(hv)
            if norm == 0.0:
                break
            v = hv / norm
    return lam


@contextmanager
def _state_kept(model: Module) -> Iterator[None]:
    """On exit (error included), put back the parameters, gradients and train/eval mode."""
    params = model.parameters()
    saved = [(p.data.copy(), p.grad.copy()) for p in params]
    was_training = model.training
    try:
        yield
    finally:
        for p, (data, grad) in zip(params, saved, strict=True):
            p.data[...] = data
            p.grad[...] = grad
        model.train(was_training)


def _check_sharpness(model: Any, loss_fn: Any, X: Any, y: Any, rng: Any, iters: Any,
                     eps: Any) -> None:
    """Reject bad arguments of sharpness before any gradient is computed."""
    _check_problem(model, loss_fn, X, y)
    generator(rng)
    positive_int(iters, "iters")
    positive(eps, "eps")


def _check_problem(model: Any, loss_fn: Any, X: Any, y: Any) -> None:
    """Reject a model, loss or data set of the wrong kind before any step is taken."""
    instance(Module)(model, "model")
    instance(Loss)(loss_fn, "loss_fn")
    data_array(X, "X")
    if instance(np.ndarray)(y, "y").ndim == 0:
        raise ValueError(f"y must hold one target per example, got a 0-d array {y}")
    same_length(X, y)
