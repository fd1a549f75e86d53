"""Chapter 28 (data augmentation; also used in 30 and 31).
Augmentation of image batches (N, C, H, W): translations with zero fill."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlbook._checks import float_array

__all__ = ["shift_images"]


def _shift_amounts(value: Any, n: int, name: str) -> np.ndarray | int:
    """An int, or an integer array of shape (n,) with one shift per image."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or an integer array of shape ({n},), got bool")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.integer):
            raise TypeError(f"{name} must be an int or an integer array of shape ({n},), "
                            f"got an array of dtype {value.dtype}")
        if value.shape != (n,):
            raise ValueError(f"{name} must be an int or an integer array of shape ({n},), "
                             f"got shape {value.shape}")
        return value.astype(np.int64)
    raise TypeError(f"{name} must be an int or an integer array of shape ({n},), "
                    f"got {type(value).__name__}")


def shift_images(x: np.ndarray, dy: int | np.ndarray, dx: int | np.ndarray) -> np.ndarray:
    """Translate each image by (dy, dx) pixels, zero-filled:
    out[n, c, i, j] = x[n, c, i - dy, j - dx] if that pixel exists, else 0.

    Positive ``dy`` moves the content down, positive ``dx`` to the right. Each shift is
    an int (the same for every image) or an integer array of shape (N,) (one per image).
    A shift of the full height or width or more gives all zeros. Returns a new array of
    x's dtype.
    """
    float_array(x, "shift_images x")
    if x.ndim != 4:
        raise ValueError(f"shift_images x must be 4-D (N, C, H, W), got shape {x.shape}")
    n, c, h, w = x.shape
    dy, dx = _shift_amounts(dy, n, "dy"), _shift_amounts(dx, n, "dx")
    out = np.zeros_like(x)
    if isinstance(dy, int) and isinstance(dx, int):
        # One shift for all: a single slice copy, source and target clipped to the image.
        if abs(dy) < h and abs(dx) < w:
            out[:, :, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
                x[:, :, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
        return out
    # One shift per image: gather target (i, j) from source (i - dy_n, j - dx_n).
    dy_n = np.broadcast_to(np.asarray(dy), (n,))
    dx_n = np.broadcast_to(np.asarray(dx), (n,))
    rows = np.arange(h)[None, :] - dy_n[:, None]                       # (N, H)
    cols = np.arange(w)[None, :] - dx_n[:, None]                       # (N, W)
    inside = (((rows >= 0) & (rows < h))[:, :, None]
              & ((cols >= 0) & (cols < w))[:, None, :])                # (N, H, W)
    gathered = x[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None],
                 np.clip(rows, 0, h - 1)[:, None, :, None],
                 np.clip(cols, 0, w - 1)[:, None, None, :]]                # (N, C, H, W)
    np.copyto(out, gathered, where=inside[:, None])
    return out


# ------------------------------------------------- rotations, noise, random augmentation


def _check_images(x: Any, name: str) -> tuple[int, int, int, int]:
    """Check x is a floating (N, C, H, W) array and return its shape."""
    float_array(x, name)
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {x.shape}")
    return x.shape


def rotate_images(x: np.ndarray, degrees: float | np.ndarray,
                  order: str = "bilinear") -> np.ndarray:
    """Rotate each image counter-clockwise about its centre by inverse mapping, zero-filled:
    out[i, j] = x(c + R(theta) (i - c, j - c)) with (ys, xs) = (y cos + x sin, x cos - y sin).

    ``degrees`` is a float (all images) or a float array of shape (N,). ``order`` is
    "nearest" (round the source coordinate) or "bilinear" (weights of the 4 neighbours).
    Source points outside the image read 0. Returns a new array of x's dtype.
    """
    n, c, h, w = _check_images(x, "rotate_images x")
    if order not in ("nearest", "bilinear"):
        raise ValueError(f"order must be 'nearest' or 'bilinear', got {order!r}")
    if isinstance(degrees, bool):
        raise TypeError("degrees must be a float or a float array of shape (N,), got bool")
    angles = np.asarray(degrees)
    if not (np.issubdtype(angles.dtype, np.integer) or np.issubdtype(angles.dtype, np.floating)):
        raise TypeError(f"degrees must be a float or a float array of shape ({n},), "
                        f"got dtype {angles.dtype}")
    if angles.ndim != 0 and angles.shape != (n,):
        raise ValueError(f"degrees must be a float or an array of shape ({n},), "
                         f"got shape {angles.shape}")
    theta = np.deg2rad(np.broadcast_to(angles.astype(np.float64), (n,)))
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


def _non_negative_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a non-negative number, got {type(value).__name__}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def add_gaussian_noise(x: np.ndarray, sigma: float, *, rng: np.random.Generator) -> np.ndarray:
    """Additive pixel noise: out = x + sigma * eps, eps ~ N(0, 1) i.i.d.; x's dtype kept."""
    _check_images(x, "add_gaussian_noise x")
    sigma = _non_negative_number(sigma, "sigma")
    noise = _check_rng(rng).standard_normal(x.shape)
    return (x + sigma * noise).astype(x.dtype, copy=False)


def random_shift(x: np.ndarray, max_shift: int, *, rng: np.random.Generator) -> np.ndarray:
    """shift_images with per-image (dy, dx) drawn uniformly from {-max_shift, ..., max_shift}."""
    n = _check_images(x, "random_shift x")[0]
    if isinstance(max_shift, bool) or not isinstance(max_shift, int | np.integer):
        raise TypeError(f"max_shift must be an int, got {type(max_shift).__name__}")
    if max_shift < 0:
        raise ValueError(f"max_shift must be >= 0, got {max_shift}")
    _check_rng(rng)
    dy = rng.integers(-max_shift, max_shift + 1, size=n)
    dx = rng.integers(-max_shift, max_shift + 1, size=n)
    return shift_images(x, dy, dx)


def random_rotate(x: np.ndarray, max_degrees: float, *, rng: np.random.Generator,
                  order: str = "bilinear") -> np.ndarray:
    """rotate_images with per-image angles drawn uniformly from [-max_degrees, max_degrees]."""
    n = _check_images(x, "random_rotate x")[0]
    max_degrees = _non_negative_number(max_degrees, "max_degrees")
    angles = _check_rng(rng).uniform(-max_degrees, max_degrees, size=n)
    return rotate_images(x, angles, order=order)


__all__ += ["rotate_images", "add_gaussian_noise", "random_shift", "random_rotate"]
