"""LayerNorm: statistics per example over the feature axis, the compact backward, bad input."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module


def rng(seed=0):
    return np.random.default_rng(seed)


def random_layernorm(c, seed=0):
    layer = nn.LayerNorm(c)
    layer.gamma.data[...] = rng(seed).uniform(0.5, 2.0, c)
    layer.beta.data[...] = rng(seed + 1).standard_normal(c)
    return layer


def test_layernorm_normalises_each_example_over_its_features():
    x = rng(2).normal(3.0, 5.0, (4, 6))
    y = nn.LayerNorm(6)(x)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=1), 1.0 / (1.0 + 1e-5 / x.var(axis=1)), rtol=1e-12)
    layer = random_layernorm(6)
    xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(layer(x), layer.gamma.data * xhat + layer.beta.data, rtol=1e-12)


def test_layernorm_is_the_same_in_training_and_evaluation_and_for_one_example():
    layer = random_layernorm(5)
    x = rng(2).standard_normal((3, 5))
    y = layer(x)
    np.testing.assert_array_equal(layer.eval()(x), y)
    np.testing.assert_allclose(layer(x[:1]), y[:1], rtol=1e-12)
    assert not hasattr(layer, "running_mean")


@pytest.mark.parametrize("shape", [(4, 5), (1, 3), (2, 3, 4), (2, 2, 3, 4)])
def test_layernorm_gradients(shape):
    layer = random_layernorm(shape[-1])
    errors = check_module(layer, rng(2).standard_normal(shape), rng=rng(3))
    assert set(errors) == {"input", "gamma", "beta"}
    assert max(errors.values()) < 1e-7


def test_layernorm_output_ignores_per_example_shift_and_scale():
    layer = random_layernorm(6)
    layer.eps = 1e-12  # so that the scale invariance is exact to round-off
    x = rng(2).standard_normal((2, 3, 6))
    shift = rng(3).normal(0.0, 10.0, (2, 3, 1))
    scale = rng(4).uniform(0.5, 20.0, (2, 3, 1))
    np.testing.assert_allclose(layer(x * scale + shift), layer(x), rtol=1e-9, atol=1e-9)


def test_layernorm_float32_input_keeps_float32_parameters_dtype():
    layer = nn.LayerNorm(4, dtype=np.float32)
    x = rng().standard_normal((3, 4)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


def test_layernorm_rejects_bad_arguments_and_input():
    with pytest.raises(ValueError, match="num_features must be a positive int, got 0"):
        nn.LayerNorm(0)
    with pytest.raises(ValueError, match="eps must be > 0, got 0.0"):
        nn.LayerNorm(3, eps=0.0)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        nn.LayerNorm(3, dtype=np.int64)
    layer = nn.LayerNorm(3)
    with pytest.raises(ValueError, match=r"LayerNorm expected input of shape \(\.\.\., 3\), "
                                         r"got \(4, 2\)"):
        layer(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"LayerNorm expected input of shape \(\.\.\., 3\), "
                                         r"got \(\)"):
        layer(np.array(1.0))
    with pytest.raises(TypeError, match="LayerNorm input must have a floating dtype, got int64"):
        layer(np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="LayerNorm input must be a numpy.ndarray, got list"):
        layer([[0.0, 1.0, 2.0]])
    with pytest.raises(RuntimeError, match="LayerNorm.backward called before forward"):
        nn.LayerNorm(3).backward(np.zeros((4, 3)))
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"LayerNorm grad_out must have the output's shape "
                                         r"\(4, 3\), got \(4, 2\)"):
        layer.backward(np.zeros((4, 2)))
