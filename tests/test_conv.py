"""Convolution, pooling and flattening: gradient checks, references, sizes, bad input, dtypes."""

import math

import numpy as np
import pytest
from scipy import signal

from dlbook import functional as F
from dlbook import nn
from dlbook.gradcheck import check_module


def rng(seed=0):
    return np.random.default_rng(seed)


def distinct(shape, seed=0, gap=0.1):
    """Values k·gap for a random permutation of k: no ties, and far apart compared with the
    finite-difference step, so no window's argmax switches during a gradient check."""
    return rng(seed).permutation(math.prod(shape)).reshape(shape) * gap - 1.0


def conv_layer(c, f, k, *, seed=0, **kwargs):
    """A Conv2d with a random (non-zero) bias, so the bias gradient is really tested."""
    layer = nn.Conv2d(c, f, k, rng=rng(seed), **kwargs)
    if layer.b is not None:
        layer.b.data[...] = rng(seed + 1).standard_normal(f)
    return layer


# (N, C, H, W, F, kernel, stride, padding): every stride 1-3, every padding form, kernel
# sizes 1, 2, 3, 5 and a non-square one, square and non-square inputs.
CONV_CASES = [
    (2, 3, 5, 5, 4, 3, 1, 0),
    (2, 2, 6, 7, 3, 3, 1, 1),
    (1, 2, 7, 6, 2, 3, 2, 1),
    (2, 1, 8, 5, 3, 2, 2, 0),
    (1, 3, 7, 9, 2, 3, 3, (1, 2)),
    (2, 2, 6, 5, 3, 1, 1, 0),
    (1, 2, 5, 6, 2, 1, 2, "same"),
    (1, 2, 7, 7, 2, 5, 1, "same"),
    (1, 1, 9, 8, 2, 5, 2, 2),
    (2, 2, 6, 8, 2, 3, 2, "same"),
    (1, 2, 8, 7, 3, 3, 3, "same"),
    (2, 2, 7, 6, 2, 3, 2, "valid"),
    (1, 1, 6, 9, 2, 5, 3, "valid"),
    (1, 2, 6, 7, 2, (2, 3), (1, 2), (1, 0)),
    (1, 2, 4, 4, 2, 2, 1, "same"),
]


@pytest.mark.parametrize(("n", "c", "h", "w", "f", "k", "s", "p"), CONV_CASES)
def test_conv2d_gradients(n, c, h, w, f, k, s, p):
    layer = conv_layer(c, f, k, stride=s, padding=p)
    errors = check_module(layer, rng(2).standard_normal((n, c, h, w)), rng=rng(3))
    assert set(errors) == {"input", "W", "b"}
    assert max(errors.values()) < 1e-7


def test_conv2d_gradients_without_bias():
    layer = nn.Conv2d(2, 3, 3, rng=rng(), padding=1, bias=False)
    errors = check_module(layer, rng(1).standard_normal((2, 2, 5, 4)), rng=rng(2))
    assert set(errors) == {"input", "W"} and max(errors.values()) < 1e-7


# (H, W, kernel, stride): non-overlapping (stride None = kernel), overlapping (stride <
# kernel), gapped (stride > kernel), non-square windows and strides, ragged edges.
POOL_CASES = [
    (4, 4, 2, None),
    (5, 7, 2, None),
    (5, 5, 3, 1),
    (7, 6, 3, 2),
    (7, 8, 2, 3),
    (6, 7, (2, 3), (1, 2)),
    (5, 4, 1, 1),
    (5, 6, 5, 1),
]


@pytest.mark.parametrize("pool", [nn.MaxPool2d, nn.AvgPool2d])
@pytest.mark.parametrize(("h", "w", "k", "s"), POOL_CASES)
def test_pool_gradients(pool, h, w, k, s):
    errors = check_module(pool(k, s), distinct((2, 3, h, w), seed=h * w), rng=rng(1))
    assert errors["input"] < 1e-7


def test_flatten_gradients_and_shapes():
    layer = nn.Flatten()
    x = rng().standard_normal((3, 2, 4, 5))
    assert layer(x).shape == (3, 40)
    np.testing.assert_array_equal(layer(x)[1], x[1].ravel())
    assert check_module(layer, x, rng=rng(1))["input"] < 1e-7


