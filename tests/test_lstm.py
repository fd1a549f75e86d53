"""LSTM: the PyTorch equations, backprop through time, the cell-state path, bad input."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module, numerical_gradient, relative_error


def rng(seed=0):
    return np.random.default_rng(seed)


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def naive_lstm(x, h0, c0, W_ih, W_hh, b):
    """One example and one step at a time, gates in PyTorch's order (i, f, g, o)."""
    n, t_len, _ = x.shape
    hidden = W_hh.shape[0]
    out = np.zeros((n, t_len, hidden))
    c_last = np.zeros((n, hidden))
    for k in range(n):
        h, c = h0[k], c0[k]
        for t in range(t_len):
            z = x[k, t] @ W_ih + h @ W_hh + b
            i, f = sigmoid(z[:hidden]), sigmoid(z[hidden:2 * hidden])
            g, o = np.tanh(z[2 * hidden:3 * hidden]), sigmoid(z[3 * hidden:])
            c = f * c + i * g
            h = o * np.tanh(c)
            out[k, t] = h
        c_last[k] = c
    return out, c_last


def random_lstm(d=2, h=3, seed=0):
    layer = nn.LSTM(d, h, rng=rng(seed))
    layer.b.data[...] = rng(seed + 1).standard_normal(4 * h)
    return layer


class WithState(nn.Module):
    """Makes (h0, c0), side by side as one (N, 2H) array, the input of an LSTM with fixed x,
    so that check_module checks grad_h0 and grad_c0 against finite differences."""

    def __init__(self, lstm, x):
        self.lstm, self.x = lstm, x

    def forward(self, state):
        h0, c0 = np.split(state, 2, axis=1)
        return self.lstm(self.x, (h0, c0))

    def backward(self, grad_out):
        self.lstm.backward(grad_out)
        return np.concatenate([self.lstm.grad_h0, self.lstm.grad_c0], axis=1)


class WithX(nn.Module):
    """An LSTM with a fixed (h0, c0): check_module then checks ∂L/∂x with the state given."""

    def __init__(self, lstm, state):
        self.lstm, self.state = lstm, state

    def forward(self, x):
        return self.lstm(x, self.state)

    def backward(self, grad_out):
        return self.lstm.backward(grad_out)


