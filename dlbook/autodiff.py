"""A scalar reverse-mode automatic-differentiation engine: ``Value``, plus a tiny ``MLP``.

Reverse mode records the forward computation as a graph of elementary operations, then
sweeps that graph once from the output back to the inputs, multiplying each node's
upstream gradient ∂L/∂out by the local derivative ∂out/∂in of the operation that made it
and summing over every path (the chain rule). One backward sweep therefore yields the
derivative of one scalar output with respect to every input, at a cost of a small
constant times the forward pass, whatever the number of inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dlbook import init
from dlbook._checks import float_array, generator

__all__ = ["MLP", "Neuron", "Value"]

Number = int | float


def _number(x: Any, what: str, expected: str = "an int or float") -> float:
    """Return ``x`` as a float if it is a real number (bool excluded), else raise TypeError."""
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise TypeError(f"{what} must be {expected}, got {type(x).__name__}")
    return float(x)


def _lift(x: Any, op: str) -> Value:
    """A Value operand as it is; a number wrapped as a constant leaf; anything else refused."""
    if isinstance(x, Value):
        return x
    return Value(_number(x, f"operand of Value {op}", "a Value, int or float"))


def _no_backward() -> None:
    """Leaves have nothing to propagate."""


class Value:
    """A scalar ``data`` in a computation graph, with ``grad`` = ∂(output)/∂(this node)."""

    __slots__ = ("_backward", "_op", "_prev", "data", "grad", "label")

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "",
                 label: str = "") -> None:
        self.data = _number(data, "Value data")
        self.grad = 0.0
        self._backward: Callable[[], None] = _no_backward
        self._prev = _children
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- binary operations: forward value, then the local derivatives beside it ----

    def __add__(self, other: Value | Number) -> Value:
        """out = a + b;  ∂out/∂a = 1, ∂out/∂b = 1."""
        other = _lift(other, "+")
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        """out = a · b;  ∂out/∂a = b, ∂out/∂b = a."""
        other = _lift(other, "*")
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __sub__(self, other: Value | Number) -> Value:
        """out = a - b;  ∂out/∂a = 1, ∂out/∂b = -1."""
        other = _lift(other, "-")
        out = Value(self.data - other.data, (self, other), "-")

        def _backward() -> None:
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        """out = a / b;  ∂out/∂a = 1/b, ∂out/∂b = -a/b²."""
        other = _lift(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data:.6g} / 0")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward() -> None:
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        """out = xⁿ for a number n;  ∂out/∂x = n xⁿ⁻¹."""
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be an int or "
                            "float (for a**b with a > 0 write (b * a.log()).exp())")
        n = _number(exponent, "exponent of Value **")
        x = self.data
        if x == 0.0 and n < 0:
            raise ZeroDivisionError(f"Value ** {n:g}: zero cannot be raised to a negative power")
        if x < 0 and not n.is_integer():
            raise ValueError(f"Value ** {n:g}: a negative base {x:.6g} needs an integer "
                             "exponent (the result would be complex)")
        out = Value(x**n, (self,), f"**{n:g}")

        def _backward() -> None:
            # n xⁿ⁻¹ is infinite at x = 0 for 0 < n < 1 (e.g. sqrt); 0 for n = 0.
            local = n * x ** (n - 1) if x != 0.0 or n >= 1 else (0.0 if n == 0 else math.inf)
            self.grad += local * out.grad

        out._backward = _backward
        return out

    def __rpow__(self, base: Any) -> Value:
        """number ** Value: refused, only number exponents are supported."""
        raise TypeError(f"{type(base).__name__} ** Value is not supported: the exponent must be "
                        "an int or float (for c**x with c > 0 write (x * math.log(c)).exp())")

    def __neg__(self) -> Value:
        """out = -x;  ∂out/∂x = -1."""
        out = Value(-self.data, (self,), "neg")

        def _backward() -> None:
            self.grad -= out.grad

        out._backward = _backward
        return out

    # ---- reflected operations: number ∘ Value ----

    def __radd__(self, other: Number) -> Value:
        """other + self."""
        return _lift(other, "+") + self

    def __rmul__(self, other: Number) -> Value:
        """other · self."""
        return _lift(other, "*") * self

    def __rsub__(self, other: Number) -> Value:
        """other - self."""
        return _lift(other, "-") - self

    def __rtruediv__(self, other: Number) -> Value:
        """other / self."""
        return _lift(other, "/") / self

    # ---- elementary functions ----

    def exp(self) -> Value:
        """out = eˣ;  ∂out/∂x = eˣ = out."""
        try:
            y = math.exp(self.data)
        except OverflowError:
            y = math.inf
        out = Value(y, (self,), "exp")

        def _backward() -> None:
            self.grad += y * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        """out = ln x for x > 0;  ∂out/∂x = 1/x."""
        x = self.data
        if not x > 0:
            raise ValueError(f"log needs a positive value, got {x:.6g}")
        out = Value(math.log(x), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / x

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """out = tanh x;  ∂out/∂x = 1 - out²."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """out = max(0, x);  ∂out/∂x = 1 if x > 0 else 0 (0 at the kink)."""
        positive = self.data > 0
        out = Value(self.data if positive else 0.0, (self,), "relu")

        def _backward() -> None:
            if positive:
                self.grad += out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        """out = σ(x) = 1/(1 + e⁻ˣ);  ∂out/∂x = out (1 - out)."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward() -> None:
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    # ---- reverse sweep ----

    def backward(self) -> None:
        """Set ∂self/∂self = 1 and apply the chain rule to every node, outputs before inputs.

        Leaf gradients accumulate across calls (reset them between steps, as with
        ``zero_grad``); interior nodes are recomputed from zero on every call.
        """
        # Topological order by an iterative depth-first search: a node is appended only
        # after all of its inputs, and deep graphs never meet Python's recursion limit.
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in visited)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):  # each node's grad is complete before it is passed on
            node._backward()


