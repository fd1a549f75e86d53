"""Chapter 14 (the learning rate).
The learning-rate range test (Smith, 2017): raise the rate at every mini-batch and
record the loss; the rate an order of magnitude below the loss minimum is a good start."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbook._checks import float_array, generator, in_unit_interval, positive, positive_int
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


def _check_lrs(lrs: np.ndarray) -> np.ndarray:
    lrs = np.asarray(lrs, dtype=np.float64)
    if lrs.ndim != 1 or lrs.size < 2:
        raise ValueError(f"lrs must be a 1-D array of at least 2 rates, got shape {lrs.shape}")
    if not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError(f"lrs must be finite and > 0, got min {lrs.min()!r}, max {lrs.max()!r}")
    if np.any(np.diff(lrs) < 0):
        raise ValueError("lrs must be non-decreasing (a range test raises the rate), "
                         f"got a drop at index {int(np.argmax(np.diff(lrs) < 0)) + 1}")
    return lrs


def lr_range_test(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray,
                  lrs: np.ndarray, *, batch_size: int, rng: np.random.Generator,
                  optimizer: Optimizer | None = None, beta: float = 0.9,
                  stop_factor: float | None = 4.0, restore: bool = True) -> RangeTestResult:
    """Step t trains one mini-batch at lr = lrs[t] (e.g. np.geomspace(1e-5, 10, T)) and records
    loss_t; smoothed_t = a_t / (1 - βᵗ⁺¹) with a_t = β a_{t-1} + (1 - β) loss_t, a_{-1} = 0.

    Mini-batches are drawn epoch after epoch (shuffled by ``rng``, last partial batch
    dropped) until every rate is used. The test stops early, with ``diverged=True``,
    when the loss is NaN or inf (that step is not recorded) or the smoothed loss exceeds
    ``stop_factor`` times its minimum so far (None: never). ``optimizer`` defaults to plain
    SGD on ``model.parameters()``; its ``lr`` is overwritten at every step. With
    ``restore=True`` the parameters are put back afterwards, so the same model can then
    be trained from its initial weights (with a fresh optimizer: its state is not reset).
    """
    _check_problem(model, loss_fn, X, y)
    lrs = _check_lrs(lrs)
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > len(X):
        raise ValueError(f"batch_size must be <= len(X) = {len(X)}, got {batch_size}")
    generator(rng)
    beta = in_unit_interval(beta, "beta")
    if stop_factor is not None and positive(stop_factor, "stop_factor") <= 1.0:
        raise ValueError(f"stop_factor must be > 1 (or None), got {stop_factor}")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=float(lrs[0]))
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer or None, got {type(optimizer).__name__}")

    saved = [p.data.copy() for p in model.parameters()]
    losses: list[float] = []
    smoothed: list[float] = []
    avg, best, diverged = 0.0, np.inf, False
    model.train()
    try:
        t = 0
        while t < len(lrs) and not diverged:
            for xb, yb in minibatches(X, y, batch_size, rng=rng, drop_last=True):
                if t == len(lrs):
                    break
                optimizer.lr = float(lrs[t])
                optimizer.zero_grad()
                # Overflow is the signal this test looks for, not a warning to print.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    loss = float(loss_fn(model(xb), yb))
                    if not np.isfinite(loss):
                        diverged = True
                        break
                    avg = beta * avg + (1.0 - beta) * loss
                    smooth = avg / (1.0 - beta ** (t + 1))
                    losses.append(loss)
                    smoothed.append(smooth)
                    best = min(best, smooth)
                    t += 1
                    if stop_factor is not None and smooth > stop_factor * best:
                        diverged = True
                        break
                    model.backward(loss_fn.backward())
                    optimizer.step()
    finally:
        if restore:
            for p, data in zip(model.parameters(), saved, strict=True):
                p.data[...] = data
                p.grad[...] = 0.0
    n = len(losses)
    return RangeTestResult(lrs=lrs[:n].copy(), losses=np.array(losses),
                           smoothed=np.array(smoothed), diverged=diverged)


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
    _check_problem(model, loss_fn, X, y)
    generator(rng)
    iters = positive_int(iters, "iters")
    eps = positive(eps, "eps")
    params = model.parameters()
    theta = np.concatenate([p.data.ravel() for p in params])
    grads = [p.grad.copy() for p in params]
    was_training = model.training
    model.eval()
    try:
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
    finally:
        _set_flat(model, theta)
        for p, g in zip(params, grads, strict=True):
            p.grad[...] = g
        model.train(was_training)
    return lam


def _check_problem(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray) -> None:
    """Reject a model, loss or data set of the wrong kind before any step is taken."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be a Module, got {type(model).__name__}")
    if not isinstance(loss_fn, Loss):
        raise TypeError(f"loss_fn must be a Loss, got {type(loss_fn).__name__}")
    float_array(X, "X")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
