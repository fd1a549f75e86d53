"""Dropout and batch normalisation: gradients, train/eval behaviour, statistics, bad input."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_module


def rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------ dropout


@pytest.mark.parametrize("p", [0.0, 0.3, 0.8])
def test_dropout_gradients_for_a_frozen_mask(p):
    layer = nn.Dropout(p, rng=rng()).freeze_mask()
    errors = check_module(layer, rng(1).standard_normal((5, 4)), rng=rng(2))
    assert errors["input"] < 1e-7


def test_dropout_backward_uses_the_forward_mask():
    layer = nn.Dropout(0.5, rng=rng())
    x = rng(1).standard_normal((6, 7))
    y = layer(x)
    grad = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad, layer.mask)
    np.testing.assert_array_equal(y, x * layer.mask)
    assert set(np.unique(layer.mask)) <= {0.0, 2.0}


def test_dropout_draws_a_fresh_mask_unless_frozen():
    layer = nn.Dropout(0.5, rng=rng())
    x = np.ones((10, 10))
    first = layer(x)
    assert not np.array_equal(layer(x), first)
    layer.freeze_mask()
    frozen = layer(x)
    np.testing.assert_array_equal(layer(x), frozen)
    layer.freeze_mask(False)
    assert not np.array_equal(layer(x), frozen)


def test_dropout_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.5, rng=rng())
    model = nn.Sequential(layer).eval()
    x = rng(1).standard_normal((3, 4))
    assert model(x) is x
    g = rng(2).standard_normal((3, 4))
    np.testing.assert_array_equal(model.backward(g), g)
    model.train()
    assert not np.array_equal(model(x), x)


def test_dropout_is_unbiased_and_drops_a_fraction_p():
    p, draws = 0.3, 4000
    x = rng(1).standard_normal(20)
    y = nn.Dropout(p, rng=rng())(np.tile(x, (draws, 1)))
    # E[y] = x; each column's mean has standard deviation |x| √(p / (1 - p)) / √draws
    se = np.abs(x) * np.sqrt(p / (1 - p)) / np.sqrt(draws)
    assert np.all(np.abs(y.mean(axis=0) - x) < 5 * se)
    dropped = np.mean(y == 0)
    assert abs(dropped - p) < 5 * np.sqrt(p * (1 - p) / y.size)


def test_dropout_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got 1"):
        nn.Dropout(1, rng=rng())
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got -0.1"):
        nn.Dropout(-0.1, rng=rng())
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nn.Dropout(0.5, rng=0)
    with pytest.raises(TypeError, match="Dropout input must have a floating dtype, got int64"):
        nn.Dropout(0.5, rng=rng())(np.ones(3, dtype=np.int64))
    with pytest.raises(RuntimeError, match="Dropout.backward called before forward"):
        nn.Dropout(0.5, rng=rng()).backward(np.ones(3))
    layer = nn.Dropout(0.5, rng=rng()).freeze_mask()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout has a frozen mask of shape \(2, 3\), "
                                         r"got input of shape \(4, 3\)"):
        layer(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Dropout grad_out must have the output's shape "
                                         r"\(2, 3\), got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))


# --------------------------------------------------------------------------- batch norm


def random_batchnorm(c=3):
    layer = nn.BatchNorm1d(c)
    layer.gamma.data[...] = rng(10).uniform(0.5, 2.0, c)
    layer.beta.data[...] = rng(11).standard_normal(c)
    return layer


@pytest.mark.parametrize("n", [2, 5])
def test_batchnorm_gradients_in_train_mode(n):
    layer = random_batchnorm()
    errors = check_module(layer, 3.0 + 2.0 * rng(1).standard_normal((n, 3)), rng=rng(2))
    assert set(errors) == {"input", "gamma", "beta"}
    assert max(errors.values()) < 1e-7


def test_batchnorm_gradients_in_eval_mode():
    layer = random_batchnorm()
    layer.running_mean[...] = [0.5, -1.0, 2.0]
    layer.running_var[...] = [0.3, 1.5, 4.0]
    layer.eval()
    errors = check_module(layer, rng(1).standard_normal((4, 3)), rng=rng(2))
    assert max(errors.values()) < 1e-7


def test_batchnorm_train_output_is_standardised_and_its_input_gradient_is_centred():
    layer = nn.BatchNorm1d(3, eps=1e-300)
    x = 5.0 + 3.0 * rng(1).standard_normal((8, 3))
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0, rtol=1e-12)
    # the batch statistics make dx orthogonal to 1 and to x̂ in every feature
    dx = layer.backward(rng(2).standard_normal((8, 3)))
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose((dx * y).sum(axis=0), 0.0, atol=1e-12)


def test_batchnorm_running_statistics_after_k_steps():
    m, k = 0.2, 4
    layer = nn.BatchNorm1d(2, momentum=m)
    batches = [rng(i).normal(i, 1 + i, size=(5 + i, 2)) for i in range(k)]
    for xb in batches:
        layer(xb)
    # unrolled: running_k = (1 - m)^k running_0 + Σ_i m (1 - m)^(k-1-i) stat_i
    w = m * (1 - m) ** (k - 1 - np.arange(k))
    pairs = list(zip(w, batches, strict=True))
    mean = (1 - m) ** k * 0.0 + sum(wi * xb.mean(axis=0) for wi, xb in pairs)
    var = (1 - m) ** k * 1.0 + sum(wi * xb.var(axis=0, ddof=1) for wi, xb in pairs)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-12)
    # evaluation uses them and leaves them alone
    layer.eval()
    x = rng(9).standard_normal((3, 2))
    np.testing.assert_allclose(layer(x), (x - mean) / np.sqrt(var + layer.eps), rtol=1e-12)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12)


def test_batchnorm_running_stats_are_buffers_not_parameters():
    layer = nn.BatchNorm1d(4)
    assert [name for name, _ in layer.named_parameters()] == ["gamma", "beta"]
    np.testing.assert_array_equal(layer.gamma.data, np.ones(4))
    np.testing.assert_array_equal(layer.beta.data, np.zeros(4))


def test_batchnorm_rejects_bad_arguments_and_input():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d in training mode needs a batch of more "
                                         r"than 1 example .* got input of shape \(1, 3\)"):
        layer(np.ones((1, 3)))
    layer.eval()
    assert layer(np.ones((1, 3))).shape == (1, 3)  # fine with running statistics
    with pytest.raises(ValueError, match=r"BatchNorm1d expected input of shape \(N, 3\), "
                                         r"got \(4, 2\)"):
        layer(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"BatchNorm1d input must be 2-D, got shape \(4, 3, 2\)"):
        layer(np.ones((4, 3, 2)))
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 1.5"):
        nn.BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="eps must be > 0, got 0"):
        nn.BatchNorm1d(3, eps=0)
    with pytest.raises(ValueError, match="num_features must be a positive int, got 0"):
        nn.BatchNorm1d(0)
    with pytest.raises(RuntimeError, match="BatchNorm1d.backward called before forward"):
        nn.BatchNorm1d(3).backward(np.ones((4, 3)))
    layer(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d grad_out must have the output's shape "
                                         r"\(4, 3\), got \(3, 4\)"):
        layer.backward(np.ones((3, 4)))
