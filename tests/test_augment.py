"""shift_images: the definition by loops, per-image shifts, edge cases, dtypes, bad input."""

import numpy as np
import pytest

from dlbook.topics.augment import shift_images


def images(shape=(3, 2, 5, 6), seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def shift_naive(x, dy, dx):
    """out[n, c, i, j] = x[n, c, i - dy, j - dx] where that pixel exists, else 0 (loops)."""
    n, c, h, w = x.shape
    out = np.zeros_like(x)
    for k in range(n):
        sy = dy if np.isscalar(dy) else int(dy[k])
        sx = dx if np.isscalar(dx) else int(dx[k])
        for i in range(h):
            for j in range(w):
                if 0 <= i - sy < h and 0 <= j - sx < w:
                    out[k, :, i, j] = x[k, :, i - sy, j - sx]
    return out


@pytest.mark.parametrize("dy, dx", [(0, 0), (1, 0), (0, -1), (2, 3), (-2, 1), (-4, -5),
                                    (5, 0), (0, 6), (-7, 2)])
def test_int_shift_matches_definition(dy, dx):
    x = images()
    np.testing.assert_array_equal(shift_images(x, dy, dx), shift_naive(x, dy, dx))


def test_per_image_shifts_match_definition_and_int_path():
    x = images((6, 2, 5, 6), seed=1)
    dy = np.array([0, 1, -1, 2, -3, 5])
    dx = np.array([0, -2, 1, 0, 6, -1])
    out = shift_images(x, dy, dx)
    np.testing.assert_array_equal(out, shift_naive(x, dy, dx))
    for k in range(len(x)):
        np.testing.assert_array_equal(out[k:k + 1], shift_images(x[k:k + 1], int(dy[k]),
                                                                 int(dx[k])))
    # an int for one axis and an array for the other
    np.testing.assert_array_equal(shift_images(x, 1, dx), shift_naive(x, 1, dx))


def test_zero_shift_is_a_copy():
    x = images()
    out = shift_images(x, 0, 0)
    np.testing.assert_array_equal(out, x)
    assert out is not x and not np.shares_memory(out, x)


def test_shift_larger_than_image_gives_zeros():
    x = images()
    assert not shift_images(x, 5, 0).any()
    assert not shift_images(x, 0, -6).any()
    assert not shift_images(x, np.full(3, 9), np.zeros(3, dtype=int)).any()


def test_shift_and_back_keeps_the_part_that_stayed_inside():
    x = images()
    back = shift_images(shift_images(x, 2, -1), -2, 1)
    np.testing.assert_array_equal(back[:, :, :3, 1:], x[:, :, :3, 1:])
    assert not back[:, :, 3:].any() and not back[:, :, :, :1].any()


def test_zero_fill_and_mass_for_a_single_pixel():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 2] = 1.0
    out = shift_images(x, 2, -2)
    assert out[0, 0, 3, 0] == 1.0 and out.sum() == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = images(dtype=dtype)
    assert shift_images(x, 1, 1).dtype == dtype
    assert shift_images(x, np.ones(3, dtype=int), 0).dtype == dtype


def test_input_is_not_modified():
    x = images()
    before = x.copy()
    shift_images(x, 1, -1)
    shift_images(x, np.array([1, 0, 2]), 1)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("x, error, match", [
    ([[1.0]], TypeError, "numpy.ndarray"),
    (np.zeros((2, 1, 3, 3), dtype=int), TypeError, "floating dtype"),
    (np.zeros((3, 3)), ValueError, r"4-D \(N, C, H, W\)"),
    (np.zeros((2, 3, 3)), ValueError, r"4-D \(N, C, H, W\)"),
])
def test_bad_images(x, error, match):
    with pytest.raises(error, match=match):
        shift_images(x, 1, 1)


@pytest.mark.parametrize("dy, error, match", [
    (1.0, TypeError, "dy must be an int"),
    (True, TypeError, "got bool"),
    ("1", TypeError, "got str"),
    (np.array([1.0, 0.0, 2.0]), TypeError, "dtype float64"),
    (np.array([1, 0]), ValueError, r"shape \(3,\), got shape \(2,\)"),
    (np.array([[1, 0, 2]]), ValueError, r"got shape \(1, 3\)"),
])
def test_bad_shifts(dy, error, match):
    with pytest.raises(error, match=match):
        shift_images(images(), dy, 0)
    with pytest.raises(error, match=match.replace("dy", "dx")):
        shift_images(images(), 0, dy)
