"""Initialisers: the variances their formulas promise, fans, determinism, bad input."""

import numpy as np
import pytest

from dlbook import init


@pytest.mark.parametrize(("fn", "variance"), [
    (init.xavier_uniform, 2 / (300 + 200)),
    (init.xavier_normal, 2 / (300 + 200)),
    (init.he_uniform, 2 / 300),
    (init.he_normal, 2 / 300),
])
def test_initializer_variance(fn, variance):
    w = fn((300, 200), rng=np.random.default_rng(0))
    assert w.shape == (300, 200) and w.dtype == np.float64
    assert w.var() == pytest.approx(variance, rel=0.02)
    assert abs(w.mean()) < 0.01


def test_uniform_bounds():
    w = init.xavier_uniform((10, 20), rng=np.random.default_rng(0))
    assert np.abs(w).max() <= np.sqrt(6 / 30)


def test_fans_of_dense_and_conv_weights():
    assert init.fans((3, 5)) == (3, 5)
    assert init.fans((16, 3, 5, 5)) == (3 * 25, 16 * 25)
    with pytest.raises(ValueError, match=r"2 or more dims, got \(4,\)"):
        init.fans((4,))


def test_same_seed_same_weights_other_seed_other_weights():
    a = init.he_normal((4, 4), rng=np.random.default_rng(7))
    b = init.he_normal((4, 4), rng=np.random.default_rng(7))
    c = init.he_normal((4, 4), rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_constant_zeros_normal_and_dtype():
    np.testing.assert_array_equal(init.zeros((2, 3)), 0.0)
    np.testing.assert_array_equal(init.constant((2,), 0.5), [0.5, 0.5])
    w = init.normal((500, 400), rng=np.random.default_rng(1), std=0.1, dtype=np.float32)
    assert w.dtype == np.float32 and w.std() == pytest.approx(0.1, rel=0.01)


def test_initializers_reject_bad_input():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        init.he_normal((2, 2), rng=42)
    with pytest.raises(ValueError, match=r"shape\[0\] must be a positive int, got 0"):
        init.xavier_normal((0, 2), rng=np.random.default_rng())
    with pytest.raises(TypeError, match="shape must be a tuple of ints, got int"):
        init.zeros(3)
    with pytest.raises(ValueError, match="std must be > 0, got -1"):
        init.normal((2, 2), rng=np.random.default_rng(), std=-1)


@pytest.mark.parametrize("fn", [init.normal, init.xavier_uniform, init.xavier_normal,
                                init.he_uniform, init.he_normal])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, "int8", bool, np.complex128, None, "x"])
def test_initializers_refuse_a_non_float_dtype(fn, dtype):
    # astype(int) would truncate every weight (|w| < 1) to zero: a silent broken init.
    with pytest.raises(TypeError, match="dtype must be a floating dtype such as np.float64"):
        fn((3, 4), rng=np.random.default_rng(0), dtype=dtype)


def test_zeros_and_constant_refuse_a_non_float_dtype():
    with pytest.raises(TypeError, match="dtype must be a floating dtype such as np.float64"):
        init.zeros((2,), dtype=np.int64)
    with pytest.raises(TypeError, match="dtype must be a floating dtype such as np.float64"):
        init.constant((2,), 0.5, dtype=int)
    assert init.zeros((2,), dtype="float32").dtype == np.float32


def test_initializers_name_a_bad_gain_shape_or_value():
    rng = np.random.default_rng(0)
    for gain, error in [(0.0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                        (np.inf, ValueError), ("2", TypeError), (None, TypeError)]:
        with pytest.raises(error, match="gain must be"):
            init.xavier_uniform((2, 3), rng=rng, gain=gain)
    with pytest.raises(TypeError, match=r"shape\[1\] must be an int, got float"):
        init.he_normal((2, 2.5), rng=rng)
    with pytest.raises(ValueError, match=r"shape must have 2 or more dims, got \(3,\)"):
        init.he_uniform((3,), rng=rng)
    with pytest.raises(TypeError, match="shape must be a tuple of ints, got ndarray"):
        init.xavier_normal(np.array([2, 3]), rng=rng)
    with pytest.raises(TypeError, match="value must be a real number, got str"):
        init.constant((2,), "1")
    with pytest.raises(ValueError, match="value must be finite, got nan"):
        init.constant((2,), np.nan)
    assert init.he_normal([2, 3], rng=rng).shape == (2, 3)  # a list is a shape too
