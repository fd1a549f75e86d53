"""Layers with explicit forward and backward passes, and loss modules.

The shape follows PyTorch (``Module``, ``Parameter``, ``parameters()``,
``zero_grad()``, ``train()``/``eval()``), the mechanics follow the textbook:
``forward`` caches exactly what ``backward`` needs; ``backward(grad_out)``
adds ∂L/∂θ into each parameter's ``.grad`` and returns ∂L/∂x.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from dlbook import functional as F
from dlbook import init
from dlbook._checks import float_array, generator, in_unit_interval, positive, positive_int


class Parameter:
    """A learnable array ``data`` with its accumulated gradient ``grad``."""

    def __init__(self, data: np.ndarray, name: str = "") -> None:
        self.data = float_array(data, f"Parameter {name!r} data")
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``data``."""
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class: subclasses define ``forward(x)`` and ``backward(grad_out)``."""

    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the output and cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Given ∂L/∂output, accumulate ∂L/∂θ into ``.grad`` and return ∂L/∂input."""
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules, in attribute order, with their names."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs of this module and all its descendants."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        """Every learnable parameter, each once."""
        seen: dict[int, Parameter] = {}
        for _, p in self.named_parameters():
            seen.setdefault(id(p), p)
        return list(seen.values())

    def num_parameters(self) -> int:
        """Total number of learnable scalars."""
        return sum(p.data.size for p in self.parameters())

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad[...] = 0.0

    def train(self, mode: bool = True) -> Module:
        """Switch this module and its descendants to training (or evaluation) mode."""
        self.training = bool(mode)
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (dropout off, batch norm uses running statistics)."""
        return self.train(False)

    def _cached(self, attr: str) -> np.ndarray:
        value = getattr(self, attr, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_grad_out(grad_out: np.ndarray, shape: tuple[int, ...], owner: str) -> np.ndarray:
    float_array(grad_out, f"{owner} grad_out")
    if grad_out.shape != shape:
        raise ValueError(f"{owner} grad_out must have the output's shape {shape}, "
                         f"got {grad_out.shape}")
    return grad_out


class Dense(Module):
    """Fully connected layer y = x W + b, with W of shape (in_features, out_features)."""

    def __init__(self, in_features: int, out_features: int, *, rng: np.random.Generator,
                 weight_init: init.Initializer = init.xavier_uniform, bias: bool = True,
                 dtype: type = np.float64) -> None:
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        w = weight_init((self.in_features, self.out_features), rng=generator(rng))
        self.W = Parameter(np.asarray(w, dtype=dtype), "W")
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype), "b") if bias else None
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x W + b for x of shape (N, in_features)."""
        float_array(x, "Dense input", ndim=2)
        if x.shape[1] != self.in_features:
            raise ValueError(f"Dense expected input of shape (N, {self.in_features}), "
                             f"got {x.shape}")
        self._x = x
        y = x @ self.W.data
        return y + self.b.data if self.b is not None else y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂W = xᵀ g, ∂L/∂b = Σ_n g_n, ∂L/∂x = g Wᵀ."""
        x = self._cached("_x")
        _check_grad_out(grad_out, (x.shape[0], self.out_features), "Dense")
        self.W.grad += x.T @ grad_out
        if self.b is not None:
            self.b.grad += grad_out.sum(axis=0)
        return grad_out @ self.W.data.T

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features}, bias={self.b is not None})"


class Activation(Module):
    """Elementwise y = f(x); backward multiplies by f'(x)."""

    def f(self, x: np.ndarray) -> np.ndarray:
        """The activation."""
        raise NotImplementedError

    def df(self, x: np.ndarray) -> np.ndarray:
        """Its derivative."""
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = f(x), elementwise."""
        self._x = float_array(x, f"{type(self).__name__} input")
        return self.f(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g ⊙ f'(x)."""
        x = self._cached("_x")
        return _check_grad_out(grad_out, x.shape, type(self).__name__) * self.df(x)


class Sigmoid(Activation):
    """σ(x) = 1 / (1 + e^(-x))."""

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.sigmoid(x)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.sigmoid_grad(x)


