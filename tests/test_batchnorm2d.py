"""nn.BatchNorm2d: per-channel statistics over (N, H, W), gradients, evaluation mode."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module


def images(seed=0, shape=(3, 2, 4, 5)):
    r = np.random.default_rng(seed)
    return r.normal(2.0, 3.0, size=shape) * np.array([1.0, 5.0])[None, :, None, None]


def test_training_output_is_normalised_per_channel_over_n_h_w():
    x = images()
    layer = nn.BatchNorm2d(2)
    layer.bn.gamma.data[:] = [2.0, 0.5]
    layer.bn.beta.data[:] = [1.0, -1.0]
    y = layer(x)
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    expected = (np.array([2.0, 0.5])[None, :, None, None] * (x - mean) / np.sqrt(var + 1e-5)
                + np.array([1.0, -1.0])[None, :, None, None])
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    # per channel: mean beta, std gamma (up to eps)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), [1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(y.std(axis=(0, 2, 3)), [2.0, 0.5], rtol=1e-5)
    assert layer.num_parameters() == 4  # 2C, whatever H and W


def test_running_statistics_use_every_pixel_and_the_unbiased_variance():
    x = images()
    layer = nn.BatchNorm2d(2, momentum=1.0)
    layer(x)
    count = x.shape[0] * x.shape[2] * x.shape[3]
    np.testing.assert_allclose(layer.bn.running_mean, x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(layer.bn.running_var,
                               x.var(axis=(0, 2, 3)) * count / (count - 1))
    layer.eval()
    y = layer(x)
    expected = (x - layer.bn.running_mean[None, :, None, None]) / np.sqrt(
        layer.bn.running_var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_gradients(training):
    layer = nn.BatchNorm2d(2)
    layer(images(1))  # running statistics away from (0, 1)
    layer.train(training)
    r = np.random.default_rng(3)
    layer.bn.gamma.data[:] = r.normal(size=2)
    check_module(layer, images(2, (2, 2, 3, 3)), rng=r)


def test_bad_input():
    layer = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d expected input of shape \(N, 3, H, W\)"):
        layer(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match="must be 4-D"):
        layer(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="floating dtype"):
        layer(np.zeros((2, 3, 4, 4), dtype=np.int64))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nn.BatchNorm2d(3).backward(np.zeros((2, 3, 4, 4)))
