"""Optimisers with PyTorch's update rules, written out in NumPy.

Each ``step()`` reads ``p.grad`` of every parameter and updates ``p.data`` in
place; ``zero_grad()`` clears the gradients before the next backward pass.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from dlbook._checks import (
    boolean,
    in_unit_interval,
    instance,
    non_negative,
    positive,
    positive_int,
)
from dlbook.nn import Parameter


class Optimizer:
    """Holds the parameters and a learning rate ``lr``; subclasses define ``step``."""

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = _parameter_list(params, type(self).__name__)
        self.lr = positive(lr, "lr")
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.params:
            p.grad[...] = 0.0

    def step(self) -> None:
        """Apply one update to every parameter."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class SGD(Optimizer):
    """g = ∇ + λθ;  b ← μb + g;  θ ← θ - η·(g + μb if nesterov else b).

    With μ = 0 this is plain gradient descent θ ← θ - η∇.
    """

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = in_unit_interval(momentum, "momentum")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.nesterov = _check_nesterov(nesterov, self.momentum)
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """One SGD update (with momentum/Nesterov/weight decay if set)."""
        for p, b in zip(self.params, self.velocity, strict=True):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                b *= self.momentum
                b += g
                g = g + self.momentum * b if self.nesterov else b
            p.data -= self.lr * g
        self.steps += 1


class RMSProp(Optimizer):
    """v ← αv + (1-α)g²;  θ ← θ - η g / (√v + ε)."""

    def __init__(self, params: Iterable[Parameter], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.alpha = in_unit_interval(alpha, "alpha")
        self.eps = positive(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.square_avg = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """One RMSProp update."""
        for p, v in zip(self.params, self.square_avg, strict=True):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            v *= self.alpha
            v += (1.0 - self.alpha) * g * g
            p.data -= self.lr * g / (np.sqrt(v) + self.eps)
        self.steps += 1


class Adam(Optimizer):
    """m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;  m̂ = m/(1-β₁ᵗ);  v̂ = v/(1-β₂ᵗ);
    θ ← θ - η m̂ / (√v̂ + ε).

    ``weight_decay`` adds λθ to g (L2, as in Adam); with ``decoupled=True`` it
    instead shrinks θ ← θ(1 - ηλ) before the step (AdamW).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2 = _betas(betas)
        self.eps = positive(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.decoupled = boolean(decoupled, "decoupled")
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """One Adam (or AdamW) update with bias correction."""
        self.steps += 1
        t = self.steps
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad
            if self.weight_decay and self.decoupled:
                p.data *= 1.0 - self.lr * self.weight_decay
            elif self.weight_decay:
                g = g + self.weight_decay * p.data
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            m_hat = m / (1.0 - self.beta1**t)
            v_hat = v / (1.0 - self.beta2**t)
            p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# --------------------------------------------------------------------------
# Gradient clipping and learning-rate schedules
# --------------------------------------------------------------------------


def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """If ‖g‖ = √(Σ_p Σ g_p²) > max_norm, scale every gradient in place by
    max_norm / (‖g‖ + 1e-6) (PyTorch's clip_grad_norm_); return ‖g‖ before clipping.

    One global norm keeps the direction of the whole gradient; only its length changes.
    """
    params, max_norm = _check_clip_args(params, max_norm)
    total = _global_norm(params)
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad *= coef
    return total


def _check_clip_args(params: Iterable[Parameter], max_norm: float
                     ) -> tuple[list[Parameter], float]:
    return _parameter_list(params, "clip_grad_norm"), positive(max_norm, "max_norm")


def _global_norm(params: list[Parameter]) -> float:
    """‖g‖ = √(Σ_p Σ g_p²) over every gradient; an error if it is NaN or infinite, since
    no rescaling can repair such a gradient."""
    total = float(np.sqrt(sum(float(np.sum(p.grad * p.grad)) for p in params)))
    if not np.isfinite(total):
        raise ValueError(f"clip_grad_norm: the gradient norm is {total}; a gradient overflowed "
                         f"or is NaN before clipping (try a smaller learning rate)")
    return total


class LRScheduler:
    """Sets ``optimizer.lr`` to a function of the step count t from the base rate lr_0.

    ``step()`` advances t by one and writes ``get_lr()`` into the optimiser; call it
    once per epoch (or per batch, if the schedule is counted in batches). At t = 0 the
    rate is lr_0, the optimiser's ``lr`` when the scheduler was made.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = instance(Optimizer)(optimizer, "optimizer")
        self.base_lr = optimizer.lr
        self.t = 0

    def get_lr(self) -> float:
        """The learning rate at the current step t."""
        raise NotImplementedError

    def step(self) -> None:
        """t ← t + 1; optimizer.lr ← get_lr()."""
        self.t += 1
        self.optimizer.lr = self.get_lr()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={self.base_lr}, t={self.t})"


class StepLR(LRScheduler):
    """lr_t = lr_0 · γ^⌊t / step_size⌋: multiply by γ every step_size steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = positive_int(step_size, "step_size")
        self.gamma = positive(gamma, "gamma")

    def get_lr(self) -> float:
        """lr_0 · γ^⌊t / step_size⌋."""
        return self.base_lr * self.gamma ** (self.t // self.step_size)


class ExponentialLR(LRScheduler):
    """lr_t = lr_0 · γ^t."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = positive(gamma, "gamma")

    def get_lr(self) -> float:
        """lr_0 · γ^t."""
        return self.base_lr * self.gamma**self.t


class CosineAnnealingLR(LRScheduler):
    """lr_t = η_min + (lr_0 - η_min)(1 + cos(π t / T_max)) / 2: from lr_0 down to η_min at
    t = T_max (and, as in PyTorch's closed form, back up again after it)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        self.T_max = positive_int(T_max, "T_max")
        self.eta_min = non_negative(eta_min, "eta_min")

    def get_lr(self) -> float:
        """η_min + (lr_0 - η_min)(1 + cos(π t / T_max)) / 2."""
        cos = np.cos(np.pi * self.t / self.T_max)
        return float(self.eta_min + (self.base_lr - self.eta_min) * (1.0 + cos) / 2.0)


# --------------------------------------------------------------------------
# Argument checks of the constructors
# --------------------------------------------------------------------------


def _parameter_list(params: Iterable[Parameter], owner: str) -> list[Parameter]:
    """``params`` as a non-empty list of Parameters (a generator is read once, here)."""
    if isinstance(params, Parameter) or not isinstance(params, Iterable):
        raise TypeError(f"{owner} params must be an iterable of Parameters (e.g. "
                        f"model.parameters()), got {type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError(f"{owner} got an empty parameter list: params must hold at least "
                         "one Parameter")
    for i, p in enumerate(params):
        instance(Parameter)(p, f"params[{i}]")
    return params


def _check_nesterov(nesterov: bool, momentum: float) -> bool:
    if boolean(nesterov, "nesterov") and momentum == 0:
        raise ValueError("nesterov=True needs momentum > 0, got momentum=0")
    return bool(nesterov)


def _betas(betas: tuple[float, float]) -> tuple[float, float]:
    """(β₁, β₂), each in [0, 1)."""
    if not isinstance(betas, tuple | list):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {type(betas).__name__}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return in_unit_interval(betas[0], "betas[0]"), in_unit_interval(betas[1], "betas[1]")
