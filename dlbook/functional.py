"""Activations, their derivatives, stable softmax family, and losses with gradients.

Every function is a plain NumPy expression of its formula. Derivatives are
written ``<name>_grad(x)`` and return dσ/dx elementwise, so a layer's backward
pass is ``grad_out * <name>_grad(x)``. Losses return a scalar (the *cost*: the
mean of the per-example losses) and have a ``<name>_grad`` returning the
gradient of that mean with respect to the prediction.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dlbook._checks import (
    boolean,
    float_array,
    images,
    indices,
    int_at_least,
    non_negative,
    positive,
    positive_int,
    sizes,
    validate,
)


def _axis(value: Any, name: str) -> int:
    """An axis: an int (negative counts from the end)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


def _on_floats(**rules: Callable[[Any, str], Any]) -> Callable:
    """Decorator for a kernel: its first argument must be a floating ndarray, and each
    other argument named in ``rules``, when passed, must pass its rule (α > 0, an int axis).

    Kernels run inside every layer on every step, so these are type tests only (no scan
    of the array's values), and the common case costs an isinstance and a dtype test.
    """

    def decorate(fn: Callable) -> Callable:
        first, *others = inspect.signature(fn).parameters

        @functools.wraps(fn)
        def kernel(x: Any, *args: Any, **kwargs: Any) -> Any:
            if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
                x = _as_float_array(x, f"{fn.__name__} {first}")
            if args or kwargs:
                for name, value in (*zip(others, args, strict=False), *kwargs.items()):
                    if name in rules:
                        rules[name](value, name)
            return fn(x, *args, **kwargs)

        return kernel

    return decorate


def _as_float_array(x: Any, name: str) -> np.ndarray:
    """A real number becomes a 0-d float64 array (so F.sigmoid(0.5) works); arrays must
    already be floating: an integer array is more likely labels than inputs."""
    if isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool):
        return np.asarray(x, dtype=x.dtype if isinstance(x, np.floating) else np.float64)
    return float_array(x, name)


# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


@_on_floats()
def step(x: np.ndarray) -> np.ndarray:
    """Heaviside step: 1 if x > 0 else 0 (the perceptron's activation)."""
    return (x > 0).astype(x.dtype)


@_on_floats()
def step_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of the step: 0 everywhere it exists, so no gradient flows."""
    return np.zeros_like(x)


@_on_floats()
def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(-x)), evaluated without overflow for large |x|."""
    # exp(-|x|) <= 1 never overflows; the two branches are the same function.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@_on_floats()
def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """σ'(x) = σ(x)(1 - σ(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


@_on_floats()
def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)) = 2σ(2x) - 1."""
    return np.tanh(x)


@_on_floats()
def tanh_grad(x: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 - tanh²(x)."""
    return 1.0 - np.tanh(x) ** 2


@_on_floats()
def relu(x: np.ndarray) -> np.ndarray:
    """ReLU(x) = max(0, x)."""
    return np.maximum(x, 0.0)


@_on_floats()
def relu_grad(x: np.ndarray) -> np.ndarray:
    """ReLU'(x) = 1 if x > 0 else 0 (we take 0 at the kink, as PyTorch does)."""
    return (x > 0).astype(x.dtype)


@_on_floats(alpha=non_negative)
def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """LeakyReLU(x) = x if x > 0 else αx."""
    return np.where(x > 0, x, alpha * x)


@_on_floats(alpha=non_negative)
def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """LeakyReLU'(x) = 1 if x > 0 else α."""
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


@_on_floats(alpha=positive)
def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU(x) = x if x > 0 else α(e^x - 1)."""
    # expm1 on min(x, 0) keeps precision near 0 and avoids overflow for large x.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@_on_floats(alpha=positive)
def elu_grad(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU'(x) = 1 if x > 0 else αe^x."""
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))).astype(x.dtype)