def test_lstm_forward_matches_the_definition_and_shapes():
    layer = random_lstm()
    assert layer.W_ih.shape == (2, 12) and layer.W_hh.shape == (3, 12) and layer.b.shape == (12,)
    x = rng(2).standard_normal((4, 5, 2))
    h0, c0 = rng(3).standard_normal((4, 3)), rng(4).standard_normal((4, 3))
    out = layer(x, (h0, c0))
    expected, c_last = naive_lstm(x, h0, c0, layer.W_ih.data, layer.W_hh.data, layer.b.data)
    assert out.shape == (4, 5, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(layer.h_last, out[:, -1])
    np.testing.assert_allclose(layer.c_last, c_last, rtol=1e-12, atol=1e-12)
    zeros = np.zeros((4, 3))
    expected0, _ = naive_lstm(x, zeros, zeros, layer.W_ih.data, layer.W_hh.data, layer.b.data)
    np.testing.assert_allclose(layer(x), expected0, rtol=1e-12, atol=1e-12)
    assert layer.backward(np.ones_like(out)).shape == x.shape
    assert layer.grad_h.shape == layer.grad_c.shape == (4, 5, 3)
    assert layer.grad_h0.shape == layer.grad_c0.shape == (4, 3)


@pytest.mark.parametrize(("n", "t_len", "d", "h"), [(1, 1, 1, 1), (3, 4, 2, 3)])
def test_lstm_gradients_without_state(n, t_len, d, h):
    layer = random_lstm(d, h)
    errors = check_module(layer, rng(2).standard_normal((n, t_len, d)), rng=rng(3))
    assert set(errors) == {"input", "W_ih", "W_hh", "b"}
    assert max(errors.values()) < 1e-7


def test_lstm_gradients_with_state_including_grad_h0_and_grad_c0():
    layer = random_lstm()
    x = rng(2).standard_normal((3, 4, 2))
    state = rng(3).standard_normal((3, 6))
    errors = check_module(WithState(layer, x), state, rng=rng(4))
    assert set(errors) == {"input", "lstm.W_ih", "lstm.W_hh", "lstm.b"}
    assert max(errors.values()) < 1e-7
    h0, c0 = np.split(state, 2, axis=1)
    assert max(check_module(WithX(layer, (h0, c0)), x, rng=rng(5)).values()) < 1e-7


def test_lstm_grad_h0_and_grad_c0_are_stored_without_state_too():
    layer = random_lstm()
    x = rng(1).standard_normal((2, 3, 2))
    weights = rng(2).standard_normal((2, 3, 3))
    h0, c0 = np.zeros((2, 3)), np.zeros((2, 3))
    layer(x)
    layer.backward(weights)

    def loss():
        return float(np.sum(layer(x, (h0, c0)) * weights))

    assert relative_error(layer.grad_h0, numerical_gradient(loss, h0)) < 1e-7
    assert relative_error(layer.grad_c0, numerical_gradient(loss, c0)) < 1e-7


def test_lstm_grad_h_is_the_gradient_with_respect_to_each_hidden_state():
    """grad_h[:, t] = ∂L/∂h_t: restarting the LSTM at step t from (h_t, c_t) and
    differentiating with respect to that h_t gives the same numbers. grad_c[:, t] is the
    total ∂L/∂c_t, which also reaches L through h_t = o_t ⊙ tanh(c_t): the restart's
    ∂L/∂c_t (h_t held fixed) plus ∂L/∂h_t ⊙ o_t ⊙ (1 - tanh²(c_t))."""
    layer = random_lstm()
    x = rng(1).standard_normal((2, 5, 2))
    weights = np.zeros((2, 5, 3))
    weights[:, -1] = rng(2).standard_normal((2, 3))  # a loss on the last step only
    out = layer(x)
    cs = [layer(x[:, :t + 1]) is not None and layer.c_last.copy() for t in range(5)]
    layer(x)
    layer.backward(weights)
    grad_h, grad_c = layer.grad_h.copy(), layer.grad_c.copy()
    for t in range(4):
        h_t, c_t = out[:, t].copy(), cs[t]

        def loss(h_t=h_t, c_t=c_t, t=t):
            return float(np.sum(layer(x[:, t + 1:], (h_t, c_t)) * weights[:, t + 1:]))

        assert relative_error(grad_h[:, t], numerical_gradient(loss, h_t)) < 1e-7
        o_t = h_t / np.tanh(c_t)
        through_h = grad_h[:, t] * o_t * (1.0 - np.tanh(c_t) ** 2)
        assert relative_error(grad_c[:, t], numerical_gradient(loss, c_t) + through_h) < 1e-7
    np.testing.assert_array_equal(grad_h[:, -1], weights[:, -1])


def cell_state_keeper(d=2, h=3):
    """An LSTM whose forget gate is 1 and input gate 0 whatever the input: σ(±1000) is
    exactly 1 and 0 in float64, so c_t = 1 ⊙ c_{t-1} + 0 ⊙ g = c_{t-1}."""
    layer = nn.LSTM(d, h, rng=rng())
    for W in (layer.W_ih.data, layer.W_hh.data):
        W[:, :2 * h] = 0.0
    layer.b.data[:h], layer.b.data[h:2 * h] = -1000.0, 1000.0
    return layer


def test_forget_gate_one_input_gate_zero_keeps_the_cell_state_constant():
    layer = cell_state_keeper()
    x = rng(1).standard_normal((4, 6, 2))
    h0, c0 = rng(2).standard_normal((4, 3)), rng(3).standard_normal((4, 3))
    out = layer(x, (h0, c0))
    np.testing.assert_array_equal(layer.c_last, c0)
    # h_t = o_t ⊙ tanh(c_0) at every step
    o = sigmoid(x @ layer.W_ih.data[:, 9:] + np.concatenate(
        [h0[:, None], out[:, :-1]], axis=1) @ layer.W_hh.data[:, 9:] + layer.b.data[9:])
    np.testing.assert_allclose(out, o * np.tanh(c0)[:, None], rtol=1e-12, atol=1e-12)


def test_with_the_forget_gate_open_the_cell_gradient_does_not_decay():
    """The constant error carousel: with f = 1, i = 0 and no recurrent weights, a loss on
    the last step sends the same ∂L/∂c_t to every earlier step and to c_0."""
    layer = cell_state_keeper()
    layer.W_hh.data[...] = 0.0
    x = rng(1).standard_normal((2, 8, 2))
    weights = np.zeros((2, 8, 3))
    weights[:, -1] = rng(2).standard_normal((2, 3))
    layer(x, (np.zeros((2, 3)), rng(3).standard_normal((2, 3))))
    layer.backward(weights)
    for t in range(8):
        np.testing.assert_array_equal(layer.grad_c[:, t], layer.grad_c[:, -1])
    np.testing.assert_array_equal(layer.grad_c0, layer.grad_c[:, -1])
    assert np.abs(layer.grad_c0).min() > 0


def test_rnn_grad_h_is_the_gradient_with_respect_to_each_hidden_state():
    """RNN stores grad_h = ∂L/∂h_t too, so a chapter can plot both side by side."""
    layer = nn.RNN(2, 3, rng=rng())
    x = rng(1).standard_normal((2, 5, 2))
    weights = np.zeros((2, 5, 3))
    weights[:, -1] = rng(2).standard_normal((2, 3))
    out = layer(x)
    layer.backward(weights)
    grad_h = layer.grad_h.copy()
    assert grad_h.shape == (2, 5, 3)
    for t in range(4):
        h_t = out[:, t].copy()

        def loss(h_t=h_t, t=t):
            return float(np.sum(layer(x[:, t + 1:], h_t) * weights[:, t + 1:]))

        assert relative_error(grad_h[:, t], numerical_gradient(loss, h_t)) < 1e-7


def test_lstm_float32_input_with_float32_weights_stays_float32():
    layer = nn.LSTM(2, 3, rng=rng(), dtype=np.float32)
    x = rng(1).standard_normal((2, 4, 2)).astype(np.float32)
    out = layer(x)
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    assert layer.W_ih.grad.dtype == np.float32


def test_lstm_rejects_bad_arguments_and_input():
    with pytest.raises(ValueError, match="hidden_size must be a positive int, got 0"):
        nn.LSTM(2, 0, rng=rng())
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nn.LSTM(2, 3, rng=None)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        nn.LSTM(2, 3, rng=rng(), dtype=np.int64)
    layer = nn.LSTM(2, 3, rng=rng())
    with pytest.raises(ValueError, match=r"LSTM expected input of shape \(N, T, 2\), "
                                         r"got \(4, 5, 3\)"):
        layer(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match=r"LSTM input must be 3-D, got shape \(4, 2\)"):
        layer(np.zeros((4, 2)))
    with pytest.raises(TypeError, match="LSTM input must have a floating dtype, got int64"):
        layer(np.zeros((4, 5, 2), dtype=np.int64))
    x = np.zeros((4, 5, 2))
    with pytest.raises(ValueError, match=r"LSTM state h0 must have shape \(4, 3\), got \(3, 3\)"):
        layer(x, (np.zeros((3, 3)), np.zeros((4, 3))))
    with pytest.raises(ValueError, match=r"LSTM state c0 must have shape \(4, 3\), got \(4, 2\)"):
        layer(x, (np.zeros((4, 3)), np.zeros((4, 2))))
    with pytest.raises(TypeError, match="LSTM state c0 must have a floating dtype, got int64"):
        layer(x, (np.zeros((4, 3)), np.zeros((4, 3), dtype=np.int64)))
    with pytest.raises(TypeError, match=r"LSTM state must be None or a pair \(h0, c0\), "
                                        r"got ndarray"):
        layer(x, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"LSTM state must be a pair \(h0, c0\), "
                                         r"got a tuple of length 1"):
        layer(x, (np.zeros((4, 3)),))
    with pytest.raises(TypeError, match="LSTM state h0 must be a numpy.ndarray, got NoneType"):
        layer(x, (None, np.zeros((4, 3))))
    with pytest.raises(RuntimeError, match="LSTM.backward called before forward"):
        nn.LSTM(2, 3, rng=rng()).backward(np.zeros((4, 5, 3)))
    layer(x)
    with pytest.raises(ValueError, match=r"LSTM grad_out must have the output's shape "
                                         r"\(4, 5, 3\), got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))
