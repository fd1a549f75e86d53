"""Dead and never-positive units of activation layers (dlbook.topics.dead_units)."""

import numpy as np
import pytest

from dlbook import nn, optim, train
from dlbook.topics.dead_units import (
    activation_io,
    dead_fraction,
    dead_units,
    never_positive_units,
    unit_masks,
)


def three_unit_net(activation):
    """2 -> 3 -> 1 with hand-set weights: on X below, unit 0 is always negative,
    unit 1 changes sign, unit 2 has z = 0 exactly on every input."""
    rng = np.random.default_rng(0)
    first, last = nn.Dense(2, 3, rng=rng), nn.Dense(3, 1, rng=rng)
    first.W.data[...] = [[1.0, 1.0, 0.0], [1.0, -1.0, 0.0]]
    first.b.data[...] = [-10.0, 0.0, 0.0]
    return nn.Sequential(first, activation, last)


X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0], [-1.0, 0.5]])


def test_relu_dead_units_are_the_never_positive_ones():
    net = three_unit_net(nn.ReLU())
    (dead,) = dead_units(net, X)
    (neg,) = never_positive_units(net, X)
    np.testing.assert_array_equal(dead, [True, False, True])
    np.testing.assert_array_equal(neg, dead)
    assert dead_fraction([dead]) == pytest.approx(2 / 3)


def test_leaky_units_are_never_dead_unless_z_is_exactly_zero():
    net = three_unit_net(nn.LeakyReLU(0.1))
    (dead,) = dead_units(net, X)
    (neg,) = never_positive_units(net, X)
    np.testing.assert_array_equal(dead, [False, False, True])  # 0.1 * 0 = 0 only for unit 2
    np.testing.assert_array_equal(neg, [True, False, True])


def test_unit_masks_returns_both_masks_of_the_wrappers():
    net = three_unit_net(nn.LeakyReLU(0.1))
    masks = unit_masks(net, X)
    assert set(masks) == {"dead", "never_positive"}
    np.testing.assert_array_equal(masks["dead"][0], dead_units(net, X)[0])
    np.testing.assert_array_equal(masks["never_positive"][0], never_positive_units(net, X)[0])


def test_relu_masks_agree_on_a_random_network_with_negative_biases():
    rng = np.random.default_rng(1)
    layers = []
    for n_in in (5, 32, 32):
        d = nn.Dense(n_in, 32, rng=rng)
        d.b.data[...] = -1.0
        layers += [d, nn.ReLU()]
    net = nn.Sequential(*layers, nn.Dense(32, 1, rng=rng))
    x = rng.standard_normal((50, 5))
    dead, neg = dead_units(net, x), never_positive_units(net, x)
    assert [m.shape for m in dead] == [(32,), (32,), (32,)]
    for d, n in zip(dead, neg, strict=True):
        np.testing.assert_array_equal(d, n)
    assert 0 < dead_fraction(dead) < 1


def test_activation_io_unrolls_nested_sequentials_and_returns_z_and_f_of_z():
    rng = np.random.default_rng(2)
    inner = nn.Sequential(nn.Dense(3, 4, rng=rng), nn.Tanh())
    net = nn.Sequential(inner, nn.Dense(4, 2, rng=rng), nn.Sigmoid())
    x = rng.standard_normal((6, 3))
    io = activation_io(net, x)
    assert len(io) == 2
    z0, a0 = io[0]
    np.testing.assert_allclose(z0, x @ inner[0].W.data + inner[0].b.data)
    np.testing.assert_allclose(a0, np.tanh(z0))
    np.testing.assert_allclose(io[1][1], net(x))


def test_evaluation_mode_is_used_and_the_mode_restored():
    rng = np.random.default_rng(3)
    net = nn.Sequential(nn.Dense(4, 16, rng=rng), nn.Dropout(0.5, rng=rng), nn.ReLU())
    x = rng.standard_normal((20, 4))
    first = never_positive_units(net, x)[0]
    assert net.training  # restored
    np.testing.assert_array_equal(first, never_positive_units(net, x)[0])  # no dropout noise
    np.testing.assert_array_equal(first, np.all(x @ net[0].W.data + net[0].b.data <= 0, axis=0))
    net.eval()
    dead_units(net, x)
    assert not net.training


def test_a_dead_first_layer_relu_unit_never_changes_under_sgd():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((40, 2))
    y = (x[:, :1] * x[:, 1:] > 0).astype(float)
    net = nn.Sequential(nn.Dense(2, 8, rng=rng), nn.ReLU(), nn.Dense(8, 1, rng=rng))
    net[0].b.data[0] = -(np.abs(x) @ np.abs(net[0].W.data[:, 0])).max() - 1.0  # kill unit 0
    before = (net[0].W.data[:, 0].copy(), net[0].b.data[0], net[2].W.data[0].copy())
    others = net[0].W.data[:, 1:].copy()
    assert dead_units(net, x)[0][0]
    train.fit(net, nn.BCEWithLogitsLoss(), optim.SGD(net.parameters(), lr=0.5), x, y,
              epochs=20, batch_size=8, rng=rng)
    assert dead_units(net, x)[0][0]
    np.testing.assert_array_equal(net[0].W.data[:, 0], before[0])
    assert net[0].b.data[0] == before[1]
    np.testing.assert_array_equal(net[2].W.data[0], before[2])  # outgoing weight frozen too
    assert np.abs(net[0].W.data[:, 1:] - others).max() > 1e-3  # the live units did learn


def test_bad_inputs_raise_clear_errors():
    net = three_unit_net(nn.ReLU())
    with pytest.raises(TypeError, match="model must be a Sequential, got Dense"):
        dead_units(nn.Dense(2, 3, rng=np.random.default_rng(0)), X)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        dead_units(net, X.tolist())
    with pytest.raises(TypeError, match="floating dtype"):
        never_positive_units(net, X.astype(int))
    with pytest.raises(ValueError, match="2-D"):
        dead_units(net, X[0])
    with pytest.raises(ValueError, match="X must not be empty"):
        dead_units(net, X[:0])
    with pytest.raises(ValueError, match="shape"):
        dead_units(net, np.ones((4, 3)))  # Dense names the expected (N, 2)
    no_act = nn.Sequential(nn.Dense(2, 2, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match="no activation layer"):
        dead_units(no_act, X)


def test_dead_fraction_checks_its_masks():
    assert dead_fraction([np.array([True, False]), np.array([True, True, False, False])]) == 0.5
    with pytest.raises(ValueError, match="non-empty list"):
        dead_fraction([])
    with pytest.raises(TypeError, match=r"masks\[1\] must be a boolean"):
        dead_fraction([np.array([True]), np.array([1, 0])])
    with pytest.raises(ValueError, match="no units"):
        dead_fraction([np.zeros(0, dtype=bool)])