class Tanh(Activation):
    """tanh(x)."""

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.tanh(x)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.tanh_grad(x)


class ReLU(Activation):
    """max(0, x)."""

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.relu(x)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.relu_grad(x)


class LeakyReLU(Activation):
    """x if x > 0 else αx."""

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = positive(alpha, "alpha")

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.leaky_relu(x, self.alpha)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.leaky_relu_grad(x, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(Activation):
    """x if x > 0 else α(e^x - 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = positive(alpha, "alpha")

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.elu(x, self.alpha)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.elu_grad(x, self.alpha)

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class GELU(Activation):
    """x Φ(x)."""

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.gelu(x)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.gelu_grad(x)


class Swish(Activation):
    """x σ(βx)."""

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = positive(beta, "beta")

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.swish(x, self.beta)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.swish_grad(x, self.beta)

    def __repr__(self) -> str:
        return f"Swish(beta={self.beta})"


class Softmax(Module):
    """softmax over the last axis; backward is the vector-Jacobian product."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """s = softmax(x) along the last axis."""
        float_array(x, "Softmax input")
        self._s = F.softmax(x, axis=-1)
        return self._s

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = s ⊙ (g - Σ_j g_j s_j)."""
        s = self._cached("_s")
        return F.softmax_backward(s, _check_grad_out(grad_out, s.shape, "Softmax"))


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential layer {i} must be a Module, "
                                f"got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x → layer_1 → … → layer_L."""
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Chain rule: pass the gradient through the layers in reverse order."""
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------


class Loss:
    """``loss(pred, target)`` returns the mean loss; ``backward()`` returns ∂loss/∂pred."""

    value_fn: Callable[..., float]
    grad_fn: Callable[..., np.ndarray]

    def _kwargs(self) -> dict:
        return {}

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Mean loss over the batch; caches the inputs for ``backward``."""
        value = type(self).value_fn(pred, target, **self._kwargs())
        self._pred, self._target = pred, target
        return value

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)

    def backward(self) -> np.ndarray:
        """Gradient of the last computed loss with respect to ``pred``."""
        if getattr(self, "_pred", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return type(self).grad_fn(self._pred, self._target, **self._kwargs())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self._kwargs().items())
        return f"{type(self).__name__}({args})"


class MSELoss(Loss):
    """mean((ŷ - y)²)."""

    value_fn, grad_fn = F.mse, F.mse_grad


class L1Loss(Loss):
    """mean(|ŷ - y|)."""

    value_fn, grad_fn = F.mae, F.mae_grad


class HuberLoss(Loss):
    """Quadratic for |r| <= δ, linear beyond."""

    value_fn, grad_fn = F.huber, F.huber_grad

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = positive(delta, "delta")

    def _kwargs(self) -> dict:
        return {"delta": self.delta}


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy computed from logits (never from rounded probabilities)."""

    value_fn, grad_fn = F.bce_with_logits, F.bce_with_logits_grad


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy from logits (N, K) and labels (N,) or probabilities (N, K)."""

    value_fn, grad_fn = F.cross_entropy, F.cross_entropy_grad


class HingeLoss(Loss):
    """mean(max(0, 1 - y s)), labels in {-1, +1}."""

    value_fn, grad_fn = F.hinge, F.hinge_grad


