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

from dlbook._checks import float_array, non_negative, positive, positive_int

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
    n, k, s = positive_int(n, "n"), positive_int(k, "k"), positive_int(s, "s")
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv_output_size(n: int, k: int, s: int = 1, padding: int | tuple[int, int] | str = 0
                     ) -> int:
    """Output length along one axis: ⌊(n + before + after - k)/s⌋ + 1; with TF's rules
    'valid' gives ⌈(n - k + 1)/s⌉ and 'same' gives ⌈n/s⌉.

    ``padding`` is an int p (p before and after), a (before, after) pair, or a mode.
    Raises ValueError if the kernel is larger than the padded input.
    """
    n, k, s = positive_int(n, "n"), positive_int(k, "k"), positive_int(s, "s")
    mode = _padding_mode(padding)
    if mode == "same":
        before, after = same_padding(n, k, s)
    elif mode == "valid":
        before, after = 0, 0
    else:
        before, after = _int_pair(padding, "padding", minimum=0)
    if n + before + after < k:
        raise ValueError(f"kernel size {k} is larger than the padded input size "
                         f"{n + before + after} (input {n}, padding ({before}, {after}))")
    return (n + before + after - k) // s + 1


def conv_padding(size: tuple[int, int], kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: Padding = 0) -> Pads:
    """Resolve any padding spec for an (H, W) input to ((top, bottom), (left, right))."""
    kh, kw = _int_pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = _int_pair(stride, "stride", minimum=1)
    mode = _padding_mode(padding)
    if mode == "same":
        return same_padding(size[0], kh, sh), same_padding(size[1], kw, sw)
    if mode == "valid":
        return (0, 0), (0, 0)
    ph, pw = _int_pair(padding, "padding", minimum=0)
    return (ph, ph), (pw, pw)


