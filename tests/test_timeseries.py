"""Forecasting helpers: sliding windows, naive baselines, recursive multi-step forecasts."""

import numpy as np
import pytest

from dlbook.topics import timeseries as ts


def test_sliding_windows_pairs_past_and_future():
    y = np.arange(10.0)
    X, Y = ts.sliding_windows(y, window=3, horizon=2)
    assert X.shape == (6, 3) and Y.shape == (6, 2)
    assert np.array_equal(X[0], [0, 1, 2]) and np.array_equal(Y[0], [3, 4])
    assert np.array_equal(X[-1], [5, 6, 7]) and np.array_equal(Y[-1], [8, 9])
    X[0, 0] = -1.0  # a copy, not a view of the series
    assert y[0] == 0.0


def test_sliding_windows_rejects_bad_input():
    with pytest.raises(ValueError, match="too short"):
        ts.sliding_windows(np.arange(4.0), window=3, horizon=2)
    with pytest.raises(ValueError, match="1-D"):
        ts.sliding_windows(np.zeros((5, 2)), window=2)
    with pytest.raises(TypeError, match="floating"):
        ts.sliding_windows(np.arange(10), window=2)
    with pytest.raises(ValueError, match="window"):
        ts.sliding_windows(np.arange(10.0), window=0)


def test_naive_and_seasonal_naive():
    ctx = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    assert np.array_equal(ts.naive_forecast(ctx, 3), [[5.0, 5.0, 5.0]])
    # period 2: the last season is (4, 5), repeated
    assert np.array_equal(ts.seasonal_naive_forecast(ctx, 5, 2), [[4, 5, 4, 5, 4]])
    # period 1 is the naive forecast
    assert np.array_equal(ts.seasonal_naive_forecast(ctx, 4, 1), ts.naive_forecast(ctx, 4))


def test_seasonal_naive_is_exact_on_a_periodic_series():
    y = np.tile([3.0, -1.0, 2.0, 0.5], 10)
    X, Y = ts.sliding_windows(y, window=8, horizon=6)
    np.testing.assert_array_equal(ts.seasonal_naive_forecast(X, 6, 4), Y)


def test_recursive_forecast_feeds_predictions_back():
    ctx = np.array([[1.0, 2.0], [0.0, 0.0]])
    # predict "last value + 1": the recursion must count up from the last value
    out = ts.recursive_forecast(lambda w: w[:, -1] + 1.0, ctx, 4)
    assert np.array_equal(out, [[3, 4, 5, 6], [1, 2, 3, 4]])
    # the last value as predictor reproduces the naive forecast
    np.testing.assert_array_equal(ts.recursive_forecast(lambda w: w[:, -1:], ctx, 3),
                                  ts.naive_forecast(ctx, 3))
    # an AR(2) recursion y_t = y_{t-1} + y_{t-2}: Fibonacci
    fib = ts.recursive_forecast(lambda w: w[:, -1] + w[:, -2], np.array([[1.0, 1.0]]), 6)
    assert fib.tolist() == [[2, 3, 5, 8, 13, 21]]


def test_recursive_forecast_rejects_bad_arguments():
    ctx = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\(3,\) or \(3, 1\)"):
        ts.recursive_forecast(lambda w: w, ctx, 2)
    with pytest.raises(TypeError, match="callable"):
        ts.recursive_forecast(3, ctx, 2)
    with pytest.raises(ValueError, match="horizon"):
        ts.recursive_forecast(lambda w: w[:, -1], ctx, 0)
    with pytest.raises(ValueError, match="one period"):
        ts.seasonal_naive_forecast(ctx, 2, period=5)
    with pytest.raises(ValueError, match="2-D"):
        ts.naive_forecast(np.zeros(4), 2)