# --------------------------------------------------------------------------
# Convolution, pooling, flattening
# --------------------------------------------------------------------------


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every framework) on (N, C, H, W) input:
    y[n,f,i,j] = b[f] + Σ_{c,u,v} W[f,c,u,v] x_pad[n,c,i·sh+u,j·sw+v], W of shape (F, C, KH, KW).

    ``padding`` is an int, a pair (ph, pw), or "same"/"valid" with TensorFlow's rules.
    The output (and the input gradient) has the input's dtype; the weights are cast to it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 *, rng: np.random.Generator, stride: int | tuple[int, int] = 1,
                 padding: F.Padding = 0, bias: bool = True,
                 weight_init: init.Initializer = init.he_normal,
                 dtype: type = np.float64) -> None:
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = F._int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = F._int_pair(stride, "stride", minimum=1)
        # Validate now so that a typo fails at construction, not at the first batch.
        if F._padding_mode(padding) is None:
            F._int_pair(padding, "padding", minimum=0)
        self.padding = padding
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.W = Parameter(np.asarray(weight_init(shape, rng=generator(rng)), dtype=dtype), "W")
        self.b = Parameter(np.zeros(self.out_channels, dtype=dtype), "b") if bias else None
        self._cols: np.ndarray | None = None
        self._workspace: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Y = W_(F, C·KH·KW) @ im2col(x) + b, one matmul, reshaped to (N, F, OH, OW)."""
        F._check_images(x, "Conv2d")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2d expected input of shape (N, {self.in_channels}, H, W), "
                             f"got {x.shape} with {x.shape[1]} channels")
        *_, out = F._conv_geometry(x.shape, self.kernel_size, self.stride, self.padding,
                                   "Conv2d")
        k = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        buffer = self._buffer("cols", (k, x.shape[0] * out[0] * out[1]), x.dtype)
        cols = F.im2col(x, self.kernel_size, self.stride, self.padding, out=buffer)
        y = self._weight_matrix(x.dtype) @ cols
        if self.b is not None:
            y += self.b.data.astype(x.dtype, copy=False)[:, None]
        self._cols, self._x_shape, self._out = cols, x.shape, out
        return F._from_rows(y, x.shape[0], out)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """With G = grad as (F, N·OH·OW): ∂L/∂W = G colsᵀ, ∂L/∂b = Σ G over columns,
        ∂L/∂x = col2im(W_matᵀ G)."""
        cols = self._cached("_cols")
        n = self._x_shape[0]
        _check_grad_out(grad_out, (n, self.out_channels, *self._out), "Conv2d")
        g = F._to_rows(grad_out.astype(cols.dtype, copy=False))
        self.W.grad += (g @ cols.T).reshape(self.W.shape)
        if self.b is not None:
            self.b.grad += g.sum(axis=1)
        dcols = np.matmul(self._weight_matrix(cols.dtype).T, g,
                          out=self._buffer("dcols", cols.shape, cols.dtype))
        return F.col2im(dcols, self._x_shape, self.kernel_size, self.stride, self.padding)

    def _weight_matrix(self, dtype: np.dtype) -> np.ndarray:
        """W as (F, C·KH·KW) in the computation's dtype (a view when it already matches)."""
        return self.W.data.reshape(self.out_channels, -1).astype(dtype, copy=False)

    def _buffer(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A work array kept between calls and reused while shape and dtype stay the same.

        Why: the column matrices are large (C·KH·KW times the output), and glibc hands
        blocks above 32 MB back to the OS on free, so a fresh one page-faults on every
        call; for float64 at the benchmark's size that costs as much as filling it.
        """
        buffer = self._workspace.get(name)
        if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
            buffer = self._workspace[name] = np.empty(shape, dtype=dtype)
        return buffer

    def __repr__(self) -> str:
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding!r}, bias={self.b is not None})")


class _Pool2d(Module):
    """Shared set-up of the pooling layers: window (KH, KW), stride defaulting to the window."""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None) -> None:
        self.kernel_size = F._int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = (self.kernel_size if stride is None
                       else F._int_pair(stride, "stride", minimum=1))
        self._x_shape: tuple[int, ...] | None = None

    def _grad(self, grad_out: np.ndarray) -> np.ndarray:
        """Check grad_out against the cached output shape; return it in the input's dtype."""
        self._cached("_x_shape")  # raises if backward comes before forward
        _check_grad_out(grad_out, self._y_shape, type(self).__name__)
        return grad_out.astype(self._dtype, copy=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride})"


