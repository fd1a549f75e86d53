"""Activations, their derivatives, stable softmax family, and losses with gradients.

Every function is a plain NumPy expression of its formula. Derivatives are
written ``<name>_grad(x)`` and return dσ/dx elementwise, so a layer's backward
pass is ``grad_out * <name>_grad(x)``. Losses return a scalar (the *cost*: the
mean of the per-example losses) and have a ``<name>_grad`` returning the
gradient of that mean with respect to the prediction.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

from dlbook._checks import float_array, non_negative, positive

# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


def step(x: np.ndarray) -> np.ndarray:
    """Heaviside step: 1 if x > 0 else 0 (the perceptron's activation)."""
    return (x > 0).astype(x.dtype)


def step_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of the step: 0 everywhere it exists, so no gradient flows."""
    return np.zeros_like(x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(-x)), evaluated without overflow for large |x|."""
    # exp(-|x|) <= 1 never overflows; the two branches are the same function.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """σ'(x) = σ(x)(1 - σ(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)) = 2σ(2x) - 1."""
    return np.tanh(x)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 - tanh²(x)."""
    return 1.0 - np.tanh(x) ** 2


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU(x) = max(0, x)."""
    return np.maximum(x, 0.0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    """ReLU'(x) = 1 if x > 0 else 0 (we take 0 at the kink, as PyTorch does)."""
    return (x > 0).astype(x.dtype)


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """LeakyReLU(x) = x if x > 0 else αx."""
    return np.where(x > 0, x, alpha * x)


def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """LeakyReLU'(x) = 1 if x > 0 else α."""
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU(x) = x if x > 0 else α(e^x - 1)."""
    # expm1 on min(x, 0) keeps precision near 0 and avoids overflow for large x.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU'(x) = 1 if x > 0 else αe^x."""
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))).astype(x.dtype)


# Python floats, not NumPy scalars, so float32 inputs stay float32 (NEP 50).
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU(x) = x Φ(x), with Φ the standard normal CDF (exact, not the tanh fit)."""
    return x * 0.5 * (1.0 + erf(x / _SQRT2))


def gelu_grad(x: np.ndarray) -> np.ndarray:
    """GELU'(x) = Φ(x) + x φ(x), with φ the standard normal density."""
    cdf = 0.5 * (1.0 + erf(x / _SQRT2))
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return cdf + x * pdf


def swish(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """swish(x) = x σ(βx); β = 1 is SiLU."""
    return x * sigmoid(beta * x)


def swish_grad(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """swish'(x) = σ(βx) + βx σ(βx)(1 - σ(βx))."""
    s = sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)


def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^(-|x|)), stable for any x."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# --------------------------------------------------------------------------
# Softmax family
# --------------------------------------------------------------------------