def test_small_cnn_gradients_through_sequential():
    r = rng(7)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, rng=r, padding="same"), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 2, rng=r, stride=1), nn.AvgPool2d(2, 1), nn.Flatten(),
        nn.Dense(4, 2, rng=r),
    )
    x = r.standard_normal((2, 2, 6, 6))
    assert model(x).shape == (2, 2)
    errors = check_module(model, x, rng=r)
    assert len(errors) == 1 + 6 and max(errors.values()) < 1e-7


# --------------------------------------------------------------------------
# The vectorised forward against the loops and against SciPy
# --------------------------------------------------------------------------


def scipy_conv2d(x, w, b, stride, padding):
    """y[n, f] = b[f] + Σ_c correlate(x_pad[n, c], w[f, c], 'valid'), subsampled by stride."""
    (sh, sw) = (stride, stride) if isinstance(stride, int) else stride
    pads = F.conv_padding(x.shape[2:], w.shape[2:], stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    return np.stack([
        np.stack([
            sum(signal.correlate(xp[n, c], w[f, c], mode="valid") for c in range(x.shape[1]))
            [::sh, ::sw] + b[f]
            for f in range(w.shape[0])])
        for n in range(x.shape[0])])


@pytest.mark.parametrize(("n", "c", "h", "w", "f", "k", "s", "p"), CONV_CASES)
def test_conv2d_matches_naive_loops_and_scipy(n, c, h, w, f, k, s, p):
    kh, kw = (k, k) if isinstance(k, int) else k
    x = rng(1).standard_normal((n, c, h, w))
    weight = rng(2).standard_normal((f, c, kh, kw))
    b = rng(3).standard_normal(f)
    y = F.conv2d(x, weight, b, s, p)
    np.testing.assert_allclose(y, F.conv2d_naive(x, weight, b, s, p), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, scipy_conv2d(x, weight, b, s, p), rtol=1e-12, atol=1e-12)
    layer = nn.Conv2d(c, f, k, rng=rng(), stride=s, padding=p)
    layer.W.data[...], layer.b.data[...] = weight, b
    np.testing.assert_allclose(layer(x), y, rtol=1e-12, atol=1e-12)


def test_conv2d_is_cross_correlation_not_flipped():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 0, 0] = 1.0  # a single 1 in the top-left corner
    w = np.arange(9.0).reshape(1, 1, 3, 3)
    # Correlation of an impulse reads the kernel back flipped; convolution would not.
    np.testing.assert_array_equal(F.conv2d(x, w, padding=2)[0, 0, :3, :3], w[0, 0, ::-1, ::-1])


def test_im2col_and_col2im_are_adjoint():
    # <im2col(x), C> = <x, col2im(C)> for overlapping, padded, strided windows.
    x = rng(1).standard_normal((2, 3, 7, 6))
    for k, s, p in [(3, 1, 1), (3, 2, "same"), (2, 1, 0), ((3, 2), (2, 1), (1, 2))]:
        cols = F.im2col(x, k, s, p)
        c = rng(2).standard_normal(cols.shape)
        lhs = np.sum(cols * c)
        rhs = np.sum(x * F.col2im(c, x.shape, k, s, p))
        assert lhs == pytest.approx(rhs, rel=1e-12)


def test_im2col_layout_and_out_argument():
    x = rng().standard_normal((2, 3, 5, 4))
    cols = F.im2col(x, 2, 1, 0)
    assert cols.shape == (3 * 2 * 2, 2 * 4 * 3)
    # Row (c, u, v), column (n, i, j) holds x[n, c, i + u, j + v].
    assert cols.reshape(3, 2, 2, 2, 4, 3)[1, 0, 1, 1, 2, 0] == x[1, 1, 2, 1]
    out = np.empty_like(cols)
    assert F.im2col(x, 2, 1, 0, out=out) is out
    np.testing.assert_array_equal(out, cols)
    with pytest.raises(ValueError, match=r"out must be a C-contiguous float64 array of shape"):
        F.im2col(x, 2, 1, 0, out=np.empty((12, 24), dtype=np.float32))


