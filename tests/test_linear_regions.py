"""Tests for dlbook.topics.linear_regions: the tent-map network, the interpolant, piece counts,
errors."""

import numpy as np
import pytest

from dlbook import init, nn
from dlbook.topics import linear_regions as R


def random_mlp(widths, seed=0, bias_std=1.0):
    rng = np.random.default_rng(seed)
    sizes = [1, *widths, 1]
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        dense = nn.Dense(a, b, rng=rng, weight_init=init.he_normal)
        dense.b.data[:] = bias_std * rng.standard_normal(b)
        layers.append(dense)
        if i < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


# ------------------------------------------------------------------ the sawtooth


def test_tent_is_two_relus_on_the_unit_interval():
    x = np.linspace(0.0, 1.0, 1001)
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    np.testing.assert_allclose(R.tent(x), 2 * relu(x) - 4 * relu(x - 0.5), atol=1e-15)
    assert R.tent(np.array([0.0, 0.25, 0.5, 1.0])).tolist() == [0.0, 0.5, 1.0, 0.0]


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_sawtooth_alternates_zero_and_one_at_dyadic_points(depth):
    k = np.arange(2**depth + 1)
    values = R.sawtooth(k / 2.0**depth, depth)
    np.testing.assert_allclose(values, k % 2, atol=1e-12)
    np.testing.assert_array_equal(R.sawtooth(np.array([0.3]), 1), R.tent(np.array([0.3])))


@pytest.mark.parametrize("depth", [1, 2, 4, 7, 10])
def test_tent_network_computes_the_sawtooth_with_6L_plus_1_parameters(depth):
    net = R.tent_network(depth)
    x = np.linspace(0.0, 1.0, 4097)[:, None]
    np.testing.assert_allclose(net(x), R.sawtooth(x, depth), atol=1e-12)
    assert net.num_parameters() == 6 * depth + 1
    assert sum(isinstance(layer, nn.ReLU) for layer in net) == depth


