"""Chapter 3 (the multi-layer perceptron).
Rosenblatt's perceptron rule and the quantities in Novikoff's mistake bound.

Labels are in {-1, +1}. The bias is the weight of a constant input 1, so
``(coef_, intercept_)`` is one vector in the augmented space x' = (x, 1), which
is the space where the bound (R / gamma)^2 is stated.
"""

from __future__ import annotations

import numpy as np

from dlbook._checks import (
    data,
    data_array,
    float_array,
    generator,
    optional,
    positive_int,
    real,
    same_length,
    sign_labels,
    validate,
)

__all__ = ["Perceptron", "margin", "novikoff_bound", "radius"]


@validate(X=data(ndim=2))
def radius(X: np.ndarray) -> float:
    """R = max_i ||(x_i, 1)||, the radius of the augmented data."""
    return float(np.sqrt(np.max(np.sum(X * X, axis=1)) + 1.0))


def margin(X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float) -> float:
    """gamma = min_i y_i (w . x_i + b) / ||(w, b)||, the margin of (w, b) in augmented space."""
    _check_margin(X, y, coef, intercept)
    norm = np.sqrt(coef @ coef + intercept**2)
    return float(np.min(y * (X @ coef + intercept)) / norm)


def novikoff_bound(X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float) -> float:
    """(R / gamma)^2: the most mistakes the perceptron can make if (coef, intercept) separates."""
    gamma = margin(X, y, coef, intercept)
    _check_separates(gamma)
    return (radius(X) / gamma) ** 2


class Perceptron:
    """Rosenblatt's rule: predict sign(w . x + b); if y (w . x + b) <= 0, w += y x and b += y.

    Starts from w = 0, b = 0. ``mistakes_[e]`` is the number of updates in epoch e + 1;
    ``mistake_steps_`` holds, for each update, how many examples had been seen (1-based).
    Training stops after the first epoch without a mistake (``converged_`` is then True).
    """

    def __init__(self) -> None:
        self.coef_: np.ndarray | None = None
        self.intercept_: float = 0.0
        self.mistakes_: list[int] = []
        self.mistake_steps_: list[int] = []
        self.converged_: bool = False

    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int,
            rng: np.random.Generator | None = None) -> Perceptron:
        """Run up to ``epochs`` passes of the rule over (X, y), in a fresh random order iff rng."""
        _check_fit(X, y, epochs, rng)
        n, d = X.shape
        w, b = np.zeros(d), 0.0
        self.mistakes_, self.mistake_steps_, self.converged_ = [], [], False
        seen = 0
        for _ in range(epochs):
            order = rng.permutation(n) if rng is not None else np.arange(n)
            mistakes = 0
            # The loop over examples is the algorithm, not an inefficiency: each update
            # changes w, and the next example is judged by the updated w (online learning).
            for i in order:
                seen += 1
                if y[i] * (X[i] @ w + b) <= 0:
                    w += y[i] * X[i]
                    b += y[i]
                    mistakes += 1
                    self.mistake_steps_.append(seen)
            self.mistakes_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.coef_, self.intercept_ = w, float(b)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """s = X w + b for every row of X, shape (N,)."""
        _check_fitted(self, X)
        return X @ self.coef_ + self.intercept_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """+1 where w . x + b > 0, else -1 (int64, shape (N,))."""
        return np.where(self.decision_function(X) > 0, 1, -1).astype(np.int64)

    def __repr__(self) -> str:
        state = "unfitted" if self.coef_ is None else f"{len(self.mistakes_)} epochs"
        return f"Perceptron({state}, converged={self.converged_})"


def _check_data(X: np.ndarray, y: np.ndarray) -> None:
    """X: finite (N, d) floats; y: N labels in {-1, +1}."""
    data_array(X, "X", ndim=2)
    sign_labels(y, "y")
    same_length(X, y)


def _check_fit(X: np.ndarray, y: np.ndarray, epochs: int, rng: np.random.Generator | None) -> None:
    _check_data(X, y)
    positive_int(epochs, "epochs")
    optional(generator)(rng, "rng")


def _check_margin(X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float) -> None:
    _check_data(X, y)
    float_array(coef, "coef", ndim=1, finite=True)
    if coef.shape != (X.shape[1],):
        raise ValueError(f"coef must have shape ({X.shape[1]},) to match X, got {coef.shape}")
    if real(intercept, "intercept") == 0 and not coef.any():
        raise ValueError("(coef, intercept) is the zero vector: it has no margin")


def _check_separates(gamma: float) -> None:
    if gamma <= 0:
        raise ValueError(f"(coef, intercept) does not separate the data: margin {gamma:.4g} "
                         "<= 0, so the bound does not apply")


def _check_fitted(model: Perceptron, X: np.ndarray) -> None:
    if model.coef_ is None:
        raise RuntimeError("Perceptron is not fitted yet: call fit(X, y, epochs) first")
    data_array(X, "X", ndim=2)
    if X.shape[1] != model.coef_.shape[0]:
        raise ValueError(f"X must have shape (N, {model.coef_.shape[0]}) as in fit, "
                         f"got {X.shape}")
