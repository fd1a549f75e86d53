"""Activations, softmax family and losses: values, derivatives, stability, bad input."""

import numpy as np
import pytest

from dlbook import functional as F
from dlbook import nn
from dlbook.gradcheck import check_loss, relative_error

X = np.linspace(-4.0, 4.0, 161) + 0.0123  # avoid the kinks at exactly 0

ACTIVATIONS = [
    (F.sigmoid, F.sigmoid_grad),
    (F.tanh, F.tanh_grad),
    (F.relu, F.relu_grad),
    (lambda x: F.leaky_relu(x, 0.1), lambda x: F.leaky_relu_grad(x, 0.1)),
    (lambda x: F.elu(x, 1.5), lambda x: F.elu_grad(x, 1.5)),
    (F.gelu, F.gelu_grad),
    (lambda x: F.swish(x, 1.7), lambda x: F.swish_grad(x, 1.7)),
]


@pytest.mark.parametrize(("f", "df"), ACTIVATIONS)
def test_activation_derivative_matches_central_difference(f, df):
    h = 1e-6
    numeric = (f(X + h) - f(X - h)) / (2 * h)
    assert relative_error(df(X), numeric) < 1e-8


def test_activation_values_at_known_points():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.relu(x), [0.0, 0.0, 2.0])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1), [-0.1, 0.0, 2.0])
    np.testing.assert_allclose(F.elu(x), [np.exp(-1) - 1, 0.0, 2.0])
    np.testing.assert_allclose(F.step(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(F.step_grad(x), 0.0)
    # GELU(x) = x Φ(x); Φ(1) = 0.841344746...
    np.testing.assert_allclose(F.gelu(np.array([1.0])), [0.8413447460685429])
    np.testing.assert_allclose(F.swish(x), x * F.sigmoid(x))


@pytest.mark.parametrize("scale", [1e3, 1e4])
def test_sigmoid_and_softplus_are_finite_and_correct_for_huge_inputs(scale):
    x = np.array([-scale, scale])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = F.sigmoid(x)
        sp = F.softplus(x)
    np.testing.assert_array_equal(s, [0.0, 1.0])
    np.testing.assert_allclose(sp, [0.0, scale])
    assert np.all(np.isfinite(F.sigmoid_grad(x)))


@pytest.mark.parametrize("scale", [1e3, 1e4])
def test_softmax_family_is_stable_for_huge_logits(scale):
    z = np.array([[scale, 0.0, -scale], [scale, scale, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = F.softmax(z)
        ls = F.log_softmax(z)
        lse = F.logsumexp(z)
    np.testing.assert_allclose(s, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], atol=1e-300)
    np.testing.assert_allclose(ls[0], [0.0, -scale, -2 * scale])
    np.testing.assert_allclose(lse, [scale, scale + np.log(2.0)])
    # cross-entropy of a confidently wrong logit is the margin, not inf or nan
    ce = F.cross_entropy(np.array([[scale, 0.0]]), np.array([1]))
    np.testing.assert_allclose(ce, scale)
    bce = F.bce_with_logits(np.array([scale]), np.array([0.0]))
    np.testing.assert_allclose(bce, scale)


def test_softmax_is_shift_invariant_and_sums_to_one():
    z = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(F.softmax(z).sum(axis=1), 1.0)
    np.testing.assert_allclose(F.softmax(z + 100.0), F.softmax(z))
    np.testing.assert_allclose(np.exp(F.log_softmax(z)), F.softmax(z))


def test_softmax_backward_equals_jacobian_product():
    rng = np.random.default_rng(1)
    z, g = rng.standard_normal(4), rng.standard_normal(4)
    s = F.softmax(z)
    jacobian = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(F.softmax_backward(s, g), jacobian @ g)


def test_loss_values_by_hand():
    pred, target = np.array([1.0, 2.0, 5.0]), np.array([0.0, 2.0, 2.0])
    assert F.mse(pred, target) == pytest.approx((1 + 0 + 9) / 3)
    assert F.mae(pred, target) == pytest.approx((1 + 0 + 3) / 3)
    # Huber δ=1: 0.5·1², 0, 1·(3 - 0.5)
    assert F.huber(pred, target) == pytest.approx((0.5 + 0 + 2.5) / 3)
    assert F.hinge(np.array([2.0, 0.5, -1.0]), np.array([1.0, 1.0, 1.0])) == pytest.approx(
        (0 + 0.5 + 2.0) / 3
    )
    # BCE from logit 0 is log 2 whatever the label
    assert F.bce_with_logits(np.zeros(2), np.array([0.0, 1.0])) == pytest.approx(np.log(2))
    # CE of uniform logits over K classes is log K
    assert F.cross_entropy(np.zeros((3, 5)), np.array([0, 1, 4])) == pytest.approx(np.log(5))


def test_cross_entropy_accepts_labels_or_distributions():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    one_hot = np.eye(3)[labels]
    assert F.cross_entropy(z, labels) == pytest.approx(F.cross_entropy(z, one_hot))


LOSSES = [
    (nn.MSELoss(), lambda r: r.standard_normal((6, 2))),
    (nn.L1Loss(), lambda r: r.standard_normal((6, 2))),
    (nn.HuberLoss(delta=0.7), lambda r: 2 * r.standard_normal((6, 2))),
    (nn.BCEWithLogitsLoss(), lambda r: r.uniform(0, 1, (6, 2))),
    (nn.HingeLoss(), lambda r: r.choice([-1.0, 1.0], (6, 2))),
]


@pytest.mark.parametrize(("loss", "make_target"), LOSSES, ids=lambda v: type(v).__name__)
def test_loss_gradients_match_central_differences(loss, make_target):
    rng = np.random.default_rng(3)
    pred = rng.standard_normal((6, 2))
    assert check_loss(loss, pred, make_target(rng)) < 1e-7


def test_cross_entropy_loss_gradient():
    rng = np.random.default_rng(4)
    assert check_loss(nn.CrossEntropyLoss(), rng.standard_normal((5, 4)),
                      rng.integers(0, 4, 5)) < 1e-7


def test_losses_reject_bad_input():
    with pytest.raises(ValueError, match=r"target must have the shape of pred \(3,\), got \(2,\)"):
        F.mse(np.zeros(3), np.zeros(2))
    with pytest.raises(TypeError, match="pred must be a numpy.ndarray, got list"):
        F.mse([1.0], np.zeros(1))
    with pytest.raises(TypeError, match="floating dtype, got int64"):
        F.mse(np.array([1, 2]), np.zeros(2))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\], got 0..3"):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="must have 2 labels"):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="logits must be 2-D, got shape"):
        F.cross_entropy(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.bce_with_logits(np.zeros(2), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"labels in \{-1, \+1\}"):
        F.hinge(np.zeros(2), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="delta must be > 0, got -1"):
        F.huber(np.zeros(2), np.zeros(2), delta=-1)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nn.MSELoss().backward()


# --------------------------------------------------------------------------
# Bad input is named, never NumPy's own error or a silent answer
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [F.step, F.sigmoid, F.sigmoid_grad, F.tanh, F.tanh_grad, F.relu,
                                F.relu_grad, F.leaky_relu, F.elu, F.gelu, F.swish, F.softplus,
                                F.logsumexp, F.log_softmax, F.softmax])
def test_activation_kernels_name_a_bad_input(fn):
    with pytest.raises(TypeError, match=f"{fn.__name__} x must be a numpy.ndarray, got NoneType"):
        fn(None)
    with pytest.raises(TypeError, match=f"{fn.__name__} x must have a floating dtype, got int64"):
        fn(np.arange(3))


def test_activation_kernels_name_a_bad_scalar():
    with pytest.raises(TypeError, match="alpha must be a real number, got str"):
        F.leaky_relu(np.zeros(2), "0.1")
    with pytest.raises(ValueError, match="alpha must be finite, got nan"):
        F.elu_grad(np.zeros(2), alpha=np.nan)
    with pytest.raises(TypeError, match="beta must be a real number, got NoneType"):
        F.swish(np.zeros(2), None)
    with pytest.raises(TypeError, match="grad_out must be a numpy.ndarray, got list"):
        F.softmax_backward(np.zeros(2), [1.0, 2.0])


def test_cross_entropy_rejects_targets_that_are_not_distributions_or_labels():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\]"):
        F.cross_entropy(z, np.array([[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="target rows must be distributions summing to 1, but "
                                         "row 1 sums to 2"):
        F.cross_entropy(z, np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\].*NaN"):
        F.cross_entropy_grad(z, np.array([[np.nan, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\], got -1..1"):
        F.cross_entropy_grad(z, np.array([-1, 1]))
    with pytest.raises(TypeError, match=r"target must be integer labels of shape \(2,\) or "
                                        r"probabilities of shape \(2, 3\), got list"):
        F.cross_entropy(z, [0, 1])
    with pytest.raises(TypeError, match=r"got float64"):  # float labels are a wrong type
        F.cross_entropy(z, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"got float64 array of shape \(2, 2\)"):
        F.cross_entropy(z, np.array([[0.5, 0.5], [0.5, 0.5]]))
    # float32 round-off in a row sum is not an error
    soft = np.full((2, 3), 1 / 3, dtype=np.float32)
    assert F.cross_entropy(z.astype(np.float32), soft) == pytest.approx(np.log(3), rel=1e-6)


def test_bce_rejects_nan_targets_and_losses_name_bad_targets():
    with pytest.raises(ValueError, match="target must be finite, got 1 NaN or infinite entries"):
        F.bce_with_logits_grad(np.zeros(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="target must be finite, got 1 NaN or infinite entries"):
        F.mse(np.zeros(2), np.array([np.inf, 1.0]))
    with pytest.raises(TypeError, match="target must be a numpy.ndarray, got NoneType"):
        F.mse(np.zeros(2), None)
    with pytest.raises(TypeError, match="target must have a floating dtype, got int64"):
        F.bce_with_logits(np.zeros(2), np.array([0, 1]))  # 0/1 labels: cast them to float
    with pytest.raises(ValueError, match=r"target must have the shape of logits \(2,\)"):
        F.bce_with_logits(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="delta must be a real number, got str"):
        F.huber_grad(np.zeros(2), np.zeros(2), delta="1")


def test_convolution_helpers_name_bad_arguments():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(TypeError, match="im2col input must be a numpy.ndarray, got list"):
        F.im2col([[[[0.0]]]], 2)
    with pytest.raises(TypeError, match="im2col out must be a C-contiguous float64 array"):
        F.im2col(x, 2, out=[])
    with pytest.raises(TypeError, match="col2im x_shape must be a tuple"):
        F.col2im(np.zeros((4, 9)), 4, 2)
    with pytest.raises(ValueError, match=r"col2im input \(x_shape\) must be 4-D \(N, C, H, W\)"):
        F.col2im(np.zeros((4, 9)), (1, 4, 4), 2)
    with pytest.raises(TypeError, match="col2im cols must be a numpy.ndarray, got NoneType"):
        F.col2im(None, (1, 1, 4, 4), 2)
    with pytest.raises(ValueError, match=r"col2im cols must have shape \(4, 9\)"):
        F.col2im(np.zeros((4, 8)), (1, 1, 4, 4), 2)
    with pytest.raises(TypeError, match="pad2d x must be a numpy.ndarray"):
        F.pad2d(None, ((1, 1), (1, 1)))
    with pytest.raises(ValueError, match=r"pads\[0\] entries must be >= 0"):
        F.pad2d(x, ((-1, 0), (0, 0)))
    with pytest.raises(TypeError, match=r"size must be a pair of ints \(H, W\), got int"):
        F.conv_padding(5, 3, 1, "same")
    with pytest.raises(TypeError, match="k must be an int, got float"):
        F.same_padding(5, 2.0)
    with pytest.raises(ValueError, match=r"grad_out must have the pooled shape \(1, 1, 2, 2\)"):
        F.avg_pool2d_backward(np.zeros((1, 1, 3, 3)), (1, 1, 4, 4), 2)
    y, argmax = F.max_pool2d(x, 2)
    with pytest.raises(TypeError, match="argmax must have an integer dtype, got float64"):
        F.max_pool2d_backward(y, argmax.astype(float), x.shape, 2)
    with pytest.raises(ValueError, match=r"argmax must have the pooled shape"):
        F.max_pool2d_backward(y, argmax[:, :, :1], x.shape, 2)
