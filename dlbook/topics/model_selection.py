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
from numbers import Integral

import numpy as np

from dlbook._checks import non_negative
from dlbook.data import kfold

__all__ = ["bias_variance", "cross_val_score", "least_squares", "polynomial_features"]


def _as_1d_x(x: object) -> np.ndarray:
    """x as a 1-D float array; (n,) and (n, 1) are both accepted."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy.ndarray, got {type(x).__name__}")
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"x must hold real numbers, got dtype {x.dtype}")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must have shape (n,) or (n, 1), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite, got nan or inf")
    return x.astype(np.float64)


def polynomial_features(
    x: np.ndarray, degree: int, *, domain: tuple[float, float] = (-1.0, 1.0)
) -> np.ndarray:
    """Legendre design matrix Φ[i, j] = P_j(t_i), t = (2x - lo - hi)/(hi - lo), j = 0..degree."""
    x = _as_1d_x(x)
    if isinstance(degree, bool) or not isinstance(degree, Integral) or degree < 0:
        raise ValueError(f"degree must be an int >= 0, got {degree!r}")
    bounds = np.asarray(domain, dtype=np.float64)
    if bounds.shape != (2,) or not (np.all(np.isfinite(bounds)) and bounds[0] < bounds[1]):
        raise ValueError(f"domain must be finite (lo, hi) with lo < hi, got {domain!r}")
    lo, hi = float(bounds[0]), float(bounds[1])
    t = (2.0 * x - lo - hi) / (hi - lo)
    phi = np.empty((x.size, int(degree) + 1))
    phi[:, 0] = 1.0
    if degree >= 1:
        phi[:, 1] = t
    # Bonnet's recurrence (j + 1) P_{j+1} = (2j + 1) t P_j - j P_{j-1}: one loop over degrees,
    # none over examples. On [-1, 1] every |P_j| <= 1, so high degrees stay well scaled.
    for j in range(1, int(degree)):
        phi[:, j + 1] = ((2 * j + 1) * t * phi[:, j] - j * phi[:, j - 1]) / (j + 1)
    return phi


def least_squares(phi: np.ndarray, y: np.ndarray, *, l2: float = 0.0) -> np.ndarray:
    """w = argmin ‖Φw - y‖² + l2 ‖w[1:]‖² (column 0, the constant, is not penalised).

    y of shape (n, m) fits m targets at once (one column of w per column of y).
    """
    if not isinstance(phi, np.ndarray) or phi.ndim != 2:
        raise ValueError(f"phi must be a 2-D design matrix (n, p), got {np.shape(phi)}")
    y = np.asarray(y, dtype=np.float64)
    if y.ndim not in (1, 2) or y.shape[0] != phi.shape[0]:
        raise ValueError(
            f"y must have shape ({phi.shape[0]},) or ({phi.shape[0]}, m) to match phi, "
            f"got {y.shape}"
        )
    lam = non_negative(l2, "l2")
    if lam == 0.0:
        return np.linalg.lstsq(phi, y, rcond=None)[0]
    # Ridge as ordinary least squares on a taller system: append sqrt(l2) * D below Φ and
    # zeros below y, so ‖[Φ; √l2 D]w - [y; 0]‖² is the penalised objective. This avoids
    # forming ΦᵀΦ, whose condition number is the square of Φ's.
    p = phi.shape[1]
    d = np.sqrt(lam) * np.eye(p)[1:]
    zeros = np.zeros((p - 1,) + y.shape[1:])
    return np.linalg.lstsq(np.vstack([phi, d]), np.concatenate([y, zeros]), rcond=None)[0]


def cross_val_score(
    fit: Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    k: int = 5,
    *,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Per-fold validation MSE: e_i = mean((fit(X[-i], y[-i])(X[i]) - y[i])²), i = 1..k."""
    if not callable(fit):
        raise TypeError(f"fit must be callable (X_train, y_train) -> predict, got {fit!r}")
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(
            f"X must be (n, ...) and y (n,) with the same n, got X.shape={X.shape}, "
            f"y.shape={y.shape}"
        )
    splits = kfold(len(X), k, rng=rng)  # validates k (2 <= k <= n) and rng
    errors = np.empty(len(splits))
    for i, (tr, va) in enumerate(splits):
        predict = fit(X[tr], y[tr])
        pred = np.asarray(predict(X[va]), dtype=np.float64).reshape(-1)
        if pred.shape != (len(va),):
            raise ValueError(
                f"predict must return one number per example, got shape {pred.shape} "
                f"for {len(va)} examples"
            )
        errors[i] = np.mean((pred - y[va]) ** 2)
    return errors


def bias_variance(preds: np.ndarray, f_true: np.ndarray) -> tuple[float, float]:
    """bias² = mean_x (f̄(x) - f(x))², variance = mean_x mean_r (f̂_r(x) - f̄(x))², f̄ = mean_r f̂_r."""
    preds = np.asarray(preds, dtype=np.float64)
    f_true = np.asarray(f_true, dtype=np.float64)
    if preds.ndim != 2 or preds.shape[0] < 2:
        raise ValueError(
            f"preds must have shape (R, m) with R >= 2 refits, got {preds.shape}"
        )
    if f_true.shape != (preds.shape[1],):
        raise ValueError(
            f"f_true must have shape ({preds.shape[1]},) to match preds, got {f_true.shape}"
        )
    mean = preds.mean(axis=0)
    bias2 = float(np.mean((mean - f_true) ** 2))
    # ddof=0 makes the identity mean_r (f̂_r - f)² = bias² + variance exact.
    variance = float(np.mean((preds - mean) ** 2))
    return bias2, variance