# Python floats, not NumPy scalars, so float32 inputs stay float32 (NEP 50).
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function erf(x) = (2/√π) ∫₀ˣ e^(-t²) dt (scipy.special.erf)."""
    # Imported on first use: scipy.special takes a fifth of a second to import, and
    # most chapters never call GELU.
    from scipy.special import erf as scipy_erf

    return scipy_erf(x)


@_on_floats()
def gelu(x: np.ndarray) -> np.ndarray:
    """GELU(x) = x Φ(x), with Φ the standard normal CDF (exact, not the tanh fit)."""
    return x * 0.5 * (1.0 + _erf(x / _SQRT2))


@_on_floats()
def gelu_grad(x: np.ndarray) -> np.ndarray:
    """GELU'(x) = Φ(x) + x φ(x), with φ the standard normal density."""
    cdf = 0.5 * (1.0 + _erf(x / _SQRT2))
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return cdf + x * pdf


@_on_floats(beta=positive)
def swish(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """swish(x) = x σ(βx); β = 1 is SiLU."""
    return x * sigmoid(beta * x)


@_on_floats(beta=positive)
def swish_grad(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """swish'(x) = σ(βx) + βx σ(βx)(1 - σ(βx))."""
    s = sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)


@_on_floats()
def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^(-|x|)), stable for any x."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# --------------------------------------------------------------------------
# Softmax family
# --------------------------------------------------------------------------


@_on_floats(axis=_axis, keepdims=boolean)
def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log Σ_j e^(x_j) = m + log Σ_j e^(x_j - m), with m = max_j x_j (no overflow)."""
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


@_on_floats(axis=_axis)
def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x)."""
    return x - logsumexp(x, axis=axis, keepdims=True)


@_on_floats(axis=_axis)
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = e^(x_i - m) / Σ_j e^(x_j - m); shifting by m = max x changes nothing."""
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def softmax_backward(s: np.ndarray, grad_out: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: s ⊙ (g - Σ_j g_j s_j), with s = softmax(x).

    The Jacobian is diag(s) - s sᵀ; multiplying it by g never needs the K×K matrix.
    """
    _check_vjp(s, grad_out, axis)
    return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))


def _check_vjp(s: np.ndarray, grad_out: np.ndarray, axis: int) -> None:
    float_array(s, "s")
    float_array(grad_out, "grad_out")
    _axis(axis, "axis")
    if grad_out.shape != s.shape:
        raise ValueError(f"grad_out must have the shape of s {s.shape}, got {grad_out.shape}")


# --------------------------------------------------------------------------
# Losses: value (mean over examples) and gradient w.r.t. the prediction
# --------------------------------------------------------------------------


