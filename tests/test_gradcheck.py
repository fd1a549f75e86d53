"""The gradient checker itself: it must find wrong gradients, not only bless right ones."""

import numpy as np
import pytest

from dlbook.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_a_cubic():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [[0.5, -1.0], [2.0, 3.0]])  # restored after perturbing


def test_central_difference_error_is_second_order_in_h():
    x = np.array([1.0])
    errors = [abs(numerical_gradient(lambda: float(np.exp(x[0])), x, h)[0] - np.e)
              for h in (1e-2, 1e-3)]
    # truncation error ≈ h² f'''/6: a 10× smaller h gives ≈ 100× smaller error
    assert errors[0] / errors[1] == pytest.approx(100, rel=0.01)


def test_relative_error_properties():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(1e-9 * a, 1e-9 * a * 1.01) == pytest.approx(relative_error(a, 1.01 * a))


def test_gradcheck_rejects_bad_input():
    with pytest.raises(ValueError, match="h must be > 0, got 0"):
        numerical_gradient(lambda: 0.0, np.zeros(2), h=0)
    with pytest.raises(TypeError, match="x must have a floating dtype, got int64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, np.zeros((3, 4)).T)
    with pytest.raises(ValueError, match=r"equal shapes, got \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_module_accepts_a_gradient_that_is_zero_in_truth():
    # The bias before batch norm: BN subtracts the batch mean, so ∂L/∂b = 0 exactly, and the
    # finite difference is round-off noise. A relative error of that would be ~1.
    from dlbook import nn
    from dlbook.gradcheck import check_module

    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Dense(3, 4, rng=rng), nn.BatchNorm1d(4))
    errors = check_module(model, rng.standard_normal((6, 3)), rng=rng)
    assert errors["layers.0.b"] < 1e-8
    assert np.abs(model[0].b.grad).max() < 1e-12


def test_check_module_still_fails_a_wrong_small_gradient():
    from dlbook import nn
    from dlbook.gradcheck import check_module

    class Halved(nn.Dense):
        def backward(self, grad_out):
            g = super().backward(grad_out)
            self.W.grad *= 0.5
            return g

    rng = np.random.default_rng(1)
    layer = Halved(2, 2, rng=rng)
    with pytest.raises(AssertionError, match="gradient of 'W'"):
        check_module(layer, 1e-3 * rng.standard_normal((3, 2)), rng=rng)