# --------------------------------------------------------------------------
# Output sizes and padding: TensorFlow's SAME / VALID rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_same_and_valid_sizes_follow_tensorflow(k, s):
    for n in range(1, 13):
        out_same = math.ceil(n / s)
        total = max((out_same - 1) * s + k - n, 0)
        assert F.same_padding(n, k, s) == (total // 2, total - total // 2)
        assert F.conv_output_size(n, k, s, "same") == out_same
        x = np.ones((1, 1, n, 13 - n))
        w = np.ones((1, 1, k, k))
        assert F.conv2d(x, w, stride=s, padding="SAME").shape[2:] == (
            out_same, math.ceil((13 - n) / s))
        if n >= k:
            assert F.conv_output_size(n, k, s, "valid") == math.ceil((n - k + 1) / s)
            out_valid = math.ceil((n - k + 1) / s)
            assert F.conv2d(np.ones((1, 1, n, n)), w, stride=s, padding="valid").shape[2:] == (
                out_valid, out_valid)
        else:
            with pytest.raises(ValueError, match=f"kernel size {k} is larger than the padded"):
                F.conv_output_size(n, k, s, "valid")


def test_explicit_padding_output_size():
    # floor((n + before + after - k) / s) + 1, as in PyTorch.
    assert F.conv_output_size(7, 3, 2, 1) == 4
    assert F.conv_output_size(7, 3, 2, (0, 1)) == 3
    assert F.conv_output_size(5, 5, 1, 0) == 1
    assert F.conv2d(np.ones((1, 1, 7, 5)), np.ones((2, 1, 3, 3)), stride=2,
                    padding=(1, 2)).shape == (1, 2, 4, 4)


def test_same_padding_puts_the_extra_row_and_column_bottom_right():
    # n = 6, k = 3, s = 2: out = 3, total pad = (3-1)·2 + 3 - 6 = 1, all of it after.
    assert F.same_padding(6, 3, 2) == (0, 1)
    assert F.conv_padding((6, 5), 3, 2, "same") == ((0, 1), (1, 1))  # 5: total 2, split
    # n = 4, k = 2, s = 1: total pad 1, after. With an all-ones 2x2 kernel the top-left
    # output sums x[0:2, 0:2] (no pad above or left) and the bottom-right output sees x[3, 3]
    # alone (the pad row and column are below and to the right).
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    y = F.conv2d(x, np.ones((1, 1, 2, 2)), padding="same")[0, 0]
    assert y.shape == (4, 4)
    assert y[0, 0] == 0 + 1 + 4 + 5
    assert y[3, 3] == 15
    assert y[3, 0] == 12 + 13 and y[0, 3] == 3 + 7


# --------------------------------------------------------------------------
# Pooling by hand
# --------------------------------------------------------------------------


def test_max_pool_routes_the_gradient_to_the_argmax():
    x = np.array([[1.0, 5.0, 2.0, 0.0],
                  [3.0, 4.0, 8.0, 1.0],
                  [0.0, 2.0, 1.0, 1.5],
                  [7.0, 1.0, 3.0, 2.0]]).reshape(1, 1, 4, 4)
    pool = nn.MaxPool2d(2)
    np.testing.assert_array_equal(pool(x)[0, 0], [[5.0, 8.0], [7.0, 3.0]])
    dx = pool.backward(np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 1, 2, 2))
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 2], expected[3, 0], expected[3, 2] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_max_pool_overlapping_windows_add_their_gradients():
    # 3x3 input, 2x2 windows, stride 1: the centre is the max of all four windows.
    x = np.array([[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]).reshape(1, 1, 3, 3)
    pool = nn.MaxPool2d(2, stride=1)
    np.testing.assert_array_equal(pool(x)[0, 0], [[9.0, 9.0], [9.0, 9.0]])
    dx = pool.backward(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2))
    expected = np.zeros((3, 3))
    expected[1, 1] = 1 + 2 + 3 + 4
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum_only():
    x = np.array([[2.0, 2.0], [2.0, 1.0]]).reshape(1, 1, 2, 2)
    pool = nn.MaxPool2d(2)
    pool(x)
    dx = pool.backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(dx[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_avg_pool_by_hand():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    pool = nn.AvgPool2d(2, stride=1)
    np.testing.assert_array_equal(pool(x)[0, 0], [[2.0, 3.0], [5.0, 6.0]])
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5],
                                             [0.25, 0.5, 0.25]])


