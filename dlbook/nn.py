"""Layers with explicit forward and backward passes, and loss modules.

The shape follows PyTorch (``Module``, ``Parameter``, ``parameters()``,
``zero_grad()``, ``train()``/``eval()``), the mechanics follow the textbook:
``forward`` caches exactly what ``backward`` needs; ``backward(grad_out)``
adds ∂L/∂θ into each parameter's ``.grad`` and returns ∂L/∂x.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import numpy as np

from dlbook import functional as F
from dlbook import init
from dlbook._checks import (
    boolean,
    float_array,
    float_dtype,
    function,
    generator,
    in_unit_interval,
    indices,
    instance,
    one_of,
    optional,
    positive,
    positive_int,
    sequence_of,
    shape,
)


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
    """Base class: subclasses define ``forward(x)`` and ``backward(grad_out)``.

    The checks every layer shares run here, once, so that each layer's listing is its
    maths: ``forward`` first calls the layer's ``check_input`` (by default: x must be a
    floating array) and records the output's shape; ``backward`` raises if no forward
    pass came first, and checks that ``grad_out`` is a floating array of that shape.
    """

    training: bool = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "forward" in vars(cls):
            cls.forward = _checked_forward(cls.forward)
        if "backward" in vars(cls):
            cls.backward = _checked_backward(cls.backward)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the output and cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Given ∂L/∂output, accumulate ∂L/∂θ into ``.grad`` and return ∂L/∂input."""
        raise NotImplementedError

    def check_input(self, x: np.ndarray) -> None:
        """Raise TypeError/ValueError if ``forward`` cannot take ``x``."""
        float_array(x, f"{type(self).__name__} input")

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
        self.training = boolean(mode, "mode")
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (dropout off, batch norm uses running statistics)."""
        return self.train(False)

    def __repr__(self) -> str:
        """Name(setting=value, ...) from the public scalar attributes, then the children."""
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                             if isinstance(v, bool | int | float | str | tuple)
                             and not k.startswith("_") and k != "training")
        kids = "".join(f"\n  ({name}): " + repr(child).replace("\n", "\n  ")
                       for name, child in self.children())
        return f"{type(self).__name__}({settings}{kids}{chr(10) if kids else ''})"


def _checked_forward(forward: Callable) -> Callable:
    """forward, preceded by ``self.check_input`` and followed by recording the output shape."""

    @functools.wraps(forward)
    def checked(self: Module, *args: object, **kwargs: object) -> np.ndarray:
        self.check_input(*args, **kwargs)
        y = forward(self, *args, **kwargs)
        self._out_shape = y.shape
        return y

    return checked


def _checked_backward(backward: Callable) -> Callable:
    """backward, preceded by checking that forward ran and that grad_out fits its output."""

    @functools.wraps(backward)
    def checked(self: Module, grad_out: np.ndarray) -> np.ndarray | None:
        out_shape = getattr(self, "_out_shape", None)
        if out_shape is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        _check_grad_out(grad_out, out_shape, type(self).__name__)
        return backward(self, grad_out)

    return checked


def _check_grad_out(grad_out: np.ndarray, out_shape: tuple[int, ...], owner: str) -> None:
    float_array(grad_out, f"{owner} grad_out")
    if grad_out.shape != out_shape:
        raise ValueError(f"{owner} grad_out must have the output's shape {out_shape}, "
                         f"got {grad_out.shape}")


def _check_input_shape(x: np.ndarray, owner: str, layout: tuple[int | str, ...]) -> None:
    """x must be a floating array of shape ``layout``, whose str entries may be any size."""
    float_array(x, f"{owner} input")
    if x.ndim != len(layout):
        raise ValueError(f"{owner} input must be {len(layout)}-D, got shape {x.shape}; "
                         f"expected {_layout(layout)}")
    if any(isinstance(e, int) and s != e for s, e in zip(x.shape, layout, strict=True)):
        raise ValueError(f"{owner} expected input of shape {_layout(layout)}, got {x.shape}")


def _layout(layout: tuple[int | str, ...]) -> str:
    return "(" + ", ".join(map(str, layout)) + ")"


def _bias(bias: bool, size: int, dtype: type) -> Parameter | None:
    """Parameter b = 0 of shape (size,), or None when ``bias`` is False."""
    return Parameter(np.zeros(size, dtype=dtype), "b") if boolean(bias, "bias") else None


def _weight(weight_init: init.Initializer, shape: tuple[int, ...], rng: np.random.Generator,
                dtype: type, name: str) -> Parameter:
    """Parameter(weight_init(shape, rng=rng) as dtype), checking what the initialiser returned."""
    function(weight_init, "weight_init")
    w = weight_init(shape, rng=generator(rng))
    if not isinstance(w, np.ndarray) or w.shape != shape:
        got = w.shape if isinstance(w, np.ndarray) else type(w).__name__
        raise ValueError(f"weight_init must return an array of shape {shape} for {name}, got {got}")
    return Parameter(w.astype(float_dtype(dtype, "dtype")), name)


class Dense(Module):
    """Fully connected layer y = x W + b, with W of shape (in_features, out_features)."""

    def __init__(self, in_features: int, out_features: int, *, rng: np.random.Generator,
                 weight_init: init.Initializer = init.xavier_uniform, bias: bool = True,
                 dtype: type = np.float64) -> None:
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        self.W = _weight(weight_init, (in_features, out_features), rng, dtype, "W")
        self.b = _bias(bias, out_features, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x W + b for x of shape (N, in_features)."""
        self.x = x
        y = x @ self.W.data
        return y + self.b.data if self.b is not None else y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂W = xᵀ g, ∂L/∂b = Σ_n g_n, ∂L/∂x = g Wᵀ."""
        self.W.grad += self.x.T @ grad_out
        if self.b is not None:
            self.b.grad += grad_out.sum(axis=0)
        return grad_out @ self.W.data.T

    def check_input(self, x: np.ndarray) -> None:
        _check_input_shape(x, "Dense", ("N", self.in_features))


class StackedDense(Module):
    """K Dense layers side by side, one per network: y[k] = x[k] W[k] + b[k], with
    W (K, in, out), b (K, 1, out) and input x (K, N, in).

    Trains K copies of a network (other seeds, learning rates or inputs) in one pass.
    The slices never mix, so slice k computes what ``layers[k]`` would on x[k]; an
    elementwise optimiser (SGD, Adam, ...) then updates each slice as it would alone.
    """

    def __init__(self, layers: list[Dense]) -> None:
        _check_stackable(layers)
        self.W = Parameter(np.stack([layer.W.data for layer in layers]), "W")
        self.b = Parameter(np.stack([layer.b.data[None] for layer in layers]), "b")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y[k] = x[k] W[k] + b[k], one batched matmul."""
        self.x = x
        return x @ self.W.data + self.b.data

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Dense's backward for each slice: ∂L/∂W[k] = x[k]ᵀ g[k], ∂L/∂b[k] = Σ_n g[k, n],
        ∂L/∂x[k] = g[k] W[k]ᵀ."""
        self.W.grad += self.x.transpose(0, 2, 1) @ grad_out
        self.b.grad += grad_out.sum(axis=1, keepdims=True)
        return grad_out @ self.W.data.transpose(0, 2, 1)

    def check_input(self, x: np.ndarray) -> None:
        _check_input_shape(x, "StackedDense", (len(self.W.data), "N", self.W.data.shape[1]))


def _check_stackable(layers: object) -> None:
    """A non-empty list of Dense layers with biases, all of one shape and dtype."""
    sequence_of(instance(Dense))(layers, "layers")
    first = layers[0]  # type: ignore[index]
    for i, layer in enumerate(layers):  # type: ignore[arg-type]
        if layer.b is None:
            raise ValueError(f"layers[{i}] has no bias; StackedDense needs Dense(..., bias=True)")
        if layer.W.data.shape != first.W.data.shape or layer.W.data.dtype != first.W.data.dtype:
            raise ValueError(f"layers must share one shape and dtype: layers[0] has W "
                             f"{first.W.data.dtype} {first.W.data.shape}, layers[{i}] has "
                             f"{layer.W.data.dtype} {layer.W.data.shape}")


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
        self.x = x
        return self.f(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g ⊙ f'(x)."""
        return grad_out * self.df(self.x)


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


