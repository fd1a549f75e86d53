"""Augmentation of image batches (N, C, H, W): translations with zero fill."""

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