def test_pool_ragged_edge_gets_zero_gradient():
    # 5 rows, window 2, stride 2: the last row is in no window (floor), so no gradient.
    x = distinct((1, 1, 5, 5))
    for pool in (nn.MaxPool2d(2), nn.AvgPool2d(2)):
        assert pool(x).shape == (1, 1, 2, 2)
        dx = pool.backward(np.ones((1, 1, 2, 2)))
        assert not dx[0, 0, 4].any() and not dx[0, 0, :, 4].any()


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_conv2d_rejects_bad_input():
    layer = nn.Conv2d(3, 2, 3, rng=rng())
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, H, W\), got "
                                         r"\(2, 4, 5, 5\)"):
        layer(np.zeros((2, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3\) is larger than the padded input "
                                         r"\(2, 5\)"):
        layer(np.zeros((1, 3, 2, 5)))
    with pytest.raises(ValueError, match=r"must be 4-D, got shape \(3, 5, 5\); "
                                         r"expected \(N, 3, H, W\)"):
        layer(np.zeros((3, 5, 5)))
    with pytest.raises(TypeError, match="must have a floating dtype, got int64"):
        layer(np.zeros((1, 3, 5, 5), dtype=np.int64))
    with pytest.raises(TypeError, match="must be a numpy.ndarray, got list"):
        layer([[[[1.0]]]])
    # Padding makes a small input large enough: 2 + 2·1 >= 3.
    assert nn.Conv2d(3, 2, 3, rng=rng(), padding=1)(np.zeros((1, 3, 2, 2))).shape == (1, 2, 2, 2)


def test_conv2d_rejects_bad_grad_out_and_early_backward():
    layer = nn.Conv2d(1, 2, 3, rng=rng())
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.zeros((1, 2, 3, 3)))
    layer(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(1, 2, 3, 3\)"):
        layer.backward(np.zeros((1, 2, 5, 5)))


def test_conv2d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="padding must be an int, a pair of ints, 'same' or"):
        nn.Conv2d(1, 1, 3, rng=rng(), padding="full")
    with pytest.raises(ValueError, match=r"padding entries must be >= 0, got -1"):
        nn.Conv2d(1, 1, 3, rng=rng(), padding=-1)
    with pytest.raises(ValueError, match=r"stride entries must be >= 1, got \(1, 0\)"):
        nn.Conv2d(1, 1, 3, rng=rng(), stride=(1, 0))
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints"):
        nn.Conv2d(1, 1, 2.5, rng=rng())
    with pytest.raises(ValueError, match="kernel_size must be an int or a pair of ints"):
        nn.Conv2d(1, 1, (1, 2, 3), rng=rng())
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nn.Conv2d(1, 1, 3, rng=0)
    with pytest.raises(ValueError, match="in_channels must be a positive int, got 0"):
        nn.Conv2d(0, 1, 3, rng=rng())