class ELU(Activation):
    """x if x > 0 else α(e^x - 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = positive(alpha, "alpha")

    def f(self, x: np.ndarray) -> np.ndarray:
        return F.elu(x, self.alpha)

    def df(self, x: np.ndarray) -> np.ndarray:
        return F.elu_grad(x, self.alpha)


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


class Softmax(Module):
    """softmax over the last axis; backward is the vector-Jacobian product."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """s = softmax(x) along the last axis."""
        self.s = F.softmax(x, axis=-1)
        return self.s

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = s ⊙ (g - Σ_j g_j s_j)."""
        return F.softmax_backward(self.s, grad_out)


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        self.layers = [instance(Module)(layer, f"Sequential layer {i}")
                       for i, layer in enumerate(layers)]

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

    def check_input(self, x: np.ndarray) -> None:
        """Nothing here: each layer checks its own input."""

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------


class Loss:
    """``loss(pred, target)`` returns the mean loss; ``backward()`` returns ∂loss/∂pred."""

    value_fn: Callable[..., float]
    grad_fn: Callable[..., np.ndarray]
    pred: np.ndarray | None = None

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Mean loss over the batch; caches the inputs for ``backward``."""
        value = type(self).value_fn(pred, target, **self.options())
        self.pred, self.target = pred, target
        return value

    def backward(self) -> np.ndarray:
        """Gradient of the last computed loss with respect to ``pred``."""
        _check_forward_ran(self)
        return type(self).grad_fn(self.pred, self.target, **self.options())

    def options(self) -> dict:
        """Keyword arguments of value_fn and grad_fn besides (pred, target)."""
        return {}

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)

    __repr__ = Module.__repr__


def _check_forward_ran(loss: Loss) -> None:
    if loss.pred is None:
        raise RuntimeError(f"{type(loss).__name__}.backward called before forward")


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

    def options(self) -> dict:
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
        self.padding = _check_padding(padding)  # a typo fails here, not at the first batch
        shape = (out_channels, in_channels, *self.kernel_size)
        self.W = _weight(weight_init, shape, rng, dtype, "W")
        self.b = _bias(bias, out_channels, dtype)
        self.buffers = _Buffers()

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Y = W_(F, C·KH·KW) @ im2col(x) + b, one matmul, reshaped to (N, F, OH, OW)."""
        self.x_shape = x.shape
        self.cols = self._im2col(x)  # (C·KH·KW, N·OH·OW)
        y = self._weight_matrix(x.dtype) @ self.cols  # (F, N·OH·OW)
        if self.b is not None:
            y += self.b.data.astype(x.dtype, copy=False)[:, None]
        return F._from_rows(y, x.shape[0], self.out_hw)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """With G = grad as (F, N·OH·OW): ∂L/∂W = G colsᵀ, ∂L/∂b = Σ G over columns,
        ∂L/∂x = col2im(W_matᵀ G)."""
        g = F._to_rows(grad_out.astype(self.cols.dtype, copy=False))
        self.W.grad += (g @ self.cols.T).reshape(self.W.shape)
        if self.b is not None:
            self.b.grad += g.sum(axis=1)
        dcols = self.buffers.matmul("dcols", self._weight_matrix(g.dtype).T, g)
        return F.col2im(dcols, self.x_shape, self.kernel_size, self.stride, self.padding)

    def check_input(self, x: np.ndarray) -> None:
        _check_input_shape(x, "Conv2d", ("N", self.in_channels, "H", "W"))

    def _im2col(self, x: np.ndarray) -> np.ndarray:
        """im2col(x) written into a buffer reused between calls (see ``_Buffers``)."""
        *_, self.out_hw = F._conv_geometry(x.shape, self.kernel_size, self.stride,
                                           self.padding, "Conv2d")
        rows = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        cols = x.shape[0] * self.out_hw[0] * self.out_hw[1]
        out = self.buffers.get("cols", (rows, cols), x.dtype)
        return F.im2col(x, self.kernel_size, self.stride, self.padding, out=out)

    def _weight_matrix(self, dtype: np.dtype) -> np.ndarray:
        """W as (F, C·KH·KW) in the computation's dtype (a view when it already matches)."""
        return self.W.data.reshape(self.out_channels, -1).astype(dtype, copy=False)


