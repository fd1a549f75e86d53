"""Chapter 12 (applications of RNNs).
Forecasting a univariate series: sliding windows, naive baselines, recursive
multi-step forecasts.

A forecast made at origin t uses y_1..y_t only; ``context`` arrays are (N, W), one
window of the W most recent values per forecast origin, the newest last.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlbook._checks import float_array, positive_int


def sliding_windows(series: np.ndarray, window: int,
                    horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """X[i] = y[i : i+W] (N, W) and Y[i] = y[i+W : i+W+H] (N, H), N = len(y) - W - H + 1."""
    float_array(series, "series", ndim=1)
    w = positive_int(window, "window")
    h = positive_int(horizon, "horizon")
    n = series.size - w - h + 1
    if n < 1:
        raise ValueError(f"series of length {series.size} is too short for window={w} and "
                         f"horizon={h}: need at least {w + h} values")
    views = np.lib.stride_tricks.sliding_window_view(series, w + h)[:n]
    return views[:, :w].copy(), views[:, w:].copy()


def _context(context: np.ndarray, horizon: int) -> tuple[np.ndarray, int]:
    float_array(context, "context", ndim=2)
    if context.shape[1] == 0:
        raise ValueError("context must hold at least one past value per row, got shape "
                         f"{context.shape}")
    return context, positive_int(horizon, "horizon")


def naive_forecast(context: np.ndarray, horizon: int) -> np.ndarray:
    """ŷ_{t+h} = y_t for h = 1..H: the last value, repeated; (N, W) → (N, H)."""
    context, h = _context(context, horizon)
    return np.repeat(context[:, -1:], h, axis=1)


def seasonal_naive_forecast(context: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """ŷ_{t+h} = y_{t+h-m·k}, k = ⌊(h-1)/m⌋ + 1: the value one season (m steps) earlier."""
    context, h = _context(context, horizon)
    m = positive_int(period, "period")
    if context.shape[1] < m:
        raise ValueError(f"context must hold at least one period ({m} values) per row, "
                         f"got {context.shape[1]}")
    last_season = context[:, -m:]
    return last_season[:, np.arange(h) % m]


def recursive_forecast(predict: Callable[[np.ndarray], np.ndarray], context: np.ndarray,
                       horizon: int) -> np.ndarray:
    """ŷ_{t+h} = predict(last W values, observed or already forecast) for h = 1..H:
    each one-step forecast is appended to the window and fed back; (N, W) → (N, H).

    ``predict`` maps windows (N, W) to one-step forecasts (N,) or (N, 1).
    """
    context, h = _context(context, horizon)
    if not callable(predict):
        raise TypeError(f"predict must be callable, got {type(predict).__name__}")
    n, w = context.shape
    buf = np.concatenate([context, np.zeros((n, h), dtype=context.dtype)], axis=1)
    for k in range(h):
        step = np.asarray(predict(buf[:, k : k + w]))
        if step.shape not in ((n,), (n, 1)):
            raise ValueError(f"predict must return shape ({n},) or ({n}, 1) for {n} windows, "
                             f"got {step.shape}")
        buf[:, w + k] = step.reshape(n)
    return buf[:, w:]
