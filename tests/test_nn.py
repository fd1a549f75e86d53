"""Layers: gradient checks, parameter bookkeeping, modes, and bad input."""

import numpy as np
import pytest

from dlbook import init, nn
from dlbook.gradcheck import check_module


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize(("n", "d_in", "d_out", "bias"), [(1, 1, 1, True), (5, 3, 4, True),
                                                          (7, 6, 2, False)])
def test_dense_gradients(n, d_in, d_out, bias):
    layer = nn.Dense(d_in, d_out, rng=rng(), bias=bias)
    layer.b is None or layer.b.data.__setitem__(..., rng(1).standard_normal(d_out))
    errors = check_module(layer, rng(2).standard_normal((n, d_in)), rng=rng(3))
    assert set(errors) == ({"input", "W", "b"} if bias else {"input", "W"})
    assert max(errors.values()) < 1e-7


ACTIVATION_MODULES = [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(0.5),
                      nn.GELU(), nn.Swish(1.3), nn.Softmax()]


@pytest.mark.parametrize("module", ACTIVATION_MODULES, ids=repr)
def test_activation_module_gradients(module):
    x = rng(4).standard_normal((6, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep finite differences away from ReLU-type kinks
    assert check_module(module, x, rng=rng(5))["input"] < 1e-7


def test_mlp_gradients_through_sequential():
    r = rng(6)
    model = nn.Sequential(nn.Dense(3, 8, rng=r), nn.Tanh(), nn.Dense(8, 8, rng=r), nn.GELU(),
                          nn.Dense(8, 2, rng=r))
    errors = check_module(model, r.standard_normal((4, 3)), rng=r)
    assert len(errors) == 1 + 6
    assert max(errors.values()) < 1e-7


def test_check_module_catches_a_wrong_backward():
    class WrongDense(nn.Dense):
        def backward(self, grad_out):
            return 1.01 * super().backward(grad_out)

    with pytest.raises(AssertionError, match="gradient of 'input' has relative error"):
        check_module(WrongDense(3, 2, rng=rng()), rng(1).standard_normal((4, 3)), rng=rng(2))


def test_parameters_are_found_recursively_and_counted():
    model = nn.Sequential(nn.Dense(2, 3, rng=rng()), nn.ReLU(), nn.Dense(3, 1, rng=rng()))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"]
    assert model.num_parameters() == 2 * 3 + 3 + 3 * 1 + 1


def test_gradients_accumulate_until_zero_grad():
    layer = nn.Dense(2, 2, rng=rng())
    x, g = np.ones((1, 2)), np.ones((1, 2))
    layer(x)
    layer.backward(g)
    layer.backward(g)
    np.testing.assert_array_equal(layer.W.grad, 2 * np.ones((2, 2)))
    layer.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


def test_train_and_eval_propagate_to_children():
    model = nn.Sequential(nn.Dense(2, 2, rng=rng()), nn.Sequential(nn.ReLU()))
    model.eval()
    assert not model.training and not model[0].training and not model[1][0].training
    assert model.train() is model and model[1][0].training


def test_dense_forward_is_x_times_w_plus_b():
    layer = nn.Dense(2, 3, rng=rng())
    x = rng(1).standard_normal((4, 2))
    np.testing.assert_allclose(layer(x), x @ layer.W.data + layer.b.data)


def test_dense_uses_the_given_initializer():
    layer = nn.Dense(400, 300, rng=rng(), weight_init=init.he_normal)
    assert layer.W.data.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)


def test_dense_rejects_bad_construction():
    with pytest.raises(ValueError, match="in_features must be a positive int, got 0"):
        nn.Dense(0, 3, rng=rng())
    with pytest.raises(TypeError, match="out_features must be an int, got float"):
        nn.Dense(2, 3.0, rng=rng())
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nn.Dense(2, 3, rng=0)


def test_dense_rejects_bad_input():
    layer = nn.Dense(3, 2, rng=rng())
    with pytest.raises(ValueError, match=r"Dense expected input of shape \(N, 3\), got \(4, 2\)"):
        layer(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"Dense input must be 2-D, got shape \(3,\)"):
        layer(np.zeros(3))
    with pytest.raises(TypeError, match="Dense input must have a floating dtype, got int64"):
        layer(np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(RuntimeError, match="Dense.backward called before forward"):
        nn.Dense(3, 2, rng=rng()).backward(np.zeros((4, 2)))
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(4, 2\)"):
        layer.backward(np.zeros((4, 3)))


def test_modules_reject_bad_arguments():
    with pytest.raises(ValueError, match="alpha must be > 0, got -0.1"):
        nn.LeakyReLU(-0.1)
    with pytest.raises(TypeError, match="Sequential layer 1 must be a Module, got function"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    with pytest.raises(TypeError, match="ReLU input must be a numpy.ndarray, got list"):
        nn.ReLU()([1.0])


def test_float32_input_keeps_float32_through_activations():
    x = np.ones((2, 3), dtype=np.float32)
    for module in ACTIVATION_MODULES:
        assert module(x).dtype == np.float32, module