class _Buffers:
    """Work arrays kept between calls and reused while shape and dtype stay the same.

    Why: the column matrices of a convolution are large (C·KH·KW times the output), and
    glibc hands blocks above 32 MB back to the OS on free, so a fresh one page-faults on
    every call; for float64 at the benchmark's size that costs as much as filling it.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        buffer = self.arrays.get(name)
        if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
            buffer = self.arrays[name] = np.empty(shape, dtype=dtype)
        return buffer

    def matmul(self, name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a @ b, written into the buffer ``name``."""
        out = self.get(name, (a.shape[0], b.shape[1]), np.result_type(a, b))
        return np.matmul(a, b, out=out)

    def __repr__(self) -> str:
        return f"_Buffers({sorted(self.arrays)})"


def _check_padding(padding: F.Padding) -> F.Padding:
    if F._padding_mode(padding) is None:
        F._int_pair(padding, "padding", minimum=0)
    return padding


class _Pool2d(Module):
    """Shared set-up of the pooling layers: window (KH, KW), stride defaulting to the window."""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None) -> None:
        self.kernel_size = F._int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = (self.kernel_size if stride is None
                       else F._int_pair(stride, "stride", minimum=1))


class MaxPool2d(_Pool2d):
    """y[n,c,i,j] = max over the window at (i·sh, j·sw); windows may overlap (stride < kernel).

    The gradient of each window goes to its argmax only. With ties it goes to ONE element,
    the first maximum in row-major window order (np.argmax), not split between them: a
    valid subgradient, and what PyTorch does too.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = max over each KH×KW window; caches the argmax for backward."""
        y, self.argmax = F.max_pool2d(x, self.kernel_size, self.stride)
        self.x_shape, self.dtype = x.shape, x.dtype
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x[p] = Σ over the windows whose argmax is p of g (scatter-add over overlaps)."""
        g = grad_out.astype(self.dtype, copy=False)
        return F.max_pool2d_backward(g, self.argmax, self.x_shape, self.kernel_size, self.stride)


class AvgPool2d(_Pool2d):
    """y[n,c,i,j] = mean over the window at (i·sh, j·sw); windows may overlap."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = (1 / KH·KW) Σ over each window."""
        self.x_shape, self.dtype = x.shape, x.dtype
        return F.avg_pool2d(x, self.kernel_size, self.stride)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x[p] = Σ over the windows containing p of g / (KH·KW)."""
        g = grad_out.astype(self.dtype, copy=False)
        return F.avg_pool2d_backward(g, self.x_shape, self.kernel_size, self.stride)


class Flatten(Module):
    """(N, d1, d2, ...) → (N, d1·d2·…); backward reshapes the gradient back."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x.reshape(N, -1)."""
        self.x_shape, self.dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g.reshape(x.shape)."""
        return grad_out.reshape(self.x_shape).astype(self.dtype, copy=False)

    def check_input(self, x: np.ndarray) -> None:
        _check_min_ndim(x, "Flatten input", 2, "(N, ...)", floating=True)


def _check_min_ndim(x: np.ndarray, name: str, ndim: int, layout: str,
                    floating: bool = False) -> None:
    if floating:
        float_array(x, name)
    elif not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if x.ndim < ndim:
        raise ValueError(f"{name} must be at least {ndim}-D {layout}, got shape {x.shape}")


# --------------------------------------------------------------------------
# Recurrent layers and embeddings
# --------------------------------------------------------------------------


class RNN(Module):
    """Elman RNN on batch-first (N, T, D) input: h_t = f(x_t W_xh + h_{t-1} W_hh + b), f = tanh
    (or ReLU); returns every hidden state (N, T, H) and keeps the last one in ``h_last``.

    W_xh is (D, H) and W_hh is (H, H), both drawn with ``weight_init``; b starts at zero.
    ``backward`` also stores ``grad_h0`` = ∂L/∂h_0 (N, H), whether or not h0 was given, and
    ``grad_h`` = ∂L/∂h_t (N, T, H), to plot how the gradient decays over t.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 nonlinearity: str = "tanh",
                 weight_init: init.Initializer = init.xavier_uniform,
                 dtype: type = np.float64) -> None:
        self.input_size = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        self.nonlinearity = one_of("tanh", "relu")(nonlinearity, "nonlinearity")
        d, h = input_size, hidden_size
        self.W_xh = _weight(weight_init, (d, h), rng, dtype, "W_xh")
        self.W_hh = _weight(weight_init, (h, h), rng, dtype, "W_hh")
        self.b = Parameter(np.zeros(h, dtype=dtype), "b")
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
        n, t_len, _ = x.shape
        hs = np.zeros((n, t_len + 1, self.hidden_size), dtype=np.result_type(x, self.b.data))
        if h0 is not None:
            hs[:, 0] = h0  # hs[:, t] is h_t
        xw = x @ self.W_xh.data + self.b.data  # the input projection of all steps: one matmul
        for t in range(t_len):
            hs[:, t + 1] = self._f(xw[:, t] + hs[:, t] @ self.W_hh.data)
        self.x, self.hs = x, hs
        self.h_last = hs[:, -1]
        return hs[:, 1:]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Backprop through time: δ_t = (g_t + δ_{t+1} W_hhᵀ) ⊙ f'(a_t), δ_{T+1} W_hhᵀ = 0;
        ∂L/∂W_xh = Σ_t x_tᵀ δ_t, ∂L/∂W_hh = Σ_t h_{t-1}ᵀ δ_t, ∂L/∂b = Σ_t Σ_n δ_t,
        ∂L/∂x_t = δ_t W_xhᵀ, ∂L/∂h_0 = δ_1 W_hhᵀ."""
        x, hs = self.x, self.hs
        delta, self.grad_h = np.empty_like(hs[:, 1:]), np.empty_like(hs[:, 1:])  # ∂L/∂h_t
        carry = np.zeros_like(hs[:, 0])  # ∂L/∂h_t arriving from step t + 1
        for t in reversed(range(x.shape[1])):
            self.grad_h[:, t] = grad_out[:, t] + carry
            delta[:, t] = self.grad_h[:, t] * self._df(hs[:, t + 1])
            carry = delta[:, t] @ self.W_hh.data.T
        self.grad_h0 = carry
        d_flat = delta.reshape(-1, self.hidden_size)
        self.W_xh.grad += x.reshape(-1, self.input_size).T @ d_flat
        self.W_hh.grad += hs[:, :-1].reshape(-1, self.hidden_size).T @ d_flat
        self.b.grad += d_flat.sum(axis=0)
        return delta @ self.W_xh.data.T

    def check_input(self, x: np.ndarray, h0: np.ndarray | None = None) -> None:
        _check_input_shape(x, "RNN", ("N", "T", self.input_size))
        optional(lambda v, name: shape(v, name, (len(x), self.hidden_size)))(h0, "RNN h0")


class LastStep(Module):
    """(N, T, H) → (N, H): y = x[:, -1], the last time step (many-to-one)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x[:, T - 1]."""
        self.x_shape, self.dtype = x.shape, x.dtype
        return x[:, -1]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x[:, t] = g if t = T - 1 else 0."""
        grad = np.zeros(self.x_shape, dtype=np.result_type(self.dtype, grad_out.dtype))
        grad[:, -1] = grad_out
        return grad

    def check_input(self, x: np.ndarray) -> None:
        float_array(x, "LastStep input", ndim=3)