class MaxPool2d(_Pool2d):
    """y[n,c,i,j] = max over the window at (i·sh, j·sw); windows may overlap (stride < kernel).

    The gradient of each window goes to its argmax only. With ties it goes to ONE element,
    the first maximum in row-major window order (np.argmax), not split between them: a
    valid subgradient, and what PyTorch does too.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = max over each KH×KW window; caches the argmax for backward."""
        y, self._argmax = F.max_pool2d(x, self.kernel_size, self.stride)
        self._x_shape, self._y_shape, self._dtype = x.shape, y.shape, x.dtype
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x[p] = Σ over the windows whose argmax is p of g (scatter-add over overlaps)."""
        g = self._grad(grad_out)
        return F.max_pool2d_backward(g, self._argmax, self._x_shape, self.kernel_size,
                                     self.stride)


class AvgPool2d(_Pool2d):
    """y[n,c,i,j] = mean over the window at (i·sh, j·sw); windows may overlap."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = (1 / KH·KW) Σ over each window."""
        y = F.avg_pool2d(x, self.kernel_size, self.stride)
        self._x_shape, self._y_shape, self._dtype = x.shape, y.shape, x.dtype
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x[p] = Σ over the windows containing p of g / (KH·KW)."""
        g = self._grad(grad_out)
        return F.avg_pool2d_backward(g, self._x_shape, self.kernel_size, self.stride)


class Flatten(Module):
    """(N, d1, d2, ...) → (N, d1·d2·…); backward reshapes the gradient back."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x.reshape(N, -1)."""
        float_array(x, "Flatten input")
        if x.ndim < 2:
            raise ValueError(f"Flatten input must be at least 2-D (N, ...), got shape {x.shape}")
        self._x_shape, self._dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g.reshape(x.shape)."""
        shape = self._cached("_x_shape")
        _check_grad_out(grad_out, (shape[0], int(np.prod(shape[1:]))), "Flatten")
        return grad_out.reshape(shape).astype(self._dtype, copy=False)


# --------------------------------------------------------------------------
# Recurrent layers and embeddings
# --------------------------------------------------------------------------


class RNN(Module):
    """Elman RNN on batch-first (N, T, D) input: h_t = f(x_t W_xh + h_{t-1} W_hh + b), f = tanh
    (or ReLU); returns every hidden state (N, T, H) and keeps the last one in ``h_last``.

    W_xh is (D, H) and W_hh is (H, H), both drawn with ``weight_init``; b starts at zero.
    ``backward`` also stores ``grad_h0`` = ∂L/∂h_0 (N, H), whether or not h0 was given.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 nonlinearity: str = "tanh",
                 weight_init: init.Initializer = init.xavier_uniform,
                 dtype: type = np.float64) -> None:
        self.input_size = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        rng = generator(rng)
        d, h = self.input_size, self.hidden_size
        self.W_xh = Parameter(np.asarray(weight_init((d, h), rng=rng), dtype=dtype), "W_xh")
        self.W_hh = Parameter(np.asarray(weight_init((h, h), rng=rng), dtype=dtype), "W_hh")
        self.b = Parameter(np.zeros(h, dtype=dtype), "b")
        self._x: np.ndarray | None = None
        self.h_last: np.ndarray | None = None
        self.grad_h0: np.ndarray | None = None

    def __call__(self, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        return self.forward(x, h0)

    def _f(self, a: np.ndarray) -> np.ndarray:
        return np.tanh(a) if self.nonlinearity == "tanh" else np.maximum(a, 0.0)

    def _df(self, h: np.ndarray) -> np.ndarray:
        """f'(a) from h = f(a): tanh' = 1 - h², ReLU' = 1[h > 0]."""
        return 1.0 - h * h if self.nonlinearity == "tanh" else (h > 0).astype(h.dtype)

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """h_t = f(x_t W_xh + h_{t-1} W_hh + b) for t = 1..T, from h_0 = h0 (zeros if None)."""
        float_array(x, "RNN input", ndim=3)
        if x.shape[2] != self.input_size:
            raise ValueError(f"RNN expected input of shape (N, T, {self.input_size}), "
                             f"got {x.shape}")
        n, t_len, _ = x.shape
        dtype = np.result_type(x.dtype, self.W_xh.data.dtype)
        if h0 is None:
            h0 = np.zeros((n, self.hidden_size), dtype=dtype)
        else:
            float_array(h0, "RNN h0", ndim=2)
            if h0.shape != (n, self.hidden_size):
                raise ValueError(f"RNN h0 must have shape (N, hidden_size) = "
                                 f"{(n, self.hidden_size)}, got {h0.shape}")
        # The input projection of all time steps is one matmul; only the recurrence loops.
        xw = x @ self.W_xh.data + self.b.data
        hs = np.empty((n, t_len + 1, self.hidden_size), dtype=dtype)  # hs[:, 0] = h_0
        hs[:, 0] = h0
        for t in range(t_len):
            hs[:, t + 1] = self._f(xw[:, t] + hs[:, t] @ self.W_hh.data)
        self._x, self._hs = x, hs
        self.h_last = hs[:, -1]
        return hs[:, 1:]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Backprop through time: δ_t = (g_t + δ_{t+1} W_hhᵀ) ⊙ f'(a_t), δ_{T+1} W_hhᵀ = 0;
        ∂L/∂W_xh = Σ_t x_tᵀ δ_t, ∂L/∂W_hh = Σ_t h_{t-1}ᵀ δ_t, ∂L/∂b = Σ_t Σ_n δ_t,
        ∂L/∂x_t = δ_t W_xhᵀ, ∂L/∂h_0 = δ_1 W_hhᵀ."""
        x = self._cached("_x")
        hs = self._hs
        n, t_len, _ = x.shape
        _check_grad_out(grad_out, (n, t_len, self.hidden_size), "RNN")
        delta = np.empty_like(hs[:, 1:])
        carry = np.zeros_like(hs[:, 0])  # ∂L/∂h_t arriving from step t + 1
        for t in reversed(range(t_len)):
            delta[:, t] = (grad_out[:, t] + carry) * self._df(hs[:, t + 1])
            carry = delta[:, t] @ self.W_hh.data.T
        self.grad_h0 = carry
        d_flat = delta.reshape(-1, self.hidden_size)
        self.W_xh.grad += x.reshape(-1, self.input_size).T @ d_flat
        self.W_hh.grad += hs[:, :-1].reshape(-1, self.hidden_size).T @ d_flat
        self.b.grad += d_flat.sum(axis=0)
        return delta @ self.W_xh.data.T

    def __repr__(self) -> str:
        return (f"RNN({self.input_size}, {self.hidden_size}, "
                f"nonlinearity={self.nonlinearity!r})")


class LastStep(Module):
    """(N, T, H) → (N, H): y = x[:, -1], the last time step (many-to-one)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x[:, T - 1]."""
        float_array(x, "LastStep input", ndim=3)
        self._x_shape, self._dtype = x.shape, x.dtype
        return x[:, -1]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x[:, t] = g if t = T - 1 else 0."""
        n, t_len, h = self._cached("_x_shape")
        _check_grad_out(grad_out, (n, h), "LastStep")
        grad = np.zeros((n, t_len, h), dtype=np.result_type(self._dtype, grad_out.dtype))
        grad[:, -1] = grad_out
        return grad


class TimeDistributed(Module):
    """Apply ``module`` at every time step: (N, T, ...) → (N·T, ...) → module → (N, T, ...)."""

    def __init__(self, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"TimeDistributed needs a Module, got {type(module).__name__}")
        self.module = module
        self._x_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y[:, t] = module(x[:, t]) for all t at once, by folding time into the batch."""
        if not isinstance(x, np.ndarray):
            raise TypeError(f"TimeDistributed input must be a numpy.ndarray, "
                            f"got {type(x).__name__}")
        if x.ndim < 3:
            raise ValueError(f"TimeDistributed input must be at least 3-D (N, T, ...), "
                             f"got shape {x.shape}")
        n, t_len = x.shape[:2]
        y = self.module(x.reshape(n * t_len, *x.shape[2:]))
        self._x_shape, self._y_shape = x.shape, y.shape
        return y.reshape(n, t_len, *y.shape[1:])

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """∂L/∂x = module.backward(g folded to (N·T, ...)) unfolded to (N, T, ...)."""
        shape = self._cached("_x_shape")
        n, t_len = shape[:2]
        _check_grad_out(grad_out, (n, t_len, *self._y_shape[1:]), "TimeDistributed")
        grad = self.module.backward(grad_out.reshape(self._y_shape))
        return None if grad is None else grad.reshape(shape)

    def __repr__(self) -> str:
        return f"TimeDistributed({self.module!r})"


class Embedding(Module):
    """Lookup table: y[n, t] = W[idx[n, t]] for integer indices, W of shape (num_embeddings, dim).

    Equal to one_hot(idx) @ W without building the one-hot matrix. The weight starts
    N(0, 1) as in PyTorch unless ``weight_init`` is given. The indices are discrete, so
    ``backward`` returns None: there is no gradient with respect to the input.
    """

    def __init__(self, num_embeddings: int, dim: int, *, rng: np.random.Generator,
                 weight_init: init.Initializer | None = None,
                 dtype: type = np.float64) -> None:
        self.num_embeddings = positive_int(num_embeddings, "num_embeddings")
        self.dim = positive_int(dim, "dim")
        shape = (self.num_embeddings, self.dim)
        rng = generator(rng)
        w = rng.standard_normal(shape) if weight_init is None else weight_init(shape, rng=rng)
        self.W = Parameter(np.asarray(w, dtype=dtype), "W")
        self._idx: np.ndarray | None = None

    def forward(self, idx: np.ndarray) -> np.ndarray:
        """y = W[idx], of shape idx.shape + (dim,)."""
        if not isinstance(idx, np.ndarray):
            raise TypeError(f"Embedding input must be a numpy.ndarray of integer indices, "
                            f"got {type(idx).__name__}")
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"Embedding input must have an integer dtype, got {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise ValueError(f"Embedding indices must be in [0, num_embeddings="
                             f"{self.num_embeddings}), got min {idx.min()} and max {idx.max()}")
        self._idx = idx
        return self.W.data[idx]

    def backward(self, grad_out: np.ndarray) -> None:
        """∂L/∂W[k] = Σ over positions with idx = k of g (np.add.at, so repeats add up);
        returns None: integer indices have no gradient."""
        idx = self._cached("_idx")
        _check_grad_out(grad_out, (*idx.shape, self.dim), "Embedding")
        np.add.at(self.W.grad, idx, grad_out)
        return None

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.dim})"


# --------------------------------------------------------------------------
# Regularisation and normalisation
# --------------------------------------------------------------------------


class Dropout(Module):
    """Inverted dropout: training y = x ⊙ m / (1 - p), m ~ Bernoulli(1 - p); evaluation y = x.

    Scaling at training time keeps E[y] = x, so evaluation needs no rescaling.
    ``freeze_mask()`` makes later forward passes reuse the last mask, so that a gradient
    check sees one fixed function; ``freeze_mask(False)`` draws fresh masks again.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator) -> None:
        self.p = in_unit_interval(p, "p")
        self.rng = generator(rng)
        self.frozen = False
        self.mask: np.ndarray | None = None  # m / (1 - p) of the last training pass
        self._scale: np.ndarray | None = None  # what the last forward multiplied by (None: 1)
        self._x_shape: tuple[int, ...] | None = None

    def freeze_mask(self, frozen: bool = True) -> Dropout:
        """Reuse the current mask in later training passes (for gradient checks)."""
        self.frozen = bool(frozen)
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x ⊙ m / (1 - p) in training mode, y = x in evaluation mode."""
        float_array(x, "Dropout input")
        if not self.training or self.p == 0.0:
            self._scale, self._x_shape = None, x.shape
            return x
        if self.frozen and self.mask is not None:
            if self.mask.shape != x.shape:
                raise ValueError(f"Dropout has a frozen mask of shape {self.mask.shape}, "
                                 f"got input of shape {x.shape}")
        else:
            keep = self.rng.random(x.shape) < 1.0 - self.p
            self.mask = keep.astype(x.dtype) / (1.0 - self.p)
        self._scale, self._x_shape = self.mask, x.shape
        return x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g ⊙ m / (1 - p) with the forward pass's mask (g in evaluation mode)."""
        shape = self._cached("_x_shape")
        _check_grad_out(grad_out, shape, "Dropout")
        return grad_out if self._scale is None else grad_out * self._scale

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm1d(Module):
    """y = γ (x - μ) / √(σ² + ε) + β per feature of (N, C) input, with the batch's μ, σ²
    (biased) in training and the running averages in evaluation.

    Training also updates running = (1 - momentum)·running + momentum·batch, with the
    unbiased variance N/(N-1)·σ² for ``running_var``, as PyTorch does.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5,
                 dtype: type = np.float64) -> None:
        self.num_features = positive_int(num_features, "num_features")
        self.momentum = in_unit_interval(momentum, "momentum", closed_right=True)
        self.eps = positive(eps, "eps")
        self.gamma = Parameter(np.ones(self.num_features, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(self.num_features, dtype=dtype), "beta")
        # Buffers, not Parameters: the optimiser never touches them.
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self._xhat: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x̂ = (x - μ) / √(σ² + ε), y = γ x̂ + β; μ, σ² from the batch (training) or running."""
        float_array(x, "BatchNorm1d input", ndim=2)
        if x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d expected input of shape (N, {self.num_features}), "
                             f"got {x.shape}")
        n = x.shape[0]
        if self.training:
            if n < 2:
                raise ValueError(f"BatchNorm1d in training mode needs a batch of more than 1 "
                                 f"example to estimate a variance, got input of shape {x.shape}; "
                                 f"use a larger batch or call .eval()")
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.running_mean = (1.0 - m) * self.running_mean + m * mean
            self.running_var = (1.0 - m) * self.running_var + m * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._xhat = (x - mean) * self._inv_std
        self._batch_stats = self.training
        return self.gamma.data * self._xhat + self.beta.data

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂γ = Σ_n g ⊙ x̂, ∂L/∂β = Σ_n g; ∂L/∂x = (γ/σ)/N · (N g - Σ_n g - x̂ Σ_n g ⊙ x̂)
        with batch statistics, and γ g / σ with running ones (then μ, σ are constants)."""
        xhat = self._cached("_xhat")
        g = _check_grad_out(grad_out, xhat.shape, "BatchNorm1d")
        sum_g, sum_gx = g.sum(axis=0), (g * xhat).sum(axis=0)
        self.gamma.grad += sum_gx
        self.beta.grad += sum_g
        scale = self.gamma.data * self._inv_std
        if not self._batch_stats:
            return g * scale
        # With batch statistics μ and σ depend on every x_j. From x̂_i = (x_i - μ)/σ,
        # ∂μ/∂x_j = 1/N and ∂σ/∂x_j = x̂_j/N, so ∂x̂_i/∂x_j = (δ_ij - 1/N - x̂_i x̂_j/N)/σ.
        # Summing γ g_i times this over i gives the compact form in the docstring.
        n = xhat.shape[0]
        return (scale / n) * (n * g - sum_g - xhat * sum_gx)

    def __repr__(self) -> str:
        return (f"BatchNorm1d({self.num_features}, momentum={self.momentum}, "
                f"eps={self.eps})")


# --------------------------------------------------------------------------
# Skip connections
# --------------------------------------------------------------------------


class Residual(Module):
    """Skip connection y = x + f(x) around an inner module f that keeps the shape of x.

    The Jacobian is I + ∂f/∂x, so ``backward`` returns g + f.backward(g): the gradient
    reaches x through the identity path even when the path through f is tiny.
    """

    def __init__(self, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"Residual needs a Module to wrap, got {type(module).__name__}")
        self.module = module
        self._x_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x + f(x); raises ValueError if f(x) does not have the shape of x."""
        float_array(x, "Residual input")
        fx = self.module(x)
        if fx.shape != x.shape:
            raise ValueError(f"Residual needs an inner module that preserves the shape: "
                             f"input has shape {x.shape}, inner module {self.module!r} "
                             f"returned shape {fx.shape}")
        self._x_shape = x.shape
        return x + fx

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g (I + ∂f/∂x) = g + f.backward(g)."""
        shape = self._cached("_x_shape")
        _check_grad_out(grad_out, shape, "Residual")
        return grad_out + self.module.backward(grad_out)

    def __repr__(self) -> str:
        return f"Residual({self.module!r})"
