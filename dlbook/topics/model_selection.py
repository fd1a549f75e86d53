"""Chapter 16 (overfitting and underfitting).
Capacity and model selection: polynomial features, (ridge) least squares, k-fold
cross-validation scores and a Monte Carlo bias-variance estimate.

The tools of the overfitting chapter, kept small and general: a basis that stays well
conditioned at high degree, a linear least-squares fit with an optional L2 penalty, the
per-fold validation error of any ``fit`` function and the bias and variance of a stack of
predictions made by models trained on different training sets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlbook._checks import (
    data_array,
    float_array,
    function,
    int_at_least,
    non_negative,
    real,
    same_length,
    sequence_of,
)
from dlbook.data import kfold

__all__ = ["bias_variance", "cross_val_score", "least_squares", "polynomial_features"]


def polynomial_features(
    x: np.ndarray, degree: int, *, domain: tuple[float, float] = (-1.0, 1.0)
) -> np.ndarray:
    """Legendre design matrix Φ[i, j] = P_j(t_i), t = (2x - lo - hi)/(hi - lo), j = 0..degree."""
    x = _check_features(x, degree, domain)
    lo, hi = domain
    t = (2.0 * x - lo - hi) / (hi - lo)
    phi = np.empty((x.size, degree + 1))
    phi[:, 0] = 1.0
    if degree >= 1:
        phi[:, 1] = t
    # Bonnet's recurrence (j + 1) P_{j+1} = (2j + 1) t P_j - j P_{j-1}: one loop over degrees,
    # none over examples. On [-1, 1] every |P_j| <= 1, so high degrees stay well scaled.
    for j in range(1, degree):
        phi[:, j + 1] = ((2 * j + 1) * t * phi[:, j] - j * phi[:, j - 1]) / (j + 1)
    return phi


def least_squares(phi: np.ndarray, y: np.ndarray, *, l2: float = 0.0) -> np.ndarray:
    """w = argmin ‖Φw - y‖² + l2 ‖w[1:]‖² (column 0, the constant, is not penalised).

    y of shape (n, m) fits m targets at once (one column of w per column of y).
    """
    _check_least_squares(phi, y, l2)
    if l2 == 0:
        return np.linalg.lstsq(phi, y, rcond=None)[0]
    # Ridge as ordinary least squares on a taller system: append sqrt(l2) * D below Φ and
    # zeros below y, so ‖[Φ; √l2 D]w - [y; 0]‖² is the penalised objective. This avoids
    # forming ΦᵀΦ, whose condition number is the square of Φ's.
    p = phi.shape[1]
    d = np.sqrt(l2) * np.eye(p)[1:]
    zeros = np.zeros((p - 1,) + y.shape[1:])
    return np.linalg.lstsq(np.vstack([phi, d]), np.concatenate([y, zeros]), rcond=None)[0]


def cross_val_score(fit: Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]],
                    X: np.ndarray, y: np.ndarray, k: int = 5, *,
                    rng: np.random.Generator | None = None) -> np.ndarray:
    """Per-fold validation MSE: e_i = mean((fit(X[-i], y[-i])(X[i]) - y[i])²), i = 1..k."""
    _check_cv(fit, X, y)
    errors = []
    for tr, va in kfold(len(X), k, rng=rng):  # kfold checks k (2 <= k <= n) and rng
        predict = fit(X[tr], y[tr])
        pred = _predictions(predict(X[va]), len(va))
        errors.append(np.mean((pred - y[va]) ** 2))
    return np.array(errors)


def bias_variance(preds: np.ndarray, f_true: np.ndarray) -> tuple[float, float]:
    """bias² = mean_x (f̄(x) - f(x))², variance = mean_x mean_r (f̂_r(x) - f̄(x))², f̄ = mean_r f̂_r."""
    _check_bias_variance(preds, f_true)
    mean = preds.mean(axis=0)
    bias2 = float(np.mean((mean - f_true) ** 2))
    # ddof=0 makes the identity mean_r (f̂_r - f)² = bias² + variance exact.
    variance = float(np.mean((preds - mean) ** 2))
    return bias2, variance


def _check_features(x: np.ndarray, degree: int, domain: tuple[float, float]) -> np.ndarray:
    """x as a vector: (n,) and (n, 1) are both accepted."""
    data_array(x, "x")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must have shape (n,) or (n, 1), got {x.shape}")
    int_at_least(degree, "degree", 0)
    sequence_of(real)(domain, "domain")
    if len(domain) != 2 or not domain[0] < domain[1]:
        raise ValueError(f"domain must be finite (lo, hi) with lo < hi, got {domain!r}")
    return x


def _check_least_squares(phi: np.ndarray, y: np.ndarray, l2: float) -> None:
    float_array(phi, "phi", ndim=2, finite=True)
    float_array(y, "y", finite=True)
    if y.ndim not in (1, 2) or y.shape[0] != phi.shape[0]:
        raise ValueError(f"y must have shape ({phi.shape[0]},) or ({phi.shape[0]}, m) to match "
                         f"phi, got {y.shape}")
    non_negative(l2, "l2")


def _check_cv(fit: Callable, X: np.ndarray, y: np.ndarray) -> None:
    function(fit, "fit")
    data_array(X, "X")
    data_array(y, "y", ndim=1)
    same_length(X, y)


def _predictions(pred: np.ndarray, n: int) -> np.ndarray:
    """``predict``'s output as a float vector of n predictions, or raise."""
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    if pred.shape != (n,):
        raise ValueError(f"predict must return one number per example, got shape {pred.shape} "
                         f"for {n} examples")
    return pred


def _check_bias_variance(preds: np.ndarray, f_true: np.ndarray) -> None:
    float_array(preds, "preds", finite=True)
    if preds.ndim != 2 or preds.shape[0] < 2:
        raise ValueError(f"preds must have shape (R, m) with R >= 2 refits, got {preds.shape}")
    float_array(f_true, "f_true", finite=True)
    if f_true.shape != (preds.shape[1],):
        raise ValueError(f"f_true must have shape ({preds.shape[1]},) to match preds, "
                         f"got {f_true.shape}")
