"""The gradient checker itself: it must find wrong gradients, not only bless right ones."""

import numpy as np
import pytest

from dlbook import nn
from dlbook.gradcheck import check_loss, check_module, numerical_gradient, relative_error


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
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Dense(3, 4, rng=rng), nn.BatchNorm1d(4))
    errors = check_module(model, rng.standard_normal((6, 3)), rng=rng)
    assert errors["layers.0.b"] < 1e-8
    assert np.abs(model[0].b.grad).max() < 1e-12


def test_check_module_still_fails_a_wrong_small_gradient():
    class Halved(nn.Dense):
        def backward(self, grad_out):
            g = super().backward(grad_out)
            self.W.grad *= 0.5
            return g

    rng = np.random.default_rng(1)
    layer = Halved(2, 2, rng=rng)
    with pytest.raises(AssertionError, match="gradient of 'W'"):
        check_module(layer, 1e-3 * rng.standard_normal((3, 2)), rng=rng)


# --------------------------------------------------------------------------
# The checkers never pass silently (each case below passed, or crashed, before)
# --------------------------------------------------------------------------


class Double(nn.Module):
    """y = 2x, with a correct backward unless a subclass spoils it."""

    def forward(self, x):
        return 2.0 * x

    def backward(self, grad_out):
        return 2.0 * grad_out


class Linear(nn.Dense):
    """A Dense layer for the parameter cases."""


def small_input(seed=0):
    return np.random.default_rng(seed).standard_normal((3, 2))


def test_check_module_fails_an_analytic_input_gradient_that_is_nan():
    class NaNGrad(Double):
        def backward(self, grad_out):
            return np.full_like(grad_out, np.nan)

    with pytest.raises(AssertionError, match=r"gradient of 'input': the analytic gradient "
                                             r"has 6 NaN or infinite entries of 6"):
        check_module(NaNGrad(), small_input(), rng=np.random.default_rng(0))


def test_check_module_fails_an_analytic_parameter_gradient_that_is_inf():
    class InfW(Linear):
        def backward(self, grad_out):
            g = super().backward(grad_out)
            self.W.grad[0, 0] = np.inf
            return g

    layer = InfW(2, 2, rng=np.random.default_rng(0))
    with pytest.raises(AssertionError, match="gradient of 'W': the analytic gradient has 1 NaN"):
        check_module(layer, small_input(), rng=np.random.default_rng(0))


def test_check_module_fails_when_the_numerical_gradient_is_nan():
    class NaNAwayFromX0(Double):
        # finite at the input, NaN at every perturbed point: f is not differentiable there
        def forward(self, x):
            if not hasattr(self, "x0"):
                self.x0 = x.copy()
            return 2.0 * x if np.array_equal(x, self.x0) else np.full_like(x, np.nan)

    with pytest.raises(AssertionError, match=r"'input': the numerical gradient has 6 NaN or "
                                             r"infinite entries of 6 \(the function is not"):
        check_module(NaNAwayFromX0(), small_input(), rng=np.random.default_rng(0))


@pytest.mark.parametrize("setting", ["tol", "atol"])
@pytest.mark.parametrize(("value", "message"), [(np.nan, "must be finite, got nan"),
                                                (np.inf, "must be finite, got inf"),
                                                (0.0, "must be > 0, got 0"),
                                                (-1e-7, "must be > 0, got -1e-07")])
def test_check_module_refuses_a_tolerance_that_is_not_positive_and_finite(
        setting, value, message):
    # With tol=nan, `err > tol` is False for every err: a wrong gradient used to pass.
    class Wrong(Double):
        def backward(self, grad_out):
            return 3.0 * grad_out

    with pytest.raises(ValueError, match=f"{setting} {message}"):
        check_module(Wrong(), small_input(), rng=np.random.default_rng(0), **{setting: value})


def test_check_module_fails_a_backward_that_returns_none_for_a_float_input():
    class NoInputGrad(Linear):
        def backward(self, grad_out):
            super().backward(grad_out)
            return None

    layer = NoInputGrad(2, 2, rng=np.random.default_rng(0))
    with pytest.raises(AssertionError, match=r"gradient of 'input' is None: backward must "
                                             r"return ∂L/∂input \(an array of shape \(3, 2\)\)"):
        check_module(layer, small_input(), rng=np.random.default_rng(0))


def test_check_module_fails_a_gradient_of_the_wrong_shape():
    class Summed(Double):
        def backward(self, grad_out):
            return 2.0 * grad_out.sum(axis=0)

    with pytest.raises(AssertionError, match=r"gradient of 'input' has shape \(2,\), "
                                             r"expected \(3, 2\)"):
        check_module(Summed(), small_input(), rng=np.random.default_rng(0))


