"""The scalar reverse-mode engine: every local derivative, the chain rule, and bad input."""

import math
import sys

import numpy as np
import pytest

from dlbook import nn
from dlbook.autodiff import MLP, Neuron, Value

POINTS = [-1.7, -0.3, 0.4, 1.0, 2.5]
POSITIVE = [0.2, 0.9, 1.0, 3.7]

# name -> (operation on a Value, the same on a float, analytic derivative, points)
UNARY = {
    "exp": (lambda v: v.exp(), math.exp, math.exp, POINTS),
    "log": (lambda v: v.log(), math.log, lambda x: 1 / x, POSITIVE),
    "tanh": (lambda v: v.tanh(), math.tanh, lambda x: 1 - math.tanh(x) ** 2, POINTS),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0), lambda x: float(x > 0), POINTS),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)),
                lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2, POINTS),
    "neg": (lambda v: -v, lambda x: -x, lambda x: -1.0, POINTS),
    "square": (lambda v: v**2, lambda x: x**2, lambda x: 2 * x, POINTS),
    "cube": (lambda v: v**3, lambda x: x**3, lambda x: 3 * x**2, POINTS),
    "sqrt": (lambda v: v**0.5, math.sqrt, lambda x: 0.5 / math.sqrt(x), POSITIVE),
    "reciprocal": (lambda v: v**-1, lambda x: 1 / x, lambda x: -1 / x**2, POINTS),
    "radd": (lambda v: 3 + v, lambda x: 3 + x, lambda x: 1.0, POINTS),
    "rsub": (lambda v: 3 - v, lambda x: 3 - x, lambda x: -1.0, POINTS),
    "rmul": (lambda v: 3 * v, lambda x: 3 * x, lambda x: 3.0, POINTS),
    "rtruediv": (lambda v: 3 / v, lambda x: 3 / x, lambda x: -3 / x**2, POINTS),
}

# name -> (operation, ∂/∂a, ∂/∂b)
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0),
    "sub": (lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0),
    "mul": (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    "truediv": (lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2),
}


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients_match_analytic_and_central_differences(name):
    op, f, df, points = UNARY[name]
    for x0 in points:
        x = Value(x0)
        y = op(x)
        y.backward()
        assert y.data == pytest.approx(f(x0), rel=1e-12, abs=1e-15)
        assert x.grad == pytest.approx(df(x0), rel=1e-12, abs=1e-15)
        assert x.grad == pytest.approx(central_difference(f, x0), rel=1e-7, abs=1e-8)


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients_match_analytic_and_central_differences(name):
    op, da, db = BINARY[name]
    for a0, b0 in [(1.5, -0.7), (-2.0, 3.0), (0.25, 0.5)]:
        a, b = Value(a0), Value(b0)
        out = op(a, b)
        out.backward()
        assert out.data == pytest.approx(op(a0, b0), rel=1e-12)
        assert a.grad == pytest.approx(da(a0, b0), rel=1e-12)
        assert b.grad == pytest.approx(db(a0, b0), rel=1e-12)
        assert a.grad == pytest.approx(central_difference(lambda t, b0=b0: op(t, b0), a0), rel=1e-7)
        assert b.grad == pytest.approx(central_difference(lambda t, a0=a0: op(a0, t), b0), rel=1e-7)


def test_composite_expression_matches_hand_derivation():
    # f = tanh(ab + e^c) / (a - c)²; with u = ab + e^c, t = tanh u, d = a - c:
    # ∂f/∂a = (1 - t²) b / d² - 2 t / d³,  ∂f/∂b = (1 - t²) a / d²,
    # ∂f/∂c = (1 - t²) e^c / d² + 2 t / d³.
    for a0, b0, c0 in [(0.7, -1.2, 0.3), (-0.5, 0.4, -1.1), (2.0, 0.1, 0.5)]:
        a, b, c = Value(a0), Value(b0), Value(c0)
        f = (a * b + c.exp()).tanh() / (a - c) ** 2
        f.backward()
        t, d = math.tanh(a0 * b0 + math.exp(c0)), a0 - c0
        assert f.data == pytest.approx(t / d**2, rel=1e-12)
        assert a.grad == pytest.approx((1 - t**2) * b0 / d**2 - 2 * t / d**3, rel=1e-12)
        assert b.grad == pytest.approx((1 - t**2) * a0 / d**2, rel=1e-12)
        assert c.grad == pytest.approx((1 - t**2) * math.exp(c0) / d**2 + 2 * t / d**3,
                                       rel=1e-12)


def test_reused_node_gets_the_sum_of_its_paths():
    x = Value(3.0)
    y = x * x
    y.backward()
    assert x.grad == pytest.approx(6.0)
    a = Value(2.0)
    (a * a * a + a).backward()  # 3a² + 1
    assert a.grad == pytest.approx(13.0)


def test_leaves_accumulate_across_backward_calls_interior_nodes_do_not():
    a, b = Value(2.0), Value(-1.0)
    u = a * b
    out = (u + 3.0) * a  # a²b + 3a: ∂/∂a = 2ab + 3 = -1, ∂/∂b = a² = 4
    out.backward()
    assert (a.grad, b.grad, u.grad) == pytest.approx((-1.0, 4.0, 2.0))
    out.backward()
    assert (a.grad, b.grad, u.grad) == pytest.approx((-2.0, 8.0, 2.0))


def test_backward_on_a_leaf_seeds_one():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_deep_chain_does_not_hit_the_recursion_limit():
    depth = max(5000, 3 * sys.getrecursionlimit())
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y + x
    y.backward()
    assert x.grad == pytest.approx(depth + 1)
    assert y.data == pytest.approx(0.5 * (depth + 1))


