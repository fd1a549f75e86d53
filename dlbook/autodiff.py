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
from dlbook._checks import (
    float_array,
    generator,
    number,
    one_of,
    positive_int,
    sequence_of,
    validate,
)

__all__ = ["MLP", "Neuron", "Value"]

Number = int | float


def _as_value(x: Any, op: str) -> Value:
    """A Value operand as it is; a number wrapped as a constant leaf; anything else refused."""
    if isinstance(x, Value):
        return x
    return Value(number(x, f"operand of Value {op}", "a Value, int or float"))


def _no_backward() -> None:
    """Leaves have nothing to propagate."""


class Value:
    """A scalar ``data`` in a computation graph, with ``grad`` = ∂(output)/∂(this node)."""

    __slots__ = ("_backward", "_op", "_prev", "data", "grad", "label")

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "",
                 label: str = "") -> None:
        self.data = number(data, "Value data")
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
        other = _as_value(other, "+")
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        """out = a · b;  ∂out/∂a = b, ∂out/∂b = a."""
        other = _as_value(other, "*")
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __sub__(self, other: Value | Number) -> Value:
        """out = a - b;  ∂out/∂a = 1, ∂out/∂b = -1."""
        other = _as_value(other, "-")
        out = Value(self.data - other.data, (self, other), "-")

        def _backward() -> None:
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        """out = a / b;  ∂out/∂a = 1/b, ∂out/∂b = -a/b²."""
        other = _as_value(other, "/")
        out = Value(self.data / other.data, (self, other), "/")  # ZeroDivisionError for b = 0

        def _backward() -> None:
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        """out = xⁿ for a number n;  ∂out/∂x = n xⁿ⁻¹."""
        x, n = self.data, _check_exponent(self.data, exponent)
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
        return _as_value(other, "+") + self

    def __rmul__(self, other: Number) -> Value:
        """other · self."""
        return _as_value(other, "*") * self

    def __rsub__(self, other: Number) -> Value:
        """other - self."""
        return _as_value(other, "-") - self

    def __rtruediv__(self, other: Number) -> Value:
        """other / self."""
        return _as_value(other, "/") / self

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
        out = Value(_ln(x), (self,), "log")  # _ln raises for x <= 0 rather than return nan

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


def _ln(x: float) -> float:
    """math.log(x), with an error that says which value was not positive."""
    if not x > 0:
        raise ValueError(f"log needs a positive value, got {x:.6g}")
    return math.log(x)


def _check_exponent(x: float, exponent: Any) -> float:
    """The exponent n of x ** n as a float, if x ** n is a real number."""
    if isinstance(exponent, Value):
        raise TypeError("Value ** Value is not supported: the exponent must be an int or "
                        "float (for a**b with a > 0 write (b * a.log()).exp())")
    n = number(exponent, "exponent of Value **")
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"Value ** {n:g}: zero cannot be raised to a negative power")
    if x < 0 and not n.is_integer():
        raise ValueError(f"Value ** {n:g}: a negative base {x:.6g} needs an integer "
                         "exponent (the result would be complex)")
    return n


# --------------------------------------------------------------------------
# A multilayer perceptron made of Values, for comparison with dlbook.nn
# --------------------------------------------------------------------------

_ACTIVATIONS = ("tanh", "relu", "sigmoid")


def _layer_list(params: Any, name: str) -> Sequence[Any]:
    """A non-empty list or tuple of (W, b) pairs."""
    if not isinstance(params, list | tuple):
        raise TypeError(f"{name} must be a list of (W, b) pairs, got {type(params).__name__}")
    if not params:
        raise ValueError(f"{name} must hold at least one (W, b) pair, got none")
    return params


def _layer_sizes(sizes: Any, name: str) -> list[int]:
    """At least two positive ints: inputs, hidden sizes..., outputs."""
    if not isinstance(sizes, Sequence) or isinstance(sizes, str):
        raise TypeError(f"{name} must be a list of ints (inputs, ..., outputs), "
                        f"got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"{name} must be >= 2 positive ints (inputs, ..., outputs), "
                         f"got {sizes!r}")
    return [positive_int(s, f"{name}[{i}]") for i, s in enumerate(sizes)]


class Neuron:
    """One unit: act(Σᵢ wᵢ xᵢ + b), or the affine Σᵢ wᵢ xᵢ + b when ``activation`` is None."""

    @validate(weights=sequence_of(number), bias=number, activation=one_of(*_ACTIVATIONS, None))
    def __init__(self, weights: Sequence[Number], bias: Number,
                 activation: str | None = "tanh") -> None:
        self.w = [Value(w) for w in weights]
        self.b = Value(bias)
        self.activation = activation

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        """The unit's output for one input vector ``x``."""
        _check_inputs(x, len(self.w), "Neuron")
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

    @validate(sizes=_layer_sizes, rng=generator, activation=one_of(*_ACTIVATIONS))
    def __init__(self, sizes: Sequence[int], *, rng: np.random.Generator,
                 activation: str = "tanh") -> None:
        # Same draws, in the same order, as Dense(n_in, n_out, rng=rng) layer after layer.
        arrays = [(init.xavier_uniform((n_in, n_out), rng=rng), np.zeros(n_out))
                  for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        self._build(arrays, activation)

    @classmethod
    @validate(params=_layer_list)
    def from_arrays(cls, params: Sequence[tuple[np.ndarray, np.ndarray]],
                    activation: str = "tanh") -> MLP:
        """An MLP holding given (W, b) per layer, W of shape (in, out) as in ``nn.Dense``."""
        mlp = cls.__new__(cls)
        mlp._build(params, activation)
        return mlp

    def _build(self, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str) -> None:
        one_of(*_ACTIVATIONS)(activation, "activation")
        self.layers: list[list[Neuron]] = []
        for i, layer in enumerate(params):
            W, b = _check_layer(i, layer, len(self.layers[-1]) if self.layers else None)
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


def _check_inputs(x: Sequence[Any], n: int, owner: str) -> None:
    """x is a list of n Values or numbers."""
    if not isinstance(x, Sequence | np.ndarray) or isinstance(x, str):
        raise TypeError(f"{owner} input must be a list of {n} Values or numbers, "
                        f"got {type(x).__name__}")
    if len(x) != n:
        raise ValueError(f"{owner} expected {n} inputs x, one per weight, got {len(x)}")
    for i, xi in enumerate(x):
        if not isinstance(xi, Value):
            number(xi, f"{owner} input x[{i}]", "a Value, int or float")


def _check_layer(i: int, layer: Any, n_in: int | None) -> tuple[np.ndarray, np.ndarray]:
    """params[i], layer i's (W, b): floating arrays of shapes (n_in, n_out) and (n_out,)."""
    if not isinstance(layer, tuple | list):
        raise TypeError(f"params[{i}] must be a pair (W, b), got {type(layer).__name__}")
    if len(layer) != 2:
        raise ValueError(f"params[{i}] must be a pair (W, b), got {len(layer)} items")
    W, b = layer
    float_array(W, f"params[{i}] W", ndim=2)
    float_array(b, f"params[{i}] b", ndim=1)
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"params[{i}]: b must have shape ({W.shape[1]},), got {b.shape}")
    if n_in is not None and W.shape[0] != n_in:
        raise ValueError(f"params[{i}]: W must have {n_in} rows, one per output of layer "
                         f"{i - 1}, got shape {W.shape}")
    return W, b