def test_check_module_refuses_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="module must be a Module, got function"):
        check_module(lambda x: x, small_input(), rng=rng)
    with pytest.raises(TypeError, match="x must be float64 for a meaningful check, got float32"):
        check_module(Double(), small_input().astype(np.float32), rng=rng)
    with pytest.raises(ValueError, match="x must be finite, got 1 NaN or infinite entries of 6"):
        x = small_input()
        x[0, 0] = np.nan
        check_module(Double(), x, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        check_module(Double(), small_input(), rng=0)
    for h in (np.nan, np.inf, 0.0, -1e-6):  # h is checked before any forward pass now
        with pytest.raises(ValueError, match="h must be"):
            check_module(Double(), small_input(), rng=rng, h=h)
        with pytest.raises(ValueError, match="h must be"):
            check_loss(nn.MSELoss(), small_input(), small_input(1), h=h)


class HalfMSE(nn.MSELoss):
    """MSE whose backward is scaled by ``factor`` (1 = correct), to spoil on purpose."""

    factor = 1.0

    def backward(self):
        return self.factor * super().backward()


@pytest.mark.parametrize(("factor", "match"), [
    (np.nan, "the analytic gradient has 6 NaN or infinite entries of 6"),
    (np.inf, "the analytic gradient has 6 NaN or infinite entries of 6"),
])
def test_check_loss_fails_a_non_finite_analytic_gradient(factor, match):
    loss = HalfMSE()
    loss.factor = factor
    with pytest.raises(AssertionError, match=match):
        check_loss(loss, small_input(), small_input(1))


def test_check_loss_fails_when_the_numerical_gradient_is_nan():
    class NaNAwayFromX0(nn.MSELoss):
        def __call__(self, pred, target):
            value = super().__call__(pred, target)
            if not hasattr(self, "p0"):
                self.p0 = pred.copy()
            return value if np.array_equal(pred, self.p0) else float("nan")

    with pytest.raises(AssertionError, match="the numerical gradient has 6 NaN"):
        check_loss(NaNAwayFromX0(), small_input(), small_input(1))


def test_check_loss_fails_a_missing_or_misshapen_gradient():
    class NoGrad(nn.MSELoss):
        def backward(self):
            return None

    class Flat(nn.MSELoss):
        def backward(self):
            return super().backward().ravel()

    with pytest.raises(AssertionError, match=r"gradient of 'pred' is None"):
        check_loss(NoGrad(), small_input(), small_input(1))
    with pytest.raises(AssertionError, match=r"gradient of 'pred' has shape \(6,\), "
                                             r"expected \(3, 2\)"):
        check_loss(Flat(), small_input(), small_input(1))


@pytest.mark.parametrize(("setting", "value"), [("tol", np.nan), ("tol", np.inf), ("tol", 0.0)])
def test_check_loss_refuses_a_tolerance_that_is_not_positive_and_finite(setting, value):
    loss = HalfMSE()
    loss.factor = 2.0  # a wrong gradient, which tol=nan or inf used to pass
    with pytest.raises(ValueError, match=f"{setting} must be"):
        check_loss(loss, small_input(), small_input(1), **{setting: value})


def test_check_loss_still_passes_a_right_gradient_and_fails_a_wrong_one():
    assert check_loss(nn.MSELoss(), small_input(), small_input(1)) < 1e-7
    loss = HalfMSE()
    loss.factor = 0.5
    with pytest.raises(AssertionError, match=r"gradient of 'pred' has relative error"):
        check_loss(loss, small_input(), small_input(1))


def test_numerical_gradient_and_relative_error_name_bad_arguments():
    with pytest.raises(TypeError, match="f must be callable, got float"):
        numerical_gradient(1.0, np.zeros(2))
    with pytest.raises(ValueError, match="h must be finite, got nan"):
        numerical_gradient(lambda: 0.0, np.zeros(2), h=np.nan)
    with pytest.raises(TypeError, match="relative_error a must be a numpy.ndarray, got NoneType"):
        relative_error(None, np.zeros(2))
    with pytest.raises(TypeError, match="relative_error b must be a numpy.ndarray, got str"):
        relative_error(np.zeros(2), "abc")
    with pytest.raises(TypeError, match="relative_error a must have a floating dtype, got int64"):
        relative_error(np.zeros(2, dtype=np.int64), np.zeros(2))
    with pytest.raises(TypeError, match="loss must be a Loss, got type"):
        check_loss(nn.MSELoss, np.zeros(2), np.zeros(2))  # the class, not an instance
