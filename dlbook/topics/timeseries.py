"""Chapter 12 (applications of RNNs).
Forecasting a univariate series: sliding windows, naive baselines, recursive
multi-step forecasts.

A forecast made at origin t uses y_1..y_t only; ``context`` arrays are (N, W), one
window of the W most recent values per forecast origin, the newest last.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlbook._checks import data, data_array, function, positive_int, validate


def sliding_windows(series: np.ndarray, window: int,
                    horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """X[i] = y[i : i+W] (N, W) and Y[i] = y[i+W : i+W+H] (N, H), N = len(y) - W - H + 1."""
    _check_windows(series, window, horizon)
    n = series.size - window - horizon + 1
    views = np.lib.stride_tricks.sliding_window_view(series, window + horizon)[:n]
    return views[:, :window].copy(), views[:, window:].copy()


@validate(context=data(ndim=2), horizon=positive_int)
def naive_forecast(context: np.ndarray, horizon: int) -> np.ndarray:
    """ŷ_{t+h} = y_t for h = 1..H: the last value, repeated; (N, W) → (N, H)."""
    return np.repeat(context[:, -1:], horizon, axis=1)


def seasonal_naive_forecast(context: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """ŷ_{t+h} = y_{t+h-m·k}, k = ⌊(h-1)/m⌋ + 1: the value one season (m steps) earlier."""
    _check_seasonal(context, horizon, period)
    last_season = context[:, -period:]
    return last_season[:, np.arange(horizon) % period]


@validate(predict=function, context=data(ndim=2), horizon=positive_int)
def recursive_forecast(predict: Callable[[np.ndarray], np.ndarray], context: np.ndarray,
                       horizon: int) -> np.ndarray:
    """ŷ_{t+h} = predict(last W values, observed or already forecast) for h = 1..H:
    each one-step forecast is appended to the window and fed back; (N, W) → (N, H).

    ``predict`` maps windows (N, W) to one-step forecasts (N,) or (N, 1).
    """
    n, w = context.shape
    buf = np.concatenate([context, np.zeros((n, horizon), dtype=context.dtype)], axis=1)
    for k in range(horizon):
        buf[:, w + k] = _one_step(predict(buf[:, k : k + w]), n)
    return buf[:, w:]


def _one_step(step: np.ndarray, n: int) -> np.ndarray:
    """A one-step forecast of shape (n,) or (n, 1), as (n,); else raise naming ``predict``."""
    step = np.asarray(step)
    if step.shape not in ((n,), (n, 1)):
        raise ValueError(f"predict must return shape ({n},) or ({n}, 1) for {n} windows, "
                         f"got {step.shape}")
    return step.reshape(n)


def _check_windows(series: np.ndarray, window: int, horizon: int) -> None:
    data_array(series, "series", ndim=1)
    w, h = positive_int(window, "window"), positive_int(horizon, "horizon")
    if series.size < w + h:
        raise ValueError(f"series of length {series.size} is too short for window={w} and "
                         f"horizon={h}: need at least {w + h} values")


def _check_seasonal(context: np.ndarray, horizon: int, period: int) -> None:
    data_array(context, "context", ndim=2)
    positive_int(horizon, "horizon")
    if context.shape[1] < positive_int(period, "period"):
        raise ValueError(f"context must hold at least one period ({period} values) per row, "
                         f"got {context.shape[1]}")