class TimeDistributed(Module):
    """Apply ``module`` at every time step: (N, T, ...) → (N·T, ...) → module → (N, T, ...)."""

    def __init__(self, module: Module) -> None:
        self.module = instance(Module)(module, "module")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y[:, t] = module(x[:, t]) for all t at once, by folding time into the batch."""
        n, t_len = x.shape[:2]
        y = self.module(x.reshape(n * t_len, *x.shape[2:]))
        self.x_shape, self.y_shape = x.shape, y.shape
        return y.reshape(n, t_len, *y.shape[1:])

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """∂L/∂x = module.backward(g folded to (N·T, ...)) unfolded to (N, T, ...)."""
        grad = self.module.backward(grad_out.reshape(self.y_shape))
        return None if grad is None else grad.reshape(self.x_shape)

    def check_input(self, x: np.ndarray) -> None:
        _check_min_ndim(x, "TimeDistributed input", 3, "(N, T, ...)")


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
        self.W = _weight(weight_init or _standard_normal, (num_embeddings, dim), rng, dtype, "W")

    def forward(self, idx: np.ndarray) -> np.ndarray:
        """y = W[idx], of shape idx.shape + (dim,)."""
        self.idx = idx
        return self.W.data[idx]

    def backward(self, grad_out: np.ndarray) -> None:
        """∂L/∂W[k] = Σ over positions with idx = k of g (np.add.at, so repeats add up);
        returns None: integer indices have no gradient."""
        np.add.at(self.W.grad, self.idx, grad_out)
        return None

    def check_input(self, idx: np.ndarray) -> None:
        indices(idx, "Embedding input", self.num_embeddings)


def _standard_normal(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(shape)


class LSTM(Module):
    """LSTM on batch-first (N, T, D) input, with PyTorch's nn.LSTM equations and gate order
    (i, f, g, o). With z_t = x_t W_ih + h_{t-1} W_hh + b split into four H-wide blocks:
    i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o),
    c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t).
    Returns every h_t (N, T, H) and keeps ``h_last`` and ``c_last``.

    W_ih is (D, 4H) and W_hh is (H, 4H), the transposes of PyTorch's weight_ih_l0 and
    weight_hh_l0 (dlbook computes x W); the one bias b (4H) stands for PyTorch's
    bias_ih_l0 + bias_hh_l0, which only ever appear summed. b starts at zero.
    ``backward`` stores ``grad_h0``, ``grad_c0`` (N, H) and, per step, ``grad_h`` and
    ``grad_c`` (N, T, H): ∂L/∂h_t and ∂L/∂c_t (total, also through h_t), to plot how the
    gradient decays over t.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 weight_init: init.Initializer = init.xavier_uniform,
                 dtype: type = np.float64) -> None:
        self.input_size = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        d, h = input_size, hidden_size
        self.W_ih = _weight(weight_init, (d, 4 * h), rng, dtype, "W_ih")
        self.W_hh = _weight(weight_init, (h, 4 * h), rng, dtype, "W_hh")
        self.b = Parameter(np.zeros(4 * h, dtype=dtype), "b")
        self.h_last: np.ndarray | None = None
        self.c_last: np.ndarray | None = None
        self.grad_h0: np.ndarray | None = None
        self.grad_c0: np.ndarray | None = None

    def __call__(self, x: np.ndarray,
                 state: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        return self.forward(x, state)

    def forward(self, x: np.ndarray,
                state: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """For t = 1..T from (h_0, c_0) = state (zeros if None), z = x_t W_ih + h_{t-1} W_hh + b:
        i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o);
        c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)."""
        n, t_len, _ = x.shape
        dtype = np.result_type(x, self.b.data)
        hs = np.zeros((n, t_len + 1, self.hidden_size), dtype=dtype)  # hs[:, t] is h_t
        cs = np.zeros_like(hs)  # cs[:, t] is c_t
        if state is not None:
            hs[:, 0], cs[:, 0] = state
        gates = np.empty((n, t_len, 4 * self.hidden_size), dtype=dtype)  # (i, f, g, o) per step
        xw = x @ self.W_ih.data + self.b.data  # the input projection of all steps: one matmul
        for t in range(t_len):
            z_i, z_f, z_g, z_o = np.split(xw[:, t] + hs[:, t] @ self.W_hh.data, 4, axis=1)
            i, f, g, o = F.sigmoid(z_i), F.sigmoid(z_f), np.tanh(z_g), F.sigmoid(z_o)
            cs[:, t + 1] = f * cs[:, t] + i * g
            hs[:, t + 1] = o * np.tanh(cs[:, t + 1])
            gates[:, t] = np.concatenate([i, f, g, o], axis=1)
        self.x, self.hs, self.cs, self.gates = x, hs, cs, gates
        self.h_last, self.c_last = hs[:, -1], cs[:, -1]
        return hs[:, 1:]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Backprop through time, from t = T down to 1, with dh = ∂L/∂h_t = g_t + dz_{t+1} W_hhᵀ:
        dc = ∂L/∂c_t = dc_{t+1} ⊙ f_{t+1} + dh ⊙ o ⊙ (1 - tanh²(c_t)),
        dz = (dc ⊙ g ⊙ σ'_i, dc ⊙ c_{t-1} ⊙ σ'_f, dc ⊙ i ⊙ (1 - g²), dh ⊙ tanh(c_t) ⊙ σ'_o),
        with σ' = s(1 - s) for a gate of value s; ∂L/∂W_ih = Σ_t x_tᵀ dz_t, ∂L/∂b = Σ_t Σ_n dz_t,
        ∂L/∂W_hh = Σ_t h_{t-1}ᵀ dz_t, ∂L/∂x_t = dz_t W_ihᵀ; ∂L/∂h_0 = dz_1 W_hhᵀ,
        ∂L/∂c_0 = dc_1 ⊙ f_1."""
        x, hs, cs = self.x, self.hs, self.cs
        dz = np.empty_like(self.gates)  # ∂L/∂z_t, the gates before their nonlinearities
        self.grad_h, self.grad_c = np.empty_like(hs[:, 1:]), np.empty_like(cs[:, 1:])
        carry_h, carry_c = np.zeros_like(hs[:, 0]), np.zeros_like(cs[:, 0])  # from step t + 1
        for t in reversed(range(x.shape[1])):
            i, f, g, o = np.split(self.gates[:, t], 4, axis=1)
            tanh_c = np.tanh(cs[:, t + 1])
            dh = self.grad_h[:, t] = grad_out[:, t] + carry_h
            dc = self.grad_c[:, t] = carry_c + dh * o * (1.0 - tanh_c**2)
            dz[:, t] = np.concatenate([dc * g * i * (1.0 - i), dc * cs[:, t] * f * (1.0 - f),
                                       dc * i * (1.0 - g**2), dh * tanh_c * o * (1.0 - o)], axis=1)
            carry_h, carry_c = dz[:, t] @ self.W_hh.data.T, dc * f
        self.grad_h0, self.grad_c0 = carry_h, carry_c
        dz_flat = dz.reshape(-1, 4 * self.hidden_size)
        self.W_ih.grad += x.reshape(-1, self.input_size).T @ dz_flat
        self.W_hh.grad += hs[:, :-1].reshape(-1, self.hidden_size).T @ dz_flat
        self.b.grad += dz_flat.sum(axis=0)
        return dz @ self.W_ih.data.T

    def check_input(self, x: np.ndarray,
                    state: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        _check_input_shape(x, "LSTM", ("N", "T", self.input_size))
        _check_lstm_state(state, len(x), self.hidden_size)


def _check_lstm_state(state: object, n: int, hidden_size: int) -> None:
    """state is None or a pair (h0, c0) of floating arrays of shape (N, H)."""
    if state is None:
        return
    if not isinstance(state, tuple | list):
        raise TypeError(f"LSTM state must be None or a pair (h0, c0), "
                        f"got {type(state).__name__}")
    if len(state) != 2:
        raise ValueError(f"LSTM state must be a pair (h0, c0), got a {type(state).__name__} "
                         f"of length {len(state)}")
    for name, value in zip(("h0", "c0"), state, strict=True):
        shape(value, f"LSTM state {name}", (n, hidden_size))


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
        self.scale: np.ndarray | None = None  # what the last forward multiplied by (None: 1)

    def freeze_mask(self, frozen: bool = True) -> Dropout:
        """Reuse the current mask in later training passes (for gradient checks)."""
        self.frozen = boolean(frozen, "frozen")
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x ⊙ m / (1 - p) in training mode, y = x in evaluation mode."""
        if not self.training or self.p == 0.0:
            self.scale = None
            return x
        if not (self.frozen and self.mask is not None):
            keep = self.rng.random(x.shape) < 1.0 - self.p
            self.mask = keep.astype(x.dtype) / (1.0 - self.p)
        self.scale = self.mask
        return x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g ⊙ m / (1 - p) with the forward pass's mask (g in evaluation mode)."""
        return grad_out if self.scale is None else grad_out * self.scale

    def check_input(self, x: np.ndarray) -> None:
        float_array(x, "Dropout input")
        if self.training and self.frozen and self.mask is not None and self.mask.shape != x.shape:
            raise ValueError(f"Dropout has a frozen mask of shape {self.mask.shape}, "
                             f"got input of shape {x.shape}")


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
        self.gamma = Parameter(np.ones(num_features, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(num_features, dtype=dtype), "beta")
        # Buffers, not Parameters: the optimiser never touches them.
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x̂ = (x - μ) / √(σ² + ε), y = γ x̂ + β; μ, σ² from the batch (training) or running."""
        if self.training:
            n, m = x.shape[0], self.momentum
            mean, var = x.mean(axis=0), x.var(axis=0)
            self.running_mean = (1.0 - m) * self.running_mean + m * mean
            self.running_var = (1.0 - m) * self.running_var + m * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        self.batch_stats = self.training
        return self.gamma.data * self.xhat + self.beta.data

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂γ = Σ_n g ⊙ x̂, ∂L/∂β = Σ_n g; ∂L/∂x = (γ/σ)/N · (N g - Σ_n g - x̂ Σ_n g ⊙ x̂)
        with batch statistics, and γ g / σ with running ones (then μ, σ are constants)."""
        g, xhat = grad_out, self.xhat
        sum_g, sum_gx = g.sum(axis=0), (g * xhat).sum(axis=0)
        self.gamma.grad += sum_gx
        self.beta.grad += sum_g
        scale = self.gamma.data * self.inv_std
        if not self.batch_stats:
            return g * scale
        # With batch statistics μ and σ depend on every x_j. From x̂_i = (x_i - μ)/σ,
        # ∂μ/∂x_j = 1/N and ∂σ/∂x_j = x̂_j/N, so ∂x̂_i/∂x_j = (δ_ij - 1/N - x̂_i x̂_j/N)/σ.
        # Summing γ g_i times this over i gives the compact form in the docstring.
        n = xhat.shape[0]
        return (scale / n) * (n * g - sum_g - xhat * sum_gx)

    def check_input(self, x: np.ndarray) -> None:
        _check_input_shape(x, "BatchNorm1d", ("N", self.num_features))
        if self.training and x.shape[0] < 2:
            raise ValueError(f"BatchNorm1d in training mode needs a batch of more than 1 "
                             f"example to estimate a variance, got input of shape {x.shape}; "
                             f"use a larger batch or call .eval()")


class BatchNorm2d(Module):
    """Batch norm for images (N, C, H, W): channel c is normalised with the mean and variance
    of all its N·H·W values, y = γ_c (x - μ_c) / √(σ²_c + ε) + β_c.

    That is BatchNorm1d on the (N·H·W, C) matrix whose rows are pixels, which is how it is
    computed: 2C parameters, whatever the image size.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5,
                 dtype: type = np.float64) -> None:
        self.bn = BatchNorm1d(num_features, momentum, eps, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = BatchNorm1d(pixels of x), with pixels (N·H·W, C), reshaped back."""
        n, c, h, w = x.shape
        y = self.bn(x.transpose(0, 2, 3, 1).reshape(-1, c))
        return y.reshape(n, h, w, c).transpose(0, 3, 1, 2)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """The same reshaping, around BatchNorm1d's backward."""
        n, c, h, w = grad_out.shape
        g = self.bn.backward(grad_out.transpose(0, 2, 3, 1).reshape(-1, c))
        return g.reshape(n, h, w, c).transpose(0, 3, 1, 2)

    def check_input(self, x: np.ndarray) -> None:
        _check_input_shape(x, "BatchNorm2d", ("N", self.bn.num_features, "H", "W"))


# --------------------------------------------------------------------------
# Skip connections
# --------------------------------------------------------------------------


class Residual(Module):
    """Skip connection y = x + f(x) around an inner module f that keeps the shape of x.

    The Jacobian is I + ∂f/∂x, so ``backward`` returns g + f.backward(g): the gradient
    reaches x through the identity path even when the path through f is tiny.
    """

    def __init__(self, module: Module) -> None:
        self.module = instance(Module)(module, "module")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x + f(x); raises ValueError if f(x) does not have the shape of x."""
        fx = self.module(x)
        _check_same_shape(fx, x, self.module)
        return x + fx

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂x = g (I + ∂f/∂x) = g + f.backward(g)."""
        return grad_out + self.module.backward(grad_out)


def _check_same_shape(fx: np.ndarray, x: np.ndarray, module: Module) -> None:
    if fx.shape != x.shape:
        raise ValueError(f"Residual needs an inner module that preserves the shape: "
                         f"input has shape {x.shape}, inner module {module!r} "
                         f"returned shape {fx.shape}")


# --------------------------------------------------------------------------
# Layer normalisation
# --------------------------------------------------------------------------


class LayerNorm(Module):
    """y = γ (x - μ) / √(σ² + ε) + β with μ, σ² (biased) over the LAST axis of each example,
    for input of any shape (..., num_features); γ, β of shape (num_features,).

    As PyTorch's nn.LayerNorm(num_features): unlike BatchNorm1d the statistics belong to
    one example, so training and evaluation compute the same thing (no running averages)
    and a batch of one is fine.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, dtype: type = np.float64) -> None:
        self.num_features = positive_int(num_features, "num_features")
        self.eps = positive(eps, "eps")
        float_dtype(dtype, "dtype")
        self.gamma = Parameter(np.ones(num_features, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(num_features, dtype=dtype), "beta")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x̂ = (x - μ) / √(σ² + ε), y = γ x̂ + β; μ, σ² over the feature (last) axis."""
        mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        return self.gamma.data * self.xhat + self.beta.data

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """∂L/∂γ = Σ_examples g ⊙ x̂, ∂L/∂β = Σ_examples g; with ĝ = γ ⊙ g and sums Σ_c over
        the C features: ∂L/∂x = (1/σ)/C · (C ĝ - Σ_c ĝ - x̂ Σ_c ĝ ⊙ x̂)."""
        g, xhat = grad_out, self.xhat
        examples = tuple(range(g.ndim - 1))  # every axis but the features
        self.gamma.grad += (g * xhat).sum(axis=examples)
        self.beta.grad += g.sum(axis=examples)
        # BatchNorm1d's compact form with the roles of the axes swapped: μ and σ of an
        # example depend on its C features, so ∂x̂_c/∂x_k = (δ_ck - 1/C - x̂_c x̂_k/C)/σ.
        g_hat, c = self.gamma.data * g, xhat.shape[-1]
        sum_g = g_hat.sum(axis=-1, keepdims=True)
        sum_gx = (g_hat * xhat).sum(axis=-1, keepdims=True)
        return (self.inv_std / c) * (c * g_hat - sum_g - xhat * sum_gx)

    def check_input(self, x: np.ndarray) -> None:
        float_array(x, "LayerNorm input")
        if x.ndim == 0 or x.shape[-1] != self.num_features:
            raise ValueError(f"LayerNorm expected input of shape (..., {self.num_features}), "
                             f"got {x.shape}")