# --------------------------------------------------------------------------
# A multilayer perceptron made of Values, for comparison with dlbook.nn
# --------------------------------------------------------------------------

_ACTIVATIONS = ("tanh", "relu", "sigmoid")


class Neuron:
    """One unit: act(Σᵢ wᵢ xᵢ + b), or the affine Σᵢ wᵢ xᵢ + b when ``activation`` is None."""

    def __init__(self, weights: Sequence[Number], bias: Number,
                 activation: str | None = "tanh") -> None:
        if activation is not None and activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS} or None, "
                             f"got {activation!r}")
        self.w = [Value(w) for w in weights]
        self.b = Value(bias)
        self.activation = activation

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        """The unit's output for one input vector ``x``."""
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expected {len(self.w)} inputs, got {len(x)}")
        z = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return getattr(z, self.activation)() if self.activation else z

    def parameters(self) -> list[Value]:
        """Weights then bias."""
        return [*self.w, self.b]


class MLP:
    """Layers of Neurons, ``activation`` on hidden layers and a linear output layer.

    Layer l holds the same numbers as ``dlbook.nn.Dense``: W of shape (in, out) (neuron j
    owns column j) and b of shape (out,), so y = act(x W + b) one example at a time.
    """

    def __init__(self, sizes: Sequence[int], *, rng: np.random.Generator,
                 activation: str = "tanh") -> None:
        if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                 for s in sizes):
            raise ValueError(f"sizes must be >= 2 positive ints (inputs, ..., outputs), "
                             f"got {list(sizes)}")
        rng = generator(rng)
        # Same draws, in the same order, as Dense(n_in, n_out, rng=rng) layer after layer.
        arrays = [(init.xavier_uniform((n_in, n_out), rng=rng), np.zeros(n_out))
                  for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        self._build(arrays, activation)

    @classmethod
    def from_arrays(cls, params: Sequence[tuple[np.ndarray, np.ndarray]],
                    activation: str = "tanh") -> MLP:
        """An MLP holding given (W, b) per layer, W of shape (in, out) as in ``nn.Dense``."""
        mlp = cls.__new__(cls)
        mlp._build(params, activation)
        return mlp

    def _build(self, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str) -> None:
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
        self.layers: list[list[Neuron]] = []
        for i, (W, b) in enumerate(params):
            float_array(W, f"layer {i} W", ndim=2)
            float_array(b, f"layer {i} b", ndim=1)
            if b.shape[0] != W.shape[1]:
                raise ValueError(f"layer {i}: b must have shape ({W.shape[1]},), got {b.shape}")
            if self.layers and W.shape[0] != len(self.layers[-1]):
                raise ValueError(f"layer {i}: W must have {len(self.layers[-1])} rows, "
                                 f"got shape {W.shape}")
            act = activation if i < len(params) - 1 else None
            self.layers.append([Neuron(W[:, j].tolist(), float(b[j]), act)
                                for j in range(W.shape[1])])

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        """Outputs for one input vector ``x`` (a list, one Value per output unit)."""
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x

    def parameters(self) -> list[Value]:
        """Every weight and bias, layer by layer, neuron by neuron."""
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        for p in self.parameters():
            p.grad = 0.0

    def grads(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(∂L/∂W, ∂L/∂b) per layer as arrays, in ``nn.Dense``'s layout (in, out) and (out,)."""
        return [(np.array([[w.grad for w in n.w] for n in layer]).T,
                 np.array([n.b.grad for n in layer])) for layer in self.layers]
