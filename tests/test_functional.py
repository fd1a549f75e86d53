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


@pytest.mark.parametrize(("loss", "make_target"), LOSSES, ids=lambda v: repr(v)[:12])
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