def _loss(**rules: Callable[[Any, str], Any]) -> Callable:
    """Decorator for a loss ``fn(pred, target, ...)``: pred and target must be floating
    arrays of one shape (target finite), target handed on in pred's dtype; any other
    argument named in ``rules`` (``target`` included) must pass its rule."""

    def decorate(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        first = next(iter(signature.parameters))

        @functools.wraps(fn)
        def loss(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            pred = float_array(bound.arguments[first], first)
            bound.arguments["target"] = _target_like(pred, bound.arguments["target"], first)
            for name, rule in rules.items():
                if name in bound.arguments:
                    rule(bound.arguments[name], name)
            return fn(*bound.args, **bound.kwargs)

        return loss

    return decorate


def _target_like(pred: np.ndarray, target: Any, pred_name: str) -> np.ndarray:
    # Integer or list targets are refused, as in PyTorch: cast 0/1 labels with .astype(float).
    float_array(target, "target", finite=True)
    if target.shape != pred.shape:
        raise ValueError(f"target must have the shape of {pred_name} {pred.shape}, "
                         f"got {target.shape}")
    return target.astype(pred.dtype, copy=False)


def _probabilities(t: np.ndarray, name: str) -> np.ndarray:
    """Every entry in [0, 1] (NaN is not)."""
    if not np.all((t >= 0) & (t <= 1)):
        raise ValueError(f"{name} must hold probabilities in [0, 1], got values in "
                         f"[{np.nanmin(t):.3g}, {np.nanmax(t):.3g}]"
                         f"{' and NaN' if np.isnan(t).any() else ''}")
    return t


def _signs(t: np.ndarray, name: str) -> np.ndarray:
    """Every entry -1 or +1."""
    if not np.all(np.isin(t, (-1.0, 1.0))):
        raise ValueError(f"hinge {name} must hold labels in {{-1, +1}}, got {np.unique(t)[:5]}")
    return t


@_loss()
def mse(pred: np.ndarray, target: np.ndarray) -> float:
    """MSE = mean((ŷ - y)²) over every element."""
    return float(np.mean((pred - target) ** 2))


@_loss()
def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂MSE/∂ŷ = 2(ŷ - y) / n."""
    return 2.0 * (pred - target) / pred.size


@_loss()
def mae(pred: np.ndarray, target: np.ndarray) -> float:
    """MAE = mean(|ŷ - y|)."""
    return float(np.mean(np.abs(pred - target)))


@_loss()
def mae_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂MAE/∂ŷ = sign(ŷ - y) / n (0 at ŷ = y, a valid subgradient)."""
    return np.sign(pred - target) / pred.size


@_loss(delta=positive)
def huber(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> float:
    """Huber = mean(½r² if |r| <= δ else δ(|r| - ½δ)), r = ŷ - y."""
    r = np.abs(pred - target)
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


@_loss(delta=positive)
def huber_grad(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """∂Huber/∂ŷ = clip(ŷ - y, -δ, δ) / n."""
    return np.clip(pred - target, -delta, delta) / pred.size


@_loss(target=_probabilities)
def bce_with_logits(logits: np.ndarray, target: np.ndarray) -> float:
    """BCE = mean(softplus(z) - y z) = mean(-y log σ(z) - (1-y) log(1-σ(z))), from logits z."""
    return float(np.mean(softplus(logits) - target * logits))


@_loss(target=_probabilities)
def bce_with_logits_grad(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂BCE/∂z = (σ(z) - y) / n."""
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


@_loss(target=_signs)
def hinge(scores: np.ndarray, target: np.ndarray) -> float:
    """Hinge = mean(max(0, 1 - y s)) with labels y in {-1, +1}."""
    return float(np.mean(np.maximum(0.0, 1.0 - target * scores)))


@_loss(target=_signs)
def hinge_grad(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂Hinge/∂s = -y [y s < 1] / n (a subgradient: 0 chosen at the kink y s = 1)."""
    return np.where(target * scores < 1.0, -target, 0.0) / scores.size


def _class_targets(logits: np.ndarray, target: Any) -> np.ndarray:
    """Class indices (N,) as one-hot rows, or a distribution (N, K) as it is: a (N, K)
    array of logits' dtype. Labels must lie in [0, K); distribution rows must hold
    probabilities that sum to 1."""
    float_array(logits, "logits", ndim=2)
    n, k = logits.shape
    if isinstance(target, np.ndarray) and target.ndim == 1 and target.dtype.kind in "iu":
        _check_labels(target, n, k)
        t = np.zeros_like(logits)
        t[np.arange(n), target] = 1.0
        return t
    if isinstance(target, np.ndarray) and target.shape == logits.shape \
            and target.dtype.kind == "f":
        return _check_distributions(target).astype(logits.dtype, copy=False)
    want = f"target must be integer labels of shape ({n},) or probabilities of shape " \
           f"{logits.shape}"
    if not isinstance(target, np.ndarray) or target.dtype.kind not in "iuf" \
            or (target.ndim == 1 and target.dtype.kind == "f"):  # float labels: a wrong type
        got = target.dtype if isinstance(target, np.ndarray) else type(target).__name__
        raise TypeError(f"{want}, got {got}")
    raise ValueError(f"{want}, got {target.dtype} array of shape {target.shape}")


def _check_labels(target: np.ndarray, n: int, k: int) -> None:
    if target.shape[0] != n:
        raise ValueError(f"target must have {n} labels (one per row of logits), "
                         f"got {target.shape[0]}")
    if n and (target.min() < 0 or target.max() >= k):
        raise ValueError(f"target labels must be in [0, {k - 1}], got "
                         f"{target.min()}..{target.max()}")


def _check_distributions(target: np.ndarray) -> np.ndarray:
    """Rows of probabilities in [0, 1] summing to 1 (to 1e-4, for float32 round-off)."""
    _probabilities(target, "target")
    sums = target.sum(axis=1)
    if target.size and np.abs(sums - 1.0).max() > 1e-4:
        worst = int(np.abs(sums - 1.0).argmax())
        raise ValueError(f"target rows must be distributions summing to 1, but row {worst} "
                         f"sums to {sums[worst]:.6g}")
    return target


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------
#
# Layout conventions: images are (N, C, H, W); a kernel bank is (F, C, KH, KW);
# every convolution here is a cross-correlation, as in every framework:
#     y[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v w[f, c, u, v] · x_pad[n, c, i·sh + u, j·sw + v].
# Padding is an int p (p on every side), a pair (ph, pw) (ph above and below,
# pw left and right, as in PyTorch), or "same"/"valid" with TensorFlow's rules.

Padding = int | tuple[int, int] | str
Pads = tuple[tuple[int, int], tuple[int, int]]


def _int_pair(value: int | tuple[int, int], name: str, *, minimum: int) -> tuple[int, int]:
    """(a, b) from an int a (meaning (a, a)) or a pair, every entry an int >= ``minimum``."""
    items = value if isinstance(value, tuple | list) else (value, value)
    if len(items) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | np.integer):
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
        if item < minimum:
            raise ValueError(f"{name} entries must be >= {minimum}, got {value!r}")
    return int(items[0]), int(items[1])


def _padding_mode(padding: Padding) -> str | None:
    """'same' or 'valid' for a string padding (either case), None for a numeric one."""
    if not isinstance(padding, str):
        return None
    mode = padding.lower()
    if mode not in ("same", "valid"):
        raise ValueError(f"padding must be an int, a pair of ints, 'same' or 'valid', "
                         f"got {padding!r}")
    return mode


def same_padding(n: int, k: int, s: int = 1) -> tuple[int, int]:
    """TF 'SAME' pads (before, after): out = ⌈n/s⌉, total = max((out-1)s + k - n, 0),
    before = ⌊total/2⌋, after = total - before (the extra one goes bottom/right)."""
    _check_axis(n, k, s)
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


@validate(n=positive_int, k=positive_int, s=positive_int)
def conv_output_size(n: int, k: int, s: int = 1, padding: int | tuple[int, int] | str = 0
                     ) -> int:
    """Output length along one axis: ⌊(n + before + after - k)/s⌋ + 1; with TF's rules
    'valid' gives ⌈(n - k + 1)/s⌉ and 'same' gives ⌈n/s⌉.

    ``padding`` is an int p (p before and after), a (before, after) pair, or a mode.
    Raises ValueError if the kernel is larger than the padded input.
    """
    before, after = _axis_padding(n, k, s, padding)
    return (n + before + after - k) // s + 1


def _check_axis(n: int, k: int, s: int) -> None:
    """Input length, kernel size and stride along one axis: each a positive int."""
    for value, name in ((n, "n"), (k, "k"), (s, "s")):
        positive_int(value, name)


def _axis_padding(n: int, k: int, s: int, padding: int | tuple[int, int] | str
                  ) -> tuple[int, int]:
    """(before, after) along one axis for an int, a pair or a mode; raises if the kernel
    is larger than the padded input."""
    mode = _padding_mode(padding)
    if mode == "same":
        before, after = same_padding(n, k, s)
    elif mode == "valid":
        before, after = 0, 0
    else:
        before, after = _int_pair(padding, "padding", minimum=0)
    if n + before + after < k:
        raise ValueError(f"kernel size {k} is larger than the padded input size "
                         f"{n + before + after} (k={k}, n={n}, padding ({before}, {after}))")
    return before, after


def conv_padding(size: tuple[int, int], kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: Padding = 0) -> Pads:
    """Resolve any padding spec for an (H, W) input to ((top, bottom), (left, right))."""
    return _resolve_pads(_hw(size), _kernel_pair(kernel_size), _stride_pair(stride), padding)


def _resolve_pads(size: tuple[int, int], kernel: tuple[int, int], strides: tuple[int, int],
                  padding: Padding) -> Pads:
    """``conv_padding`` for a size, kernel and strides already checked."""
    (h, w), (kh, kw), (sh, sw) = size, kernel, strides
    mode = _padding_mode(padding)
    if mode == "same":
        return same_padding(h, kh, sh), same_padding(w, kw, sw)
    if mode == "valid":
        return (0, 0), (0, 0)
    ph, pw = _int_pair(padding, "padding", minimum=0)
    return (ph, ph), (pw, pw)


def _hw(size: Any) -> tuple[int, int]:
    """An (H, W) size: a pair of ints >= 1 (a tuple or list, not a single int)."""
    if not isinstance(size, tuple | list):
        raise TypeError(f"size must be a pair of ints (H, W), got {type(size).__name__}")
    return _int_pair(size, "size", minimum=1)


def _kernel_pair(kernel_size: int | tuple[int, int]) -> tuple[int, int]:
    return _int_pair(kernel_size, "kernel_size", minimum=1)


def _stride_pair(stride: int | tuple[int, int]) -> tuple[int, int]:
    return _int_pair(stride, "stride", minimum=1)


def _conv_geometry(x_shape: tuple[int, ...], kernel_size: int | tuple[int, int],
                   stride: int | tuple[int, int], padding: Padding, owner: str
                   ) -> tuple[tuple[int, int], tuple[int, int], Pads, tuple[int, int]]:
    """Validate and return ((KH, KW), (SH, SW), pads, (OH, OW)) for an (N, C, H, W) shape."""
    if not (type(x_shape) is tuple and len(x_shape) == 4
            and all(type(v) is int and v >= 0 for v in x_shape)):
        _check_shape4(x_shape, owner)  # the slow path: a precise error, or np.int64 sizes
    kernel, strides = _kernel_pair(kernel_size), _stride_pair(stride)
    pads = _resolve_pads(tuple(x_shape[2:]), kernel, strides, padding)
    padded = tuple(n + sum(p) for n, p in zip(x_shape[2:], pads, strict=True))
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise ValueError(f"{owner} kernel_size {kernel} is larger than the padded input {padded} "
                         f"(input {tuple(x_shape[2:])}, padding {pads})")
    out = tuple((p - k) // s + 1 for p, k, s in zip(padded, kernel, strides, strict=True))
    return kernel, strides, pads, out


def _check_shape4(x_shape: Any, owner: str) -> None:
    """An (N, C, H, W) shape: four ints >= 0."""
    if not isinstance(x_shape, tuple | list):
        raise TypeError(f"{owner} x_shape must be a tuple (N, C, H, W), got "
                        f"{type(x_shape).__name__}")
    if len(x_shape) != 4:
        raise ValueError(f"{owner} input (x_shape) must be 4-D (N, C, H, W), got shape "
                         f"{tuple(x_shape)}")
    for i, size in enumerate(x_shape):
        int_at_least(size, f"{owner} x_shape[{i}]", 0)


def pad2d(x: np.ndarray, pads: Pads) -> np.ndarray:
    """Zero-pad the last two axes of (N, C, H, W) by ((top, bottom), (left, right))."""
    return _pad(x, _check_pads(x, pads))


def _pad(x: np.ndarray, pads: Pads) -> np.ndarray:
    """``pad2d`` for arguments already checked."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x  # nothing to pad: no copy
    # zeros + one slice assignment: same result as np.pad, with less overhead.
    n, c, h, w = x.shape
    xp = np.zeros((n, c, top + h + bottom, left + w + right), dtype=x.dtype)
    xp[:, :, top:top + h, left:left + w] = x
    return xp


def _check_pads(x: np.ndarray, pads: Any) -> Pads:
    images(x, "pad2d x")
    if not isinstance(pads, tuple | list):
        raise TypeError(f"pads must be ((top, bottom), (left, right)), got {pads!r}")
    if len(pads) != 2:
        raise ValueError(f"pads must be ((top, bottom), (left, right)), got {pads!r}")
    return (_int_pair(pads[0], "pads[0]", minimum=0), _int_pair(pads[1], "pads[1]", minimum=0))


def _offset_slices(u: int, v: int, out: tuple[int, int], stride: tuple[int, int]
                   ) -> tuple[slice, slice]:
    """Rows and columns of the padded input that kernel offset (u, v) meets, for every output:
    x_pad[..., u + i·sh, v + j·sw] for 0 <= i < OH, 0 <= j < OW."""
    return (slice(u, u + (out[0] - 1) * stride[0] + 1, stride[0]),
            slice(v, v + (out[1] - 1) * stride[1] + 1, stride[1]))


def _windows(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
             out: tuple[int, int]) -> np.ndarray:
    """Read-only view (N, C, OH, OW, KH, KW): [n, c, i, j, u, v] = xp[n, c, i·sh+u, j·sw+v]."""
    sn, sc, sy, sx = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, shape=(*xp.shape[:2], *out, *kernel),
        strides=(sn, sc, sy * stride[0], sx * stride[1], sy, sx), writeable=False)


def im2col(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] = 1,
           padding: Padding = 0, *, out: np.ndarray | None = None) -> np.ndarray:
    """Unfold (N, C, H, W) into columns (C·KH·KW, N·OH·OW):
    cols[(c, u, v), (n, i, j)] = x_pad[n, c, i·sh + u, j·sw + v].

    Rows ordered (c, u, v) match ``w.reshape(F, -1)``, so a convolution is one matmul
    ``w.reshape(F, -1) @ cols``; columns ordered (n, i, j) make each row contiguous,
    which is what ``col2im``'s per-offset slice adds want. ``out``, a C-contiguous
    array of that shape and x's dtype, is filled and returned instead of a new array.
    """
    images(x, "im2col input")
    kernel, strides, pads, size = _conv_geometry(x.shape, kernel_size, stride, padding, "im2col")
    # A zero-copy view of every window, in BLAS order (c, u, v, n, i, j); the one copy
    # of the data is the reshape (or the copy into ``out``) below.
    win = _windows(_pad(x, pads), kernel, strides, size).transpose(1, 4, 5, 0, 2, 3)
    shape = (x.shape[1] * kernel[0] * kernel[1], x.shape[0] * size[0] * size[1])
    if out is None:
        return win.reshape(shape)
    np.copyto(_check_out(out, shape, x.dtype).reshape(win.shape), win)
    return out


def _check_out(out: Any, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    want = f"im2col out must be a C-contiguous {dtype} array of shape {shape}"
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{want}, got {type(out).__name__}")
    if not (out.shape == shape and out.dtype == dtype and out.flags.c_contiguous
            and out.flags.writeable):
        raise ValueError(f"{want}, got {out.dtype} {out.shape}")
    return out


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int],
           kernel_size: int | tuple[int, int], stride: int | tuple[int, int] = 1,
           padding: Padding = 0) -> np.ndarray:
    """Adjoint of ``im2col``: fold (C·KH·KW, N·OH·OW) back to (N, C, H, W), summing where
    windows overlap: dx[n, c, y, x] = Σ over (u, v, i, j) with i·sh+u = y+top, j·sw+v = x+left."""
    kernel, strides, pads, out = _conv_geometry(x_shape, kernel_size, stride, padding, "col2im")
    n, c, h, w = x_shape
    patches = _check_cols(cols, (c, *kernel, n, *out), x_shape)  # (C, KH, KW, N, OH, OW)
    # Accumulate in (C, N, H, W) order so that every slice add below reads a contiguous
    # block of ``patches``; one loop over the KH·KW offsets, each a vectorised strided add
    # (within one offset no two outputs touch the same pixel, so += is exact; np.add.at
    # would also be exact but is an order of magnitude slower).
    dxp = np.zeros((c, n, h + sum(pads[0]), w + sum(pads[1])), dtype=cols.dtype)
    for u in range(kernel[0]):
        for v in range(kernel[1]):
            rows, columns = _offset_slices(u, v, out, strides)
            dxp[:, :, rows, columns] += patches[:, u, v]
    dx = dxp[:, :, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w]
    return np.ascontiguousarray(dx.transpose(1, 0, 2, 3))


def _check_cols(cols: np.ndarray, patch_shape: tuple[int, ...], x_shape: tuple[int, ...]
                ) -> np.ndarray:
    """cols reshaped to ``patch_shape``, if it is (C·KH·KW, N·OH·OW) for x_shape."""
    float_array(cols, "col2im cols")
    c, kh, kw, n, oh, ow = patch_shape
    expected = (c * kh * kw, n * oh * ow)
    if cols.shape != expected:
        raise ValueError(f"col2im cols must have shape {expected} for x_shape {tuple(x_shape)}, "
                         f"got {cols.shape}")
    return cols.reshape(patch_shape)


def _check_conv_args(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, owner: str) -> None:
    """x (N, C, H, W) and w (F, C, KH, KW) floating with matching C; b None or (F,)."""
    images(x, f"{owner} input x")
    float_array(w, f"{owner} weight w")
    if w.ndim != 4:
        raise ValueError(f"{owner} weight w must be 4-D (F, C, KH, KW), got shape {w.shape}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"{owner} weight w expects {w.shape[1]} input channels, "
                         f"but the input x has shape {x.shape} with {x.shape[1]} channels")
    if b is not None:
        float_array(b, f"{owner} bias b")
        if b.shape != (w.shape[0],):
            raise ValueError(f"{owner} bias b must have shape ({w.shape[0]},), got {b.shape}")


def conv2d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                 stride: int | tuple[int, int] = 1, padding: Padding = 0) -> np.ndarray:
    """Reference loops: y[n,f,i,j] = b[f] + Σ_{c,u,v} w[f,c,u,v] x_pad[n,c,i·sh+u,j·sw+v]."""
    _check_conv_args(x, w, b, "conv2d_naive")
    (kh, kw), (sh, sw), pads, (oh, ow) = _conv_geometry(x.shape, w.shape[2:], stride, padding,
                                                        "conv2d_naive")
    xp = _pad(x, pads)
    y = np.zeros((x.shape[0], w.shape[0], oh, ow), dtype=x.dtype)
    # Deliberately one Python loop per index: the definition, readable and slow.
    for n in range(x.shape[0]):
        for f in range(w.shape[0]):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    y[n, f, i, j] = np.sum(window * w[f]) + (0.0 if b is None else b[f])
    return y


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: Padding = 0) -> np.ndarray:
    """Vectorised cross-correlation via im2col: Y = W_(F, C·KH·KW) @ cols + b, reshaped to
    (N, F, OH, OW); equal to ``conv2d_naive``. The result has x's dtype."""
    _check_conv_args(x, w, b, "conv2d")
    *_, out = _conv_geometry(x.shape, w.shape[2:], stride, padding, "conv2d")
    cols = im2col(x, w.shape[2:], stride, padding)  # (C·KH·KW, N·OH·OW)
    y = w.reshape(w.shape[0], -1).astype(x.dtype, copy=False) @ cols  # (F, N·OH·OW)
    if b is not None:
        y += b.astype(x.dtype, copy=False)[:, None]
    return _from_rows(y, x.shape[0], out)


def _from_rows(y_mat: np.ndarray, n: int, out: tuple[int, int]) -> np.ndarray:
    """(F, N·OH·OW) → contiguous (N, F, OH, OW)."""
    return np.ascontiguousarray(y_mat.reshape(-1, n, *out).transpose(1, 0, 2, 3))


def _to_rows(y: np.ndarray) -> np.ndarray:
    """(N, F, OH, OW) → contiguous (F, N·OH·OW), the inverse of ``_from_rows``."""
    return np.ascontiguousarray(y.transpose(1, 0, 2, 3)).reshape(y.shape[1], -1)


def _pool_geometry(x: np.ndarray, kernel_size: int | tuple[int, int],
                   stride: int | tuple[int, int] | None, owner: str
                   ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validate a pooling call; stride defaults to the kernel size (non-overlapping windows)."""
    images(x, f"{owner} input")
    kernel = _kernel_pair(kernel_size)
    strides = kernel if stride is None else _stride_pair(stride)
    _, _, _, out = _conv_geometry(x.shape, kernel, strides, 0, owner)
    return kernel, strides, out


def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """y[n,c,i,j] = max_{u,v} x[n,c,i·sh+u,j·sw+v]; also returns the flat argmax u·KW+v
    of each window (the first maximum when there are ties), which backward needs."""
    kernel, strides, out = _pool_geometry(x, kernel_size, stride, "max_pool2d")
    # The window view costs nothing; reshape copies it so argmax can run over one axis.
    flat = _windows(x, kernel, strides, out).reshape(*x.shape[:2], *out, -1)
    argmax = flat.argmax(axis=-1)
    return np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0], argmax


def max_pool2d_backward(grad_out: np.ndarray, argmax: np.ndarray,
                        x_shape: tuple[int, int, int, int], kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None) -> np.ndarray:
    """∂L/∂x: each window's gradient goes to its argmax only; overlapping windows add up."""
    kernel, strides, out = _pool_backward_geometry(grad_out, x_shape, kernel_size, stride,
                                                   argmax=argmax)
    dx = np.zeros(x_shape, dtype=grad_out.dtype)
    for u in range(kernel[0]):
        for v in range(kernel[1]):
            rows, columns = _offset_slices(u, v, out, strides)
            dx[:, :, rows, columns] += np.where(argmax == u * kernel[1] + v, grad_out, 0)
    return dx


def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None) -> np.ndarray:
    """y[n,c,i,j] = (1 / KH·KW) Σ_{u,v} x[n,c,i·sh+u,j·sw+v]."""
    kernel, strides, out = _pool_geometry(x, kernel_size, stride, "avg_pool2d")
    return _windows(x, kernel, strides, out).mean(axis=(-2, -1))


def avg_pool2d_backward(grad_out: np.ndarray, x_shape: tuple[int, int, int, int],
                        kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None) -> np.ndarray:
    """∂L/∂x[n,c,y,x] = Σ over the windows containing (y, x) of g[n,c,i,j] / (KH·KW)."""
    kernel, strides, out = _pool_backward_geometry(grad_out, x_shape, kernel_size, stride)
    share = grad_out / (kernel[0] * kernel[1])
    dx = np.zeros(x_shape, dtype=grad_out.dtype)
    for u in range(kernel[0]):
        for v in range(kernel[1]):
            rows, columns = _offset_slices(u, v, out, strides)
            dx[:, :, rows, columns] += share
    return dx


def _pool_backward_geometry(grad_out: Any, x_shape: Any, kernel_size: int | tuple[int, int],
                            stride: int | tuple[int, int] | None, **argmax: Any
                            ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel, strides, out) of the forward pass, checking that grad_out (and argmax) have
    its output's shape (N, C, OH, OW)."""
    images(grad_out, "grad_out")
    sizes(x_shape, "x_shape", min_len=4)
    kernel = _kernel_pair(kernel_size)
    strides = kernel if stride is None else _stride_pair(stride)
    _, _, _, out = _conv_geometry(x_shape, kernel, strides, 0, "pool")
    expected = (*x_shape[:2], *out)
    if grad_out.shape != expected:
        raise ValueError(f"grad_out must have the pooled shape {expected}, got {grad_out.shape}")
    if argmax:  # max pooling: the flat index u·KW + v of each window's maximum
        indices(argmax["argmax"], "argmax", kernel[0] * kernel[1])
        if argmax["argmax"].shape != expected:
            raise ValueError(f"argmax must have the pooled shape {expected}, "
                             f"got {argmax['argmax'].shape}")
    return kernel, strides, out
