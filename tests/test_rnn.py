"""Recurrent layers: RNN (backprop through time), LastStep, TimeDistributed, Embedding."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module, numerical_gradient, relative_error


def rng(seed=0):
    return np.random.default_rng(seed)


def naive_rnn(x, h0, W_xh, W_hh, b, f=np.tanh):
    """One example and one step at a time: the definition, with no vectorisation."""
    n, t_len, _ = x.shape
    out = np.zeros((n, t_len, W_hh.shape[0]))
    for i in range(n):
        h = h0[i]
        for t in range(t_len):
            h = f(x[i, t] @ W_xh + h @ W_hh + b)
            out[i, t] = h
    return out


class WithH0(nn.Module):
    """Makes h0 the input of an RNN with a fixed x, so check_module checks ∂L/∂h0."""

    def __init__(self, rnn, x):
        self.rnn, self.x = rnn, x

    def forward(self, h0):
        return self.rnn(self.x, h0)

    def backward(self, grad_out):
        self.rnn.backward(grad_out)
        return self.rnn.grad_h0


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_forward_matches_the_definition(nonlinearity):
    layer = nn.RNN(2, 3, rng=rng(), nonlinearity=nonlinearity)
    layer.b.data[...] = rng(1).standard_normal(3)
    x, h0 = rng(2).standard_normal((4, 5, 2)), rng(3).standard_normal((4, 3))
    f = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0.0))
    expected = naive_rnn(x, h0, layer.W_xh.data, layer.W_hh.data, layer.b.data, f)
    out = layer(x, h0)
    assert out.shape == (4, 5, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(layer.h_last, out[:, -1])
    np.testing.assert_allclose(layer(x), naive_rnn(x, np.zeros((4, 3)), layer.W_xh.data,
                                                   layer.W_hh.data, layer.b.data, f))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize(("n", "t_len", "d", "h"), [(1, 1, 1, 1), (3, 4, 2, 3)])
def test_rnn_gradients_without_h0(nonlinearity, n, t_len, d, h):
    layer = nn.RNN(d, h, rng=rng(), nonlinearity=nonlinearity)
    layer.b.data[...] = rng(1).uniform(0.1, 0.5, h)  # ReLU: keep units away from the kink
    errors = check_module(layer, rng(2).standard_normal((n, t_len, d)), rng=rng(3))
    assert set(errors) == {"input", "W_xh", "W_hh", "b"}
    assert max(errors.values()) < 1e-7


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_gradients_with_h0_including_grad_h0(nonlinearity):
    layer = nn.RNN(2, 3, rng=rng(), nonlinearity=nonlinearity)
    layer.b.data[...] = rng(1).uniform(0.1, 0.5, 3)
    x, h0 = rng(2).standard_normal((3, 4, 2)), rng(3).standard_normal((3, 3))
    errors = check_module(WithH0(layer, x), h0, rng=rng(4))
    assert set(errors) == {"input", "rnn.W_xh", "rnn.W_hh", "rnn.b"}
    assert max(errors.values()) < 1e-7

    # and the x gradient with h0 given, through a wrapper that fixes h0
    class WithX(nn.Module):
        def __init__(self, rnn):
            self.rnn = rnn

        def forward(self, x):
            return self.rnn(x, h0)

        def backward(self, g):
            return self.rnn.backward(g)

    assert max(check_module(WithX(layer), x, rng=rng(5)).values()) < 1e-7


def test_rnn_grad_h0_is_stored_without_h0_too():
    layer = nn.RNN(2, 3, rng=rng())
    x = rng(1).standard_normal((2, 3, 2))
    weights = rng(2).standard_normal((2, 3, 3))
    h0 = np.zeros((2, 3))
    layer(x)
    layer.backward(weights)
    numeric = numerical_gradient(lambda: float(np.sum(layer(x, h0) * weights)), h0)
    assert layer.grad_h0.shape == (2, 3)
    assert relative_error(layer.grad_h0, numeric) < 1e-7


@pytest.mark.parametrize("recurrent", [nn.RNN, nn.LSTM])
def test_many_to_one_classifier_gradients(recurrent):
    r = rng(7)
    model = nn.Sequential(recurrent(2, 4, rng=r), nn.LastStep(), nn.Dense(4, 3, rng=r))
    errors = check_module(model, r.standard_normal((3, 5, 2)), rng=r)
    assert len(errors) == 1 + 3 + 2
    assert max(errors.values()) < 1e-7


def test_last_step_picks_and_scatters_the_last_time_step():
    x = rng().standard_normal((2, 3, 4))
    layer = nn.LastStep()
    np.testing.assert_array_equal(layer(x), x[:, -1])
    g = rng(1).standard_normal((2, 4))
    grad = layer.backward(g)
    np.testing.assert_array_equal(grad[:, -1], g)
    assert not grad[:, :-1].any()
    assert check_module(layer, x, rng=rng(2))["input"] < 1e-7


def test_time_distributed_dense_is_dense_at_every_step():
    dense = nn.Dense(3, 2, rng=rng())
    dense.b.data[...] = [0.5, -1.0]
    layer = nn.TimeDistributed(dense)
    x = rng(1).standard_normal((4, 5, 3))
    out = layer(x)
    assert out.shape == (4, 5, 2)
    np.testing.assert_allclose(out[:, 2], x[:, 2] @ dense.W.data + dense.b.data)
    errors = check_module(layer, x, rng=rng(2))
    assert set(errors) == {"input", "module.W", "module.b"}
    assert max(errors.values()) < 1e-7


def test_many_to_many_language_model_gradients():
    """Embedding → RNN → TimeDistributed(Dense), the shape of a character-level model."""
    r = rng(8)
    model = nn.Sequential(nn.Embedding(5, 3, rng=r), nn.RNN(3, 4, rng=r),
                          nn.TimeDistributed(nn.Dense(4, 5, rng=r)))
    idx = r.integers(0, 5, size=(2, 6))
    weights = r.standard_normal((2, 6, 5))
    model.zero_grad()
    model(idx)
    assert model.backward(weights) is None  # integer input: no input gradient
    for name, p in model.named_parameters():
        numeric = numerical_gradient(lambda: float(np.sum(model(idx) * weights)), p.data)
        assert relative_error(p.grad, numeric) < 1e-7, name


def test_embedding_looks_up_rows_and_scatter_adds_repeats():
    layer = nn.Embedding(4, 3, rng=rng())
    idx = np.array([[0, 2, 2], [3, 2, 0]])
    out = layer(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[1, 0], layer.W.data[3])
    weights = rng(1).standard_normal((2, 3, 3))
    assert layer.backward(weights) is None
    # row 2 appears three times: its gradient is the sum of the three (np.add.at, not +=)
    np.testing.assert_allclose(layer.W.grad[2], weights[0, 1] + weights[0, 2] + weights[1, 1])
    assert not layer.W.grad[1].any()
    numeric = numerical_gradient(lambda: float(np.sum(layer(idx) * weights)), layer.W.data)
    assert relative_error(layer.W.grad, numeric) < 1e-7
    # equal to one_hot(idx) @ W
    one_hot = np.eye(4)[idx]
    np.testing.assert_allclose(out, one_hot @ layer.W.data)


def test_embedding_init_is_standard_normal_unless_given():
    assert nn.Embedding(200, 50, rng=rng()).W.data.std() == pytest.approx(1.0, rel=0.03)
    layer = nn.Embedding(3, 2, rng=rng(), weight_init=lambda shape, rng: np.ones(shape))
    np.testing.assert_array_equal(layer.W.data, np.ones((3, 2)))


def test_rnn_rejects_bad_arguments_and_input():
    with pytest.raises(ValueError, match=r"nonlinearity must be one of \['tanh', 'relu'\], "
                                         r"got 'sigmoid'"):
        nn.RNN(2, 3, rng=rng(), nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive int, got 0"):
        nn.RNN(2, 0, rng=rng())
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nn.RNN(2, 3, rng=None)
    layer = nn.RNN(2, 3, rng=rng())
    with pytest.raises(ValueError, match=r"RNN expected input of shape \(N, T, 2\), "
                                         r"got \(4, 5, 3\)"):
        layer(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match=r"RNN input must be 3-D, got shape \(4, 2\)"):
        layer(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"RNN h0 must have shape \(4, 3\), got \(3, 3\)"):
        layer(np.zeros((4, 5, 2)), np.zeros((3, 3)))
    with pytest.raises(TypeError, match="RNN h0 must have a floating dtype, got int64"):
        layer(np.zeros((4, 5, 2)), np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(RuntimeError, match="RNN.backward called before forward"):
        nn.RNN(2, 3, rng=rng()).backward(np.zeros((4, 5, 3)))
    layer(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match=r"RNN grad_out must have the output's shape "
                                         r"\(4, 5, 3\), got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))


def test_sequence_helpers_reject_bad_input():
    with pytest.raises(ValueError, match=r"LastStep input must be 3-D, got shape \(4, 2\)"):
        nn.LastStep()(np.zeros((4, 2)))
    with pytest.raises(TypeError, match="module must be a Module, got function"):
        nn.TimeDistributed(lambda x: x)
    with pytest.raises(ValueError, match=r"TimeDistributed input must be at least 3-D "
                                         r"\(N, T, \.\.\.\), got shape \(4, 2\)"):
        nn.TimeDistributed(nn.ReLU())(np.zeros((4, 2)))
    layer = nn.TimeDistributed(nn.Dense(2, 3, rng=rng()))
    layer(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match=r"TimeDistributed grad_out must have the output's "
                                         r"shape \(4, 5, 3\), got \(4, 5, 2\)"):
        layer.backward(np.zeros((4, 5, 2)))


def test_embedding_rejects_bad_input():
    layer = nn.Embedding(4, 3, rng=rng())
    with pytest.raises(TypeError, match="Embedding input must have an integer dtype, "
                                        "got float64"):
        layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Embedding input must hold indices in \[0, 4\),"
                                         r" got min -1 and max 4"):
        layer(np.array([[-1, 4]]))
    with pytest.raises(TypeError, match="Embedding input must be a numpy.ndarray of integers, "
                                        "got list"):
        layer([[0, 1]])
    with pytest.raises(ValueError, match="num_embeddings must be a positive int, got 0"):
        nn.Embedding(0, 3, rng=rng())
    layer(np.array([[0, 1]]))
    with pytest.raises(ValueError, match=r"Embedding grad_out must have the output's shape "
                                         r"\(1, 2, 3\), got \(1, 2\)"):
        layer.backward(np.zeros((1, 2)))