def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log Σ_j e^(x_j) = m + log Σ_j e^(x_j - m), with m = max_j x_j (no overflow)."""
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x)."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = e^(x_i - m) / Σ_j e^(x_j - m); shifting by m = max x changes nothing."""
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def softmax_backward(s: np.ndarray, grad_out: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: s ⊙ (g - Σ_j g_j s_j), with s = softmax(x).

    The Jacobian is diag(s) - s sᵀ; multiplying it by g never needs the K×K matrix.
    """
    return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))


# --------------------------------------------------------------------------
# Losses: value (mean over examples) and gradient w.r.t. the prediction
# --------------------------------------------------------------------------


def _pair(pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    float_array(pred, "pred")
    target = np.asarray(target)
    if target.shape != pred.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}, got {target.shape}")
    return pred, target.astype(pred.dtype, copy=False)


def mse(pred: np.ndarray, target: np.ndarray) -> float:
    """MSE = mean((ŷ - y)²) over every element."""
    pred, target = _pair(pred, target)
    return float(np.mean((pred - target) ** 2))


def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂MSE/∂ŷ = 2(ŷ - y) / n."""
    pred, target = _pair(pred, target)
    return 2.0 * (pred - target) / pred.size


def mae(pred: np.ndarray, target: np.ndarray) -> float:
    """MAE = mean(|ŷ - y|)."""
    pred, target = _pair(pred, target)
    return float(np.mean(np.abs(pred - target)))


def mae_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂MAE/∂ŷ = sign(ŷ - y) / n (0 at ŷ = y, a valid subgradient)."""
    pred, target = _pair(pred, target)
    return np.sign(pred - target) / pred.size


def huber(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> float:
    """Huber = mean(½r² if |r| <= δ else δ(|r| - ½δ)), r = ŷ - y."""
    pred, target = _pair(pred, target)
    delta = positive(delta, "delta")
    r = np.abs(pred - target)
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def huber_grad(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """∂Huber/∂ŷ = clip(ŷ - y, -δ, δ) / n."""
    pred, target = _pair(pred, target)
    delta = positive(delta, "delta")
    return np.clip(pred - target, -delta, delta) / pred.size


def bce_with_logits(logits: np.ndarray, target: np.ndarray) -> float:
    """BCE = mean(softplus(z) - y z) = mean(-y log σ(z) - (1-y) log(1-σ(z))), from logits z."""
    logits, target = _pair(logits, target)
    _check_probabilities(target, "target")
    return float(np.mean(softplus(logits) - target * logits))


def bce_with_logits_grad(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂BCE/∂z = (σ(z) - y) / n."""
    logits, target = _pair(logits, target)
    _check_probabilities(target, "target")
    return (sigmoid(logits) - target) / logits.size


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    """CE = -mean_n Σ_k t_nk log softmax(z_n)_k, from logits z (N, K).

    ``target`` is either class indices (N,) or a distribution over classes (N, K).
    """
    t = _class_targets(logits, target)
    return float(-np.sum(t * log_softmax(logits, axis=1)) / logits.shape[0])


def cross_entropy_grad(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂CE/∂z = (softmax(z) - t) / N."""
    t = _class_targets(logits, target)
    return (softmax(logits, axis=1) - t) / logits.shape[0]


def hinge(scores: np.ndarray, target: np.ndarray) -> float:
    """Hinge = mean(max(0, 1 - y s)) with labels y in {-1, +1}."""
    scores, target = _pair(scores, target)
    _check_signs(target)
    return float(np.mean(np.maximum(0.0, 1.0 - target * scores)))


def hinge_grad(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂Hinge/∂s = -y [y s < 1] / n (a subgradient: 0 chosen at the kink y s = 1)."""
    scores, target = _pair(scores, target)
    _check_signs(target)
    return np.where(target * scores < 1.0, -target, 0.0) / scores.size


def _check_probabilities(t: np.ndarray, name: str) -> None:
    if np.any((t < 0) | (t > 1)):
        raise ValueError(f"{name} must hold probabilities in [0, 1], got values outside")


def _check_signs(t: np.ndarray) -> None:
    if not np.all(np.isin(t, (-1.0, 1.0))):
        raise ValueError(f"hinge target must hold labels in {{-1, +1}}, got {np.unique(t)[:5]}")


def _class_targets(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Turn class indices (N,) or a distribution (N, K) into a (N, K) float array."""
    float_array(logits, "logits", ndim=2)
    n, k = logits.shape
    target = np.asarray(target)
    if target.ndim == 1 and np.issubdtype(target.dtype, np.integer):
        if target.shape[0] != n:
            raise ValueError(f"target must have {n} labels (one per row of logits), "
                             f"got {target.shape[0]}")
        if np.any((target < 0) | (target >= k)):
            raise ValueError(
                f"target labels must be in [0, {k - 1}], got {target.min()}..{target.max()}"
            )
        t = np.zeros_like(logits)
        t[np.arange(n), target] = 1.0
        return t
    if target.shape == logits.shape and np.issubdtype(target.dtype, np.floating):
        non_negative(float(target.min()), "target probabilities")
        return target.astype(logits.dtype, copy=False)
    raise ValueError(
        f"target must be integer labels of shape ({n},) or probabilities of shape {logits.shape}, "
        f"got {target.dtype} array of shape {target.shape}"
    )

