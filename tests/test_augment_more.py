"""rotate_images, add_gaussian_noise, random_shift, random_rotate: definitions, errors."""

import numpy as np
import pytest

from dlbook.topics.augment import (
    add_gaussian_noise,
    random_rotate,
    random_shift,
    rotate_images,
    shift_images,
)


def images(shape=(3, 2, 7, 7), seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("order", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [7, 8])
def test_rotation_by_zero_is_identity_and_by_90_is_rot90(order, size):
    x = images((3, 2, size, size))
    np.testing.assert_allclose(rotate_images(x, 0.0, order=order), x, atol=1e-12)
    np.testing.assert_allclose(rotate_images(x, 90.0, order=order),
                               np.rot90(x, axes=(2, 3)), atol=1e-12)
    np.testing.assert_allclose(rotate_images(x, 180.0, order=order),
                               np.rot90(x, 2, axes=(2, 3)), atol=1e-12)


def test_rotation_matches_loop_definition_nearest_per_image():
    x = images((4, 1, 6, 5), seed=3)
    angles = np.array([10.0, -25.0, 33.0, 0.0])
    out = rotate_images(x, angles, order="nearest")
    n, c, h, w = x.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    ref = np.zeros_like(x)
    for k in range(n):
        t = np.deg2rad(angles[k])
        for i in range(h):
            for j in range(w):
                ys = cy + (i - cy) * np.cos(t) + (j - cx) * np.sin(t)
                xs = cx + (j - cx) * np.cos(t) - (i - cy) * np.sin(t)
                r, s = int(np.rint(ys)), int(np.rint(xs))
                if 0 <= r < h and 0 <= s < w:
                    ref[k, :, i, j] = x[k, :, r, s]
    np.testing.assert_allclose(out, ref)


def test_bilinear_keeps_constant_image_inside_and_shapes_dtype():
    x = np.ones((2, 1, 9, 9), dtype=np.float32)
    out = rotate_images(x, np.array([15.0, -15.0]))
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_allclose(out[:, :, 3:6, 3:6], 1.0, atol=1e-6)   # centre unaffected
    assert out.min() >= 0 and out.max() <= 1 + 1e-6


def test_noise_statistics_and_dtype():
    x = np.zeros((200, 1, 10, 10), dtype=np.float32)
    out = add_gaussian_noise(x, 0.3, rng=np.random.default_rng(0))
    assert out.dtype == np.float32 and out.shape == x.shape
    assert abs(out.mean()) < 0.01 and abs(out.std() - 0.3) < 0.01
    np.testing.assert_array_equal(add_gaussian_noise(x, 0.0, rng=np.random.default_rng(1)), x)


def test_random_shift_and_rotate_are_reproducible_and_bounded():
    x = images((5, 1, 8, 8), seed=2)
    a = random_shift(x, 2, rng=np.random.default_rng(4))
    b = random_shift(x, 2, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(4)
    dy, dx = rng.integers(-2, 3, size=5), rng.integers(-2, 3, size=5)
    np.testing.assert_array_equal(a, shift_images(x, dy, dx))
    np.testing.assert_array_equal(random_shift(x, 0, rng=np.random.default_rng(0)), x)
    r = random_rotate(x, 10.0, rng=np.random.default_rng(5), order="nearest")
    angles = np.random.default_rng(5).uniform(-10.0, 10.0, size=5)
    np.testing.assert_array_equal(r, rotate_images(x, angles, order="nearest"))
    np.testing.assert_allclose(random_rotate(x, 0.0, rng=np.random.default_rng(0)), x,
                               atol=1e-12)


def test_bad_input():
    x = images()
    with pytest.raises(ValueError, match="4-D"):
        rotate_images(x[0], 10.0)
    with pytest.raises(TypeError, match="floating dtype"):
        rotate_images(np.zeros((1, 1, 3, 3), dtype=int), 10.0)
    with pytest.raises(ValueError, match="order must be"):
        rotate_images(x, 10.0, order="cubic")
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        rotate_images(x, np.zeros(2))
    with pytest.raises(TypeError, match="got bool"):
        rotate_images(x, True)
    with pytest.raises(ValueError, match=">= 0"):
        add_gaussian_noise(x, -0.1, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        add_gaussian_noise(x, 0.1, rng=0)
    with pytest.raises(ValueError, match=">= 0"):
        random_shift(x, -1, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="max_shift must be an int"):
        random_shift(x, 1.5, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        random_rotate(x, 5.0, rng=None)
