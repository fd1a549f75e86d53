"""Chapter 28 (data augmentation; also used in 30 and 31).
Augmentation of image batches (N, C, H, W): shifts and rotations with zero fill, pixel noise."""

from __future__ import annotations

import numpy as np

from dlbook._checks import (
    at_least,
    generator,
    image_data,
    non_negative,
    one_of,
    per_example,
    validate,
)

__all__ = ["add_gaussian_noise", "random_rotate", "random_shift", "rotate_images", "shift_images"]

ORDERS = ("nearest", "bilinear")


def shift_images(x: np.ndarray, dy: int | np.ndarray, dx: int | np.ndarray) -> np.ndarray:
    """Translate each image by (dy, dx) pixels, zero-filled:
    out[n, c, i, j] = x[n, c, i - dy, j - dx] if that pixel exists, else 0.

    Positive ``dy`` moves the content down, positive ``dx`` to the right. Each shift is
    an int (the same for every image) or an integer array of shape (N,) (one per image).
    A shift of the full height or width or more gives all zeros. Returns a new array of
    x's dtype.
    """
    _check_shift_args(x, dy, dx)
    n, c, h, w = x.shape
    out = np.zeros_like(x)
    if np.ndim(dy) == np.ndim(dx) == 0:
        # One shift for all: a single slice copy, source and target clipped to the image.
        if abs(dy) < h and abs(dx) < w:
            out[:, :, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
                x[:, :, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
        return out
    # One shift per image: gather target (i, j) from source (i - dy_n, j - dx_n).
    dy_n = np.broadcast_to(np.asarray(dy, dtype=np.int64), (n,))
    dx_n = np.broadcast_to(np.asarray(dx, dtype=np.int64), (n,))
    rows = np.arange(h)[None, :] - dy_n[:, None]                       # (N, H)
    cols = np.arange(w)[None, :] - dx_n[:, None]                       # (N, W)
    inside = (((rows >= 0) & (rows < h))[:, :, None]
              & ((cols >= 0) & (cols < w))[:, None, :])                # (N, H, W)
    gathered = x[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None],
                 np.clip(rows, 0, h - 1)[:, None, :, None],
                 np.clip(cols, 0, w - 1)[:, None, None, :]]                # (N, C, H, W)
    np.copyto(out, gathered, where=inside[:, None])
    return out


def _check_shift_args(x: np.ndarray, dy: int | np.ndarray, dx: int | np.ndarray) -> None:
    image_data(x, "x")
    per_example(dy, "dy", len(x), integer=True)
    per_example(dx, "dx", len(x), integer=True)


# ------------------------------------------------- rotations, noise, random augmentation


def rotate_images(x: np.ndarray, degrees: float | np.ndarray,
                  order: str = "bilinear") -> np.ndarray:
    """Rotate each image counter-clockwise about its centre by inverse mapping, zero-filled:
    out[i, j] = x(c + R(theta) (i - c, j - c)) with (ys, xs) = (y cos + x sin, x cos - y sin).

    ``degrees`` is a float (all images) or a float array of shape (N,). ``order`` is
    "nearest" (round the source coordinate) or "bilinear" (weights of the 4 neighbours).
    Source points outside the image read 0. Returns a new array of x's dtype.
    """
    _check_rotate_args(x, degrees, order)
    n, c, h, w = x.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (n,)))
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    yy = np.arange(h, dtype=np.float64)[:, None] - cy                    # (H, 1)
    xx = np.arange(w, dtype=np.float64)[None, :] - cx                    # (1, W)
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    ys = cy + yy * cos + xx * sin                                          # (N, H, W)
    xs = cx + xx * cos - yy * sin
    batch = np.arange(n)[:, None, None, None]
    chans = np.arange(c)[None, :, None, None]

    def gather(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)       # (N, H, W)
        vals = x[batch, chans, np.clip(rows, 0, h - 1)[:, None], np.clip(cols, 0, w - 1)[:, None]]
        return vals * inside[:, None]

    if order == "nearest":
        out = gather(np.rint(ys).astype(np.int64), np.rint(xs).astype(np.int64))
    else:
        y0, x0 = np.floor(ys).astype(np.int64), np.floor(xs).astype(np.int64)
        fy, fx = (ys - y0)[:, None], (xs - x0)[:, None]
        out = ((1 - fy) * (1 - fx) * gather(y0, x0) + (1 - fy) * fx * gather(y0, x0 + 1)
               + fy * (1 - fx) * gather(y0 + 1, x0) + fy * fx * gather(y0 + 1, x0 + 1))
    return out.astype(x.dtype, copy=False)


def _check_rotate_args(x: np.ndarray, degrees: float | np.ndarray, order: str) -> None:
    image_data(x, "x")
    per_example(degrees, "degrees", len(x))
    one_of(*ORDERS)(order, "order")


@validate(x=image_data, sigma=non_negative, rng=generator)
def add_gaussian_noise(x: np.ndarray, sigma: float, *, rng: np.random.Generator) -> np.ndarray:
    """Additive pixel noise: out = x + sigma * eps, eps ~ N(0, 1) i.i.d.; x's dtype kept."""
    noise = rng.standard_normal(x.shape)
    return (x + sigma * noise).astype(x.dtype, copy=False)


@validate(x=image_data, max_shift=at_least(0), rng=generator)
def random_shift(x: np.ndarray, max_shift: int, *, rng: np.random.Generator) -> np.ndarray:
    """shift_images with per-image (dy, dx) drawn uniformly from {-max_shift, ..., max_shift}."""
    n = len(x)
    dy = rng.integers(-max_shift, max_shift + 1, size=n)
    dx = rng.integers(-max_shift, max_shift + 1, size=n)
    return shift_images(x, dy, dx)


@validate(x=image_data, max_degrees=non_negative, rng=generator, order=one_of(*ORDERS))
def random_rotate(x: np.ndarray, max_degrees: float, *, rng: np.random.Generator,
                  order: str = "bilinear") -> np.ndarray:
    """rotate_images with per-image angles drawn uniformly from [-max_degrees, max_degrees]."""
    angles = rng.uniform(-max_degrees, max_degrees, size=len(x))
    return rotate_images(x, angles, order=order)