def _conv_geometry(x_shape: tuple[int, ...], kernel_size: int | tuple[int, int],
                   stride: int | tuple[int, int], padding: Padding, owner: str
                   ) -> tuple[tuple[int, int], tuple[int, int], Pads, tuple[int, int]]:
    """Validate and return ((KH, KW), (SH, SW), pads, (OH, OW)) for an (N, C, H, W) shape."""
    if len(x_shape) != 4:
        raise ValueError(f"{owner} input must be 4-D (N, C, H, W), got shape {tuple(x_shape)}")
    kernel = _int_pair(kernel_size, "kernel_size", minimum=1)
    strides = _int_pair(stride, "stride", minimum=1)
    pads = conv_padding(x_shape[2:], kernel, strides, padding)
    padded = tuple(n + sum(p) for n, p in zip(x_shape[2:], pads, strict=True))
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise ValueError(f"{owner} kernel {kernel} is larger than the padded input {padded} "
                         f"(input {tuple(x_shape[2:])}, padding {pads})")
    out = tuple((p - k) // s + 1 for p, k, s in zip(padded, kernel, strides, strict=True))
    return kernel, strides, pads, out


def _check_images(x: np.ndarray, owner: str) -> np.ndarray:
    """x must be a floating (N, C, H, W) array."""
    float_array(x, f"{owner} input")
    if x.ndim != 4:
        raise ValueError(f"{owner} input must be 4-D (N, C, H, W), got shape {x.shape}")
    return x


def pad2d(x: np.ndarray, pads: Pads) -> np.ndarray:
    """Zero-pad the last two axes of (N, C, H, W) by ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x  # nothing to pad: no copy
    # zeros + one slice assignment: same result as np.pad, with less overhead.
    n, c, h, w = x.shape
    xp = np.zeros((n, c, top + h + bottom, left + w + right), dtype=x.dtype)
    xp[:, :, top:top + h, left:left + w] = x
    return xp


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
    _check_images(x, "im2col")
    kernel, strides, pads, size = _conv_geometry(x.shape, kernel_size, stride, padding,
                                                 "im2col")
    shape = (x.shape[1] * kernel[0] * kernel[1], x.shape[0] * size[0] * size[1])
    # A zero-copy view of every window, transposed into BLAS order; the only copy of the
    # data is the one below (np.pad's copy is skipped when there is no padding).
    win = _windows(pad2d(x, pads), kernel, strides, size).transpose(1, 4, 5, 0, 2, 3)
    if out is None:
        return win.reshape(shape)
    if out.shape != shape or out.dtype != x.dtype or not out.flags.c_contiguous:
        raise ValueError(f"im2col out must be a C-contiguous {x.dtype} array of shape {shape}, "
                         f"got {out.dtype} {out.shape}")
    np.copyto(out.reshape(win.shape), win)
    return out


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int],
           kernel_size: int | tuple[int, int], stride: int | tuple[int, int] = 1,
           padding: Padding = 0) -> np.ndarray:
    """Adjoint of ``im2col``: fold (C·KH·KW, N·OH·OW) back to (N, C, H, W), summing where
    windows overlap: dx[n, c, y, x] = Σ over (u, v, i, j) with i·sh+u = y+top, j·sw+v = x+left."""
    float_array(cols, "col2im cols")
    n, c, h, w = x_shape
    kernel, strides, pads, out = _conv_geometry(x_shape, kernel_size, stride, padding, "col2im")
    expected = (c * kernel[0] * kernel[1], n * out[0] * out[1])
    if cols.shape != expected:
        raise ValueError(f"col2im cols must have shape {expected} for x_shape {tuple(x_shape)}, "
                         f"got {cols.shape}")
    patches = cols.reshape(c, *kernel, n, *out)
    # Accumulate in (C, N, H, W) order so that every slice add below reads a contiguous
    # block of ``patches``; one loop over the KH·KW offsets, each a vectorised strided add
    # (within one offset no two outputs touch the same pixel, so += is exact; np.add.at
    # would also be exact but is an order of magnitude slower).
    hp, wp = h + sum(pads[0]), w + sum(pads[1])
    dxp = np.zeros((c, n, hp, wp), dtype=cols.dtype)
    for u in range(kernel[0]):
        for v in range(kernel[1]):
            rows, columns = _offset_slices(u, v, out, strides)
            dxp[:, :, rows, columns] += patches[:, u, v]
    dx = dxp[:, :, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w]
    return np.ascontiguousarray(dx.transpose(1, 0, 2, 3))


def _check_conv_args(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, owner: str) -> None:
    """x (N, C, H, W) and w (F, C, KH, KW) floating with matching C; b None or (F,)."""
    _check_images(x, owner)
    float_array(w, f"{owner} weight")
    if w.ndim != 4:
        raise ValueError(f"{owner} weight must be 4-D (F, C, KH, KW), got shape {w.shape}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"{owner} weight expects {w.shape[1]} input channels, "
                         f"but the input has shape {x.shape} with {x.shape[1]} channels")
    if b is not None:
        float_array(b, f"{owner} bias")
        if b.shape != (w.shape[0],):
            raise ValueError(f"{owner} bias must have shape ({w.shape[0]},), got {b.shape}")


def conv2d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                 stride: int | tuple[int, int] = 1, padding: Padding = 0) -> np.ndarray:
    """Reference loops: y[n,f,i,j] = b[f] + Σ_{c,u,v} w[f,c,u,v] x_pad[n,c,i·sh+u,j·sw+v]."""
    _check_conv_args(x, w, b, "conv2d_naive")
    (kh, kw), (sh, sw), pads, (oh, ow) = _conv_geometry(x.shape, w.shape[2:], stride, padding,
                                                        "conv2d_naive")
    xp = pad2d(x, pads)
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
    y_mat = w.reshape(w.shape[0], -1).astype(x.dtype, copy=False) @ im2col(
        x, w.shape[2:], stride, padding)
    if b is not None:
        y_mat += b.astype(x.dtype, copy=False)[:, None]
    _, _, _, out = _conv_geometry(x.shape, w.shape[2:], stride, padding, "conv2d")
    return _from_rows(y_mat, x.shape[0], out)


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
    _check_images(x, owner)
    kernel = _int_pair(kernel_size, "kernel_size", minimum=1)
    strides = kernel if stride is None else _int_pair(stride, "stride", minimum=1)
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
    kernel = _int_pair(kernel_size, "kernel_size", minimum=1)
    strides = kernel if stride is None else _int_pair(stride, "stride", minimum=1)
    out = grad_out.shape[2:]
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
    kernel = _int_pair(kernel_size, "kernel_size", minimum=1)
    strides = kernel if stride is None else _int_pair(stride, "stride", minimum=1)
    out = grad_out.shape[2:]
    share = grad_out / (kernel[0] * kernel[1])
    dx = np.zeros(x_shape, dtype=grad_out.dtype)
    for u in range(kernel[0]):
        for v in range(kernel[1]):
            rows, columns = _offset_slices(u, v, out, strides)
            dx[:, :, rows, columns] += share
    return dx
