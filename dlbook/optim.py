"""Optimisers with PyTorch's update rules, written out in NumPy.

Each ``step()`` reads ``p.grad`` of every parameter and updates ``p.data`` in
place; ``zero_grad()`` clears the gradients before the next backward pass.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from dlbook._checks import in_unit_interval, non_negative, positive
from dlbook.nn import Parameter


class Optimizer:
    """Holds the parameters and a learning rate ``lr``; subclasses define ``step``."""

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise TypeError(f"params[{i}] must be a Parameter, got {type(p).__name__}")
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
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0, got momentum=0")
        self.nesterov = nesterov
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
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = in_unit_interval(betas[0], "betas[0]")
        self.beta2 = in_unit_interval(betas[1], "betas[1]")
        self.eps = positive(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.decoupled = decoupled
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