def test_make_sawtooth_shapes_noise_and_determinism():
    x, y = R.make_sawtooth(50, 3, rng=np.random.default_rng(1))
    assert x.shape == y.shape == (50, 1)
    assert np.all((x >= 0) & (x <= 1))
    np.testing.assert_allclose(y, R.sawtooth(x, 3))
    x2, y2 = R.make_sawtooth(50, 3, noise=0.1, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(x, x2)
    assert 0 < np.abs(y2 - y).max() < 1


# ------------------------------------------------------------------ interpolant


def test_interpolant_network_matches_np_interp_with_one_unit_per_piece():
    rng = np.random.default_rng(2)
    knots = np.sort(rng.uniform(-2, 3, 9))
    values = rng.normal(size=9)
    net = R.interpolant_network(knots, values)
    x = np.linspace(knots[0], knots[-1], 2001)
    np.testing.assert_allclose(net(x[:, None])[:, 0], np.interp(x, knots, values), atol=1e-10)
    assert net[0].out_features == 8
    assert R.count_linear_regions(net, knots[0], knots[-1]) == 8


def test_interpolant_of_the_sawtooth_uses_2_to_the_L_units():
    depth = 5
    knots = np.linspace(0.0, 1.0, 2**depth + 1)
    net = R.interpolant_network(knots, R.sawtooth(knots, depth))
    x = np.linspace(0.0, 1.0, 3001)[:, None]
    np.testing.assert_allclose(net(x), R.sawtooth(x, depth), atol=1e-10)
    assert net[0].out_features == 2**depth


# ------------------------------------------------------------------ counting


@pytest.mark.parametrize("depth", range(1, 9))
def test_grid_and_exact_counts_of_the_tent_network_are_2_to_the_L(depth):
    net = R.tent_network(depth)
    for n in (2**12 + 1, 20001):  # knots on grid points, and knots inside grid intervals
        x = np.linspace(0.0, 1.0, n)
        assert R.count_linear_pieces(x, net(x[:, None])) == 2**depth
    knots, slopes, _ = R.relu_pieces(net, 0.0, 1.0)
    np.testing.assert_allclose(knots, np.arange(1, 2**depth) / 2**depth, atol=1e-12)
    np.testing.assert_allclose(np.abs(slopes[:, 0]), 2.0**depth)
    assert R.count_linear_regions(net, 0.0, 1.0) == 2**depth


def test_count_linear_pieces_simple_functions():
    x = np.linspace(-1.0, 1.0, 101)
    assert R.count_linear_pieces(x, 3 * x + 1) == 1
    assert R.count_linear_pieces(x, np.zeros_like(x)) == 1
    assert R.count_linear_pieces(x, np.abs(x - 0.013)) == 2  # kink inside an interval
    assert R.count_linear_pieces(x, np.abs(x)) == 2  # kink on a grid point
    assert R.count_linear_pieces(x[:2], x[:2]) == 1


def test_shallow_network_has_m_plus_1_pieces_at_its_kinks():
    m = 12
    net = random_mlp([m], seed=3)
    knots, slopes, intercepts = R.relu_pieces(net)
    first = net[0]
    np.testing.assert_allclose(knots, np.sort(-first.b.data / first.W.data[0]), rtol=1e-12)
    assert slopes.shape == intercepts.shape == (m + 1, 1)
    assert R.count_linear_regions(net) == m + 1


def test_exact_pieces_reproduce_the_network_and_agree_with_the_grid_count():
    net = random_mlp([6, 6, 6], seed=4)
    knots, slopes, intercepts = R.relu_pieces(net, -3.0, 3.0)
    x = np.linspace(-3.0, 3.0, 200_001)
    region = np.searchsorted(knots, x)
    np.testing.assert_allclose(x * slopes[region, 0] + intercepts[region, 0], net(x[:, None])[:, 0],
                               atol=1e-9)
    assert R.count_linear_regions(net, -3.0, 3.0) == R.count_linear_pieces(x, net(x[:, None]))


def test_region_count_is_at_most_the_product_of_widths_plus_one():
    for seed in range(5):
        net = random_mlp([4, 3, 5], seed=seed)
        assert R.count_linear_regions(net) <= 5 * 4 * 6


def test_scaling_every_bias_scales_the_knots():
    net = random_mlp([5, 5], seed=5)
    knots, _, _ = R.relu_pieces(net)
    for layer in net:
        if isinstance(layer, nn.Dense):
            layer.b.data *= 3.0
    np.testing.assert_allclose(R.relu_pieces(net)[0], 3.0 * knots, rtol=1e-9)


def test_network_without_relu_is_one_piece_and_multi_output_is_allowed():
    rng = np.random.default_rng(6)
    assert R.count_linear_regions(nn.Sequential(nn.Dense(1, 3, rng=rng))) == 1
    net = nn.Sequential(nn.Dense(1, 4, rng=rng), nn.ReLU(), nn.Dense(4, 2, rng=rng))
    net[0].b.data[:] = rng.normal(size=4)
    knots, slopes, _ = R.relu_pieces(net)
    assert slopes.shape == (knots.size + 1, 2)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("depth, error", [(0, ValueError), (-2, ValueError),
                                          (1.5, TypeError), (True, TypeError)])
def test_bad_depth(depth, error):
    with pytest.raises(error, match="depth"):
        R.tent_network(depth)
    with pytest.raises(error, match="depth"):
        R.sawtooth(np.array([0.5]), depth)


def test_bad_sawtooth_and_data_inputs():
    with pytest.raises(TypeError, match="x"):
        R.tent([0.5])
    with pytest.raises(TypeError, match="floating"):
        R.sawtooth(np.array([0, 1]), 2)
    with pytest.raises(TypeError, match="rng"):
        R.make_sawtooth(10, 2, rng=0)
    with pytest.raises(ValueError, match="noise"):
        R.make_sawtooth(10, 2, noise=-1.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n"):
        R.make_sawtooth(0, 2, rng=np.random.default_rng(0))


def test_bad_interpolant_inputs():
    x, y = np.linspace(0, 1, 5), np.zeros(5)
    with pytest.raises(ValueError, match="shape"):
        R.interpolant_network(x, y[:4])
    with pytest.raises(ValueError, match="at least 2"):
        R.interpolant_network(x[:1], y[:1])
    with pytest.raises(ValueError, match="increasing"):
        R.interpolant_network(x[::-1], y)
    with pytest.raises(ValueError, match="finite"):
        R.interpolant_network(np.array([0.0, np.nan]), np.zeros(2))
    with pytest.raises(ValueError, match="1-D"):
        R.interpolant_network(x[:, None], y[:, None])


def test_bad_count_linear_pieces_inputs():
    x = np.linspace(0, 1, 10)
    with pytest.raises(ValueError, match="shape"):
        R.count_linear_pieces(x, x[:9])
    with pytest.raises(ValueError, match="1-D"):
        R.count_linear_pieces(x[:, None], x)
    with pytest.raises(ValueError, match="increasing"):
        R.count_linear_pieces(x[::-1], x)
    with pytest.raises(ValueError, match="at least 2"):
        R.count_linear_pieces(x[:1], x[:1])
    with pytest.raises(ValueError, match="finite"):
        R.count_linear_pieces(x, np.full(10, np.inf))
    with pytest.raises(ValueError, match="rtol"):
        R.count_linear_pieces(x, x, rtol=0.0)
    with pytest.raises(TypeError, match="floating"):
        R.count_linear_pieces(np.arange(10), x)


def test_bad_models_for_exact_counts():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="Sequential"):
        R.relu_pieces(nn.Dense(1, 1, rng=rng))
    with pytest.raises(TypeError, match="layer 1 must be Dense or ReLU, got Tanh"):
        R.relu_pieces(nn.Sequential(nn.Dense(1, 2, rng=rng), nn.Tanh(), nn.Dense(2, 1, rng=rng)))
    with pytest.raises(ValueError, match="in_features=2"):
        R.relu_pieces(nn.Sequential(nn.Dense(2, 1, rng=rng)))
    with pytest.raises(ValueError, match="at least one Dense"):
        R.relu_pieces(nn.Sequential(nn.ReLU()))
    with pytest.raises(ValueError, match="lo < hi"):
        R.relu_pieces(R.tent_network(2), 1.0, 0.0)
    with pytest.raises(ValueError, match="lo < hi"):
        R.count_linear_regions(R.tent_network(2), np.nan, 1.0)
