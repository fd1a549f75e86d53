"""nn.StackedDense: K Dense layers side by side compute what each layer computes alone."""

from __future__ import annotations

import numpy as np
import pytest

from dlbook import nn, optim
from dlbook.gradcheck import check_module


def _layers(k: int = 3, n_in: int = 4, n_out: int = 2) -> list[nn.Dense]:
    return [nn.Dense(n_in, n_out, rng=np.random.default_rng(s)) for s in range(k)]


def test_each_slice_is_its_dense_layer_forward_and_backward() -> None:
    rng = np.random.default_rng(0)
    layers = _layers()
    stacked = nn.StackedDense(layers)
    x, g = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 2))
    y, dx = stacked(x), stacked.backward(g)
    for k, layer in enumerate(layers):
        np.testing.assert_array_equal(y[k], layer(x[k]))
        np.testing.assert_allclose(dx[k], layer.backward(g[k]), rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(stacked.W.grad[k], layer.W.grad, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(stacked.b.grad[k, 0], layer.b.grad, rtol=1e-14, atol=1e-15)


def test_gradients_match_central_differences() -> None:
    check_module(nn.StackedDense(_layers()), np.random.default_rng(1).normal(size=(3, 5, 4)),
                 rng=np.random.default_rng(2))


def test_stacked_networks_train_as_they_would_alone() -> None:
    """Two networks trained stacked under Adam end where each ends trained alone."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(2, 16, 4)), rng.normal(size=(2, 16, 2))

    def net(seed: int) -> nn.Sequential:
        r = np.random.default_rng(seed)
        return nn.Sequential(nn.Dense(4, 8, rng=r), nn.Tanh(), nn.Dense(8, 2, rng=r))

    alone = [net(s) for s in (10, 11)]
    stacked = nn.Sequential(nn.StackedDense([m[0] for m in alone]), nn.Tanh(),
                            nn.StackedDense([m[2] for m in alone]))
    opts = [optim.Adam(m.parameters(), lr=0.05) for m in alone]
    opt = optim.Adam(stacked.parameters(), lr=0.05)
    for _ in range(20):
        for k, (m, o) in enumerate(zip(alone, opts, strict=True)):
            o.zero_grad()
            m.backward(m(X[k]) - y[k])  # gradient of ½‖f(x) - y‖²
            o.step()
        opt.zero_grad()
        stacked.backward(stacked(X) - y)
        opt.step()
    for k, m in enumerate(alone):
        np.testing.assert_allclose(stacked(X)[k], m(X[k]), rtol=1e-12, atol=1e-13)


def test_layers_must_be_dense_of_one_shape_with_bias() -> None:
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Dense"):
        nn.StackedDense([_layers(1)[0], nn.ReLU()])
    with pytest.raises(ValueError, match="share one shape"):
        nn.StackedDense([*_layers(1), *_layers(1, n_in=5)])
    with pytest.raises(ValueError, match="no bias"):
        nn.StackedDense([nn.Dense(4, 2, rng=np.random.default_rng(0), bias=False)])
    with pytest.raises(ValueError, match="at least one"):
        nn.StackedDense([])


def test_input_must_hold_one_batch_per_layer() -> None:
    stacked = nn.StackedDense(_layers())
    with pytest.raises(ValueError, match="StackedDense expected input of shape"):
        stacked(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="3-D"):
        stacked(np.zeros((5, 4)))