def test_functional_conv2d_rejects_mismatched_weight_and_bias():
    x = np.zeros((1, 3, 5, 5))
    with pytest.raises(ValueError, match=r"weight w expects 2 input channels, but the input x has "
                                         r"shape \(1, 3, 5, 5\) with 3 channels"):
        F.conv2d(x, np.zeros((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"weight w must be 4-D \(F, C, KH, KW\), got shape"):
        F.conv2d(x, np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match=r"bias b must have shape \(4,\), got \(3,\)"):
        F.conv2d(x, np.zeros((4, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"kernel_size \(6, 6\) is larger than the padded input"):
        F.conv2d_naive(x, np.zeros((4, 3, 6, 6)))


@pytest.mark.parametrize("pool", [nn.MaxPool2d, nn.AvgPool2d])
def test_pools_reject_bad_input(pool):
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3\) is larger than the padded input "
                                         r"\(2, 4\)"):
        pool(3)(np.zeros((1, 1, 2, 4)))
    with pytest.raises(ValueError, match=r"must be 4-D \(N, C, H, W\), got shape \(4, 4\)"):
        pool(2)(np.zeros((4, 4)))
    with pytest.raises(TypeError, match="must have a floating dtype, got int32"):
        pool(2)(np.zeros((1, 1, 4, 4), dtype=np.int32))
    layer = pool(2)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.zeros((1, 1, 2, 2)))
    layer(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(1, 1, 2, 2\)"):
        layer.backward(np.zeros((1, 1, 4, 4)))


def test_flatten_rejects_bad_input():
    with pytest.raises(ValueError, match=r"at least 2-D \(N, \.\.\.\), got shape \(5,\)"):
        nn.Flatten()(np.zeros(5))
    with pytest.raises(TypeError, match="must have a floating dtype, got int64"):
        nn.Flatten()(np.zeros((2, 3), dtype=np.int64))


# --------------------------------------------------------------------------
# dtypes, buffers, accumulation
# --------------------------------------------------------------------------


def all_layers(param_dtype):
    return [conv_layer(2, 3, 3, padding="same", dtype=param_dtype),
            conv_layer(2, 3, 2, stride=2, dtype=param_dtype),
            nn.MaxPool2d(2), nn.MaxPool2d(3, 1), nn.AvgPool2d(2), nn.AvgPool2d(3, 2),
            nn.Flatten()]


@pytest.mark.parametrize("param_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_layer_keeps_the_input_dtype(dtype, param_dtype):
    x = rng().standard_normal((2, 2, 6, 5)).astype(dtype)
    for layer in all_layers(param_dtype):
        y = layer(x)
        assert y.dtype == dtype, layer
        # The gradient arrives in float64 (or float32): the input gradient has x's dtype.
        for g_dtype in (np.float32, np.float64):
            dx = layer.backward(rng(1).standard_normal(y.shape).astype(g_dtype))
            assert dx.dtype == dtype and dx.shape == x.shape, layer
        for p in layer.parameters():
            assert p.data.dtype == param_dtype and p.grad.dtype == param_dtype


def test_float32_layers_agree_with_float64():
    x = rng().standard_normal((2, 2, 6, 5))
    for layer in all_layers(np.float64):
        y64, y32 = layer(x), layer(x.astype(np.float32))
        g = rng(1).standard_normal(y64.shape)
        layer.zero_grad()
        dx32 = layer.backward(g.astype(np.float32))
        grads32 = [p.grad.copy() for p in layer.parameters()]
        layer.zero_grad()
        layer(x)
        dx64 = layer.backward(g)
        np.testing.assert_allclose(y32, y64, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(dx32, dx64, rtol=1e-5, atol=1e-5)
        for g32, p in zip(grads32, layer.parameters(), strict=True):
            np.testing.assert_allclose(g32, p.grad, rtol=1e-4, atol=1e-4)


def test_conv2d_gradients_accumulate_and_buffers_follow_the_shape():
    layer = conv_layer(2, 3, 3, padding=1)
    x = rng(1).standard_normal((2, 2, 5, 4))
    g = rng(2).standard_normal((2, 3, 5, 4))
    layer(x)
    dx1 = layer.backward(g)
    w_grad = layer.W.grad.copy()
    dx2 = layer.backward(g)  # a second backward of the same forward: same dx, doubled grads
    np.testing.assert_array_equal(dx1, dx2)
    np.testing.assert_allclose(layer.W.grad, 2 * w_grad)
    # A new batch size or image size must not reuse stale work arrays.
    for shape in [(3, 2, 5, 4), (1, 2, 7, 6), (2, 2, 5, 4)]:
        x = rng(3).standard_normal(shape)
        np.testing.assert_allclose(layer(x), F.conv2d(x, layer.W.data, layer.b.data, 1, 1),
                                   rtol=1e-12, atol=1e-12)


def test_conv2d_repr_and_parameter_shapes():
    layer = nn.Conv2d(3, 8, (3, 5), rng=rng(), stride=2, padding="same")
    assert layer.W.shape == (8, 3, 3, 5) and layer.b.shape == (8,)
    assert layer.num_parameters() == 8 * 3 * 3 * 5 + 8
    assert repr(layer) == ("Conv2d(in_channels=3, out_channels=8, kernel_size=(3, 5), "
                           "stride=(2, 2), padding='same')")
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2))"
    # He initialisation: Var W = 2 / fan_in, fan_in = C·KH·KW.
    big = nn.Conv2d(16, 64, 3, rng=rng())
    assert big.W.data.std() == pytest.approx(math.sqrt(2 / (16 * 9)), rel=0.05)