def test_mlp_init_draws_the_same_weights_as_dense_layers():
    mlp = MLP([2, 3, 1], rng=np.random.default_rng(7))
    r = np.random.default_rng(7)
    model = nn.Sequential(nn.Dense(2, 3, rng=r), nn.Tanh(), nn.Dense(3, 1, rng=r))
    for neurons, dense in zip(mlp.layers, [model[0], model[2]], strict=True):
        W = np.array([[w.data for w in n.w] for n in neurons]).T
        np.testing.assert_array_equal(W, dense.W.data)
        np.testing.assert_array_equal([n.b.data for n in neurons], dense.b.data)


@pytest.mark.parametrize(("sizes", "n"), [((2, 3, 1), 4), ((3, 5, 4, 2), 6)])
def test_value_mlp_gradients_equal_matrix_form_backprop(sizes, n):
    rng = np.random.default_rng(11)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Dense(n_in, n_out, rng=rng), nn.Tanh()]
    model = nn.Sequential(*layers[:-1])
    for dense in model.layers[::2]:
        dense.b.data[...] = rng.standard_normal(dense.b.shape)
    X, Y = rng.standard_normal((n, sizes[0])), rng.standard_normal((n, sizes[-1]))

    loss = nn.MSELoss()
    model.zero_grad()
    matrix_loss = loss(model(X), Y)
    model.backward(loss.backward())

    mlp = MLP.from_arrays([(d.W.data, d.b.data) for d in model.layers[::2]])
    preds = [mlp(list(x)) for x in X]
    value_loss = sum((p - t) ** 2 for row, target in zip(preds, Y, strict=True)
                     for p, t in zip(row, target, strict=True)) / Y.size
    value_loss.backward()

    assert value_loss.data == pytest.approx(matrix_loss, rel=1e-12)
    for (dW, db), dense in zip(mlp.grads(), model.layers[::2], strict=True):
        assert np.allclose(dW, dense.W.grad, rtol=1e-10, atol=1e-13)
        assert np.allclose(db, dense.b.grad, rtol=1e-10, atol=1e-13)


def test_neuron_and_mlp_shapes():
    neuron = Neuron([1.0, -2.0], 0.5, activation=None)
    assert neuron([3.0, 1.0]).data == pytest.approx(1.5)
    assert len(neuron.parameters()) == 3
    mlp = MLP([3, 4, 2], rng=np.random.default_rng(0), activation="relu")
    assert len(mlp([0.1, 0.2, 0.3])) == 2
    assert len(mlp.parameters()) == 3 * 4 + 4 + 4 * 2 + 2
    mlp.parameters()[0].grad = 5.0
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_bad_input_raises_with_a_clear_message():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"operand of Value \+ must be a Value, int or float, "
                                        r"got str"):
        x + "2"
    with pytest.raises(TypeError, match=r"operand of Value \* must be .*got list"):
        [1.0] * x
    with pytest.raises(TypeError, match="operand of Value / must be .*got NoneType"):
        x / None
    with pytest.raises(TypeError, match="Value data must be an int or float, got bool"):
        Value(True)
    with pytest.raises(ValueError, match="log needs a positive value, got 0"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="log needs a positive value, got -2"):
        Value(-2.0).log()
    with pytest.raises(TypeError, match=r"Value \*\* Value is not supported: the exponent "
                                        r"must be an int or float"):
        x ** Value(2.0)
    with pytest.raises(TypeError, match=r"float \*\* Value is not supported"):
        2.0**x
    with pytest.raises(ValueError, match="negative base -2 needs an integer exponent"):
        Value(-2.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        x / 0
    with pytest.raises(ValueError, match="Neuron expected 2 inputs x, one per weight, got 3"):
        Neuron([1.0, 2.0], 0.0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP([2, 1], rng=np.random.default_rng(0), activation="softmax")
    with pytest.raises(ValueError, match=r"sizes must be >= 2 positive ints"):
        MLP([2], rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        MLP([2, 1], rng=0)
    with pytest.raises(ValueError, match=r"params\[1\]: W must have 3 rows, one per output "
                                         r"of layer 0, got shape \(2, 1\)"):
        MLP.from_arrays([(np.zeros((2, 3)), np.zeros(3)), (np.zeros((2, 1)), np.zeros(1))])


def test_edge_values():
    assert Value(1000.0).exp().data == math.inf
    assert Value(-1000.0).sigmoid().data == pytest.approx(0.0, abs=1e-300)
    assert Value(1000.0).sigmoid().data == 1.0
    z = Value(0.0)
    (z**0.5).backward()
    assert z.grad == math.inf
    assert "data=1.5" in repr(Value(1.5)) and "0x" not in repr(Value(1.5))


def test_mlp_and_neuron_name_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"sizes\[1\] must be a positive int, got 0"):
        MLP([2, 0], rng=rng)
    with pytest.raises(TypeError, match=r"sizes\[0\] must be an int, got float"):
        MLP([2.0, 1], rng=rng)
    with pytest.raises(TypeError, match=r"params must be a list of \(W, b\) pairs, got int"):
        MLP.from_arrays(5)
    with pytest.raises(ValueError, match=r"params\[0\] must be a pair \(W, b\), got 1 items"):
        MLP.from_arrays([(np.zeros((2, 3)),)])
    with pytest.raises(TypeError, match="Neuron input must be a list of 1 Values or numbers"):
        Neuron([1.0], 0.0)(3.0)
    with pytest.raises(TypeError, match=r"Neuron input x\[0\] must be a Value, int or float, "
                                        r"got NoneType"):
        Neuron([1.0], 0.0)([None])
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron([1.0], 0.0, activation="softmax")
    with pytest.raises(TypeError, match="exponent of Value \\*\\* must be an int or float"):
        Value(2.0) ** "2"
