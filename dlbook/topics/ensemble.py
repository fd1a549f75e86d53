"""Chapter 20 (bagging and boosting).
Ensembles: bootstrap samples, decision stumps and trees, bagging and AdaBoost.

Bagging (Breiman, 1996) fits one high-variance model per bootstrap sample of the
training set and averages them (or lets them vote), which lowers the variance.
AdaBoost (Freund and Schapire, 1997) fits weak models one after another, each on the
training set reweighted towards the examples its predecessors got wrong, which lowers
the bias. Split searches sort each feature once and scan all thresholds with cumulative
sums: loops run over trees, nodes or boosting rounds, never over examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from dlbook._checks import (
    data_array,
    examples,
    function,
    generator,
    labels,
    one_of,
    optional,
    positive_int,
    same_length,
    shape,
    sign_labels,
    validate,
)

__all__ = ["AdaBoost", "Bagging", "DecisionStump", "DecisionTree", "bootstrap_indices"]

# AdaBoost stops when a stump has (almost) zero weighted error; alpha would be infinite,
# so that last stump gets the finite weight of an error this small.
_PERFECT = 1e-10


class Model(Protocol):
    """What Bagging needs from a base learner: fit(X, y) and predict(X)."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> Any: ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...


# --------------------------------------------------------------------------- checks


def _check_features(X: np.ndarray, n_features: int | None = None) -> None:
    """X is a finite (n, d) float array with n >= 1, and d == n_features if given."""
    data_array(X, "X", ndim=2)
    if n_features is not None:
        shape(X, "X", (None, n_features))


def _check_pm1_data(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> None:
    """X as above, y n labels in {-1, +1}, sample_weight None or n weights >= 0 (sum > 0)."""
    _check_features(X)
    same_length(X, sign_labels(y, "y"))
    if sample_weight is not None:
        same_length(X, data_array(sample_weight, "sample_weight", ndim=1), "X and sample_weight")
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight must be finite and >= 0, got a negative weight")
        if sample_weight.sum() <= 0:
            raise ValueError(f"sample_weight must have a positive sum, got {sample_weight.sum()}")


def _check_fitted(model: Any) -> None:
    if getattr(model, "n_features_", -1) < 0:
        raise RuntimeError(f"{type(model).__name__} is not fitted: call fit(X, y) first")


def _check_predict_args(model: Any, X: np.ndarray) -> None:
    """The model is fitted and X has the features it was fitted on."""
    _check_fitted(model)
    _check_features(X, model.n_features_)


def _between(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A threshold t with lo <= t < hi for lo < hi: the midpoint, or lo if it rounds up to hi."""
    mid = lo + 0.5 * (hi - lo)
    return np.where(mid < hi, mid, lo)


# ------------------------------------------------------------------------ bootstrap


@validate(n=positive_int, rng=generator)
def bootstrap_indices(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """n indices drawn uniformly with replacement from 0..n-1; P(i never drawn) = (1 - 1/n)^n."""
    return rng.integers(0, n, size=n)


# --------------------------------------------------------------------------- stump


class DecisionStump:
    """h(x) = s if x_j > θ else -s, with (j, θ, s) minimising ε = Σ_i w_i [h(x_i) ≠ y_i]."""

    def __init__(self) -> None:
        self.feature_: int = -1
        self.threshold_: float = np.nan
        self.polarity_: int = 1
        self.error_: float = np.nan
        self.n_features_ = -1

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> DecisionStump:
        """Exhaustive search over features, thresholds between sorted values and both signs."""
        _check_pm1_data(X, y, sample_weight)
        n, d = X.shape
        w = np.full(n, 1.0 / n) if sample_weight is None else sample_weight / sample_weight.sum()
        order = np.argsort(X, axis=0, kind="stable")
        xs = np.take_along_axis(X, order, axis=0)
        ws, ys = w[order], y[order]
        # Polarity +1 with the k smallest values of feature j on the -1 side: the errors are
        # the positives among those k plus the negatives among the rest. k = 0 (nothing on
        # the left) is the constant +1; with polarity -1 it is the constant -1.
        pos_left = np.cumsum(np.where(ys > 0, ws, 0.0), axis=0)[:-1]
        neg_left = np.cumsum(np.where(ys < 0, ws, 0.0), axis=0)[:-1]
        neg_total = w[y < 0].sum()
        err_plus = np.vstack([np.full((1, d), neg_total), pos_left + neg_total - neg_left])
        thresholds = np.vstack([np.full((1, d), -np.inf), _between(xs[:-1], xs[1:])])
        # A cut is real only between two different values of the feature.
        valid = np.vstack([np.ones((1, d), bool), xs[:-1] < xs[1:]])
        err = np.clip(np.stack([err_plus, 1.0 - err_plus]), 0.0, 1.0)  # (2, n, d): s = +1, -1
        err = np.where(valid, err, np.inf)
        # Ties (up to round-off in the sums) go to the first: polarity +1, smaller cut, feature.
        first = np.flatnonzero(err.ravel() <= err.min() + 1e-12)[0]
        s, k, j = np.unravel_index(first, err.shape)
        self.feature_, self.threshold_ = int(j), float(thresholds[k, j])
        self.polarity_, self.error_ = (1, -1)[s], float(err[s, k, j])
        self.n_features_ = d
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """s · sign(x_j - θ) as int labels in {-1, +1} (x_j = θ counts as the -s side)."""
        _check_predict_args(self, X)
        s = self.polarity_
        return np.where(X[:, self.feature_] > self.threshold_, s, -s)


# ---------------------------------------------------------------------------- tree


def _split_level(
    X: np.ndarray, T: np.ndarray, order: np.ndarray, slot: np.ndarray, n_nodes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best cut x_j <= θ of every node of one level at once, maximising ‖S_L‖² n/(n_L n_R).

    slot[i] is the node (0..n_nodes-1) of example i, or -1 if i sits in a finished leaf.
    T has one target row per example (y_i, or the one-hot of class y_i); S_L is the sum of
    the centred rows T_i - T̄ left of the cut. That is exactly the drop in Σ‖T_i - T̄‖²
    (squared error, or n × Gini impurity for one-hot rows). Returns (feature, threshold)
    per node, feature -1 where no cut lowers the impurity.
    """
    d = X.shape[1]
    # Each column of `order` lists the examples by increasing x_j. Keep the active ones and
    # group them by node with a stable sort, so x_j still increases inside each group.
    cols = np.arange(d)
    keep = slot[order] >= 0
    active = order.T[keep.T].reshape(d, -1).T  # (a, d); every column keeps the same examples
    g = active[np.argsort(slot[active], axis=0, kind="stable"), cols]
    sizes = np.bincount(slot[g[:, 0]], minlength=n_nodes)
    starts = np.cumsum(sizes) - sizes
    seg = np.repeat(np.arange(n_nodes), sizes)  # node of each row (the same in every column)
    means = np.add.reduceat(T[g[:, 0]], starts, axis=0) / sizes[:, None]
    centred = T[g] - means[seg][:, None, :]  # (a, d, m)
    s_left = np.cumsum(centred, axis=0)
    s_left -= np.concatenate([np.zeros((1, d, T.shape[1])), s_left[starts[1:] - 1]])[seg]
    k = np.arange(len(g)) - starts[seg] + 1  # examples left of a cut after this row
    n = sizes[seg]
    xs = X[g, cols]
    x_next = np.vstack([xs[1:], np.full((1, d), np.inf)])
    valid = (k < n)[:, None] & (xs < x_next)  # inside the node, between different values
    gain = np.sum(s_left**2, axis=2) * (n / (k * np.maximum(n - k, 1)))[:, None]
    gain = np.where(valid, gain, -1.0)
    best_j = gain.argmax(axis=1)
    best = gain[np.arange(len(g)), best_j]
    top = np.maximum.reduceat(best, starts)
    # The first row whose gain ties the best (up to round-off) gives the node's cut.
    tied = best >= top[seg] - 1e-12 * np.abs(top[seg])
    row = np.minimum.reduceat(np.where(tied, np.arange(len(g)), len(g)), starts)
    impurity = np.add.reduceat(np.sum(centred[:, 0] ** 2, axis=1), starts)
    j = best_j[row]
    feature = np.where(top > 1e-12 * impurity, j, -1)
    return feature, _between(xs[row, j], x_next[row, j])


class DecisionTree:
    """CART tree: each node splits x_j <= θ where Σ‖T_i - T̄‖² drops most; depth <= max_depth."""

    @validate(max_depth=optional(positive_int), task=one_of("regression", "classification"))
    def __init__(self, max_depth: int | None = None, *, task: str = "regression") -> None:
        self.max_depth, self.task = max_depth, task
        self.depth_, self.n_features_ = -1, -1

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """Rows T_i to average: (y_i,) for regression, the one-hot of y_i for classification."""
        if self.task == "regression":
            return y[:, None].astype(np.float64)
        return (y[:, None] == np.arange(y.max() + 1)).astype(np.float64)

    def fit(self, X: np.ndarray, y: np.ndarray) -> DecisionTree:
        """Grow level by level; a node stays a leaf when pure, unsplittable or at max_depth."""
        _check_tree_data(X, y, self.task)
        T = self._targets(y)
        order = np.argsort(X, axis=0, kind="stable")  # each feature is sorted once
        node = np.zeros(len(X), dtype=np.intp)  # the node each example has reached
        size = 2 * len(X) - 1  # a binary tree with at most n leaves has at most 2n - 1 nodes
        feature, threshold = np.full(size, -1), np.full(size, np.nan)
        left, right = np.full(size, -1), np.full(size, -1)
        frontier, n_nodes, depth = np.array([0]), 1, 0
        while frontier.size and (self.max_depth is None or depth < self.max_depth):
            slot = np.full(n_nodes, -1)
            slot[frontier] = np.arange(frontier.size)
            f, t = _split_level(X, T, order, slot[node], frontier.size)
            parents = frontier[f >= 0]
            if parents.size == 0:
                break
            kids = n_nodes + np.arange(2 * parents.size)
            n_nodes += kids.size
            feature[parents], threshold[parents] = f[f >= 0], t[f >= 0]
            left[parents], right[parents] = kids[0::2], kids[1::2]
            moving = np.flatnonzero(feature[node] >= 0)  # examples of the nodes just split
            at = node[moving]
            go_left = X[moving, feature[at]] <= threshold[at]
            node[moving] = np.where(go_left, left[at], right[at])
            counts = np.bincount(node, minlength=n_nodes)
            frontier, depth = kids[counts[kids] >= 2], depth + 1
        self._value = _leaf_means(node, T, n_nodes)
        self._feature, self._threshold = feature[:n_nodes], threshold[:n_nodes]
        self._left, self._right = left[:n_nodes], right[:n_nodes]
        self.depth_, self.n_features_ = depth, X.shape[1]
        return self

    @property
    def n_leaves_(self) -> int:
        """Number of leaves of the fitted tree."""
        _check_fitted(self)
        return int(np.sum(self._feature < 0))

    def _leaf_values(self, X: np.ndarray) -> np.ndarray:
        """Mean target row of each example's leaf: one step down per level, all rows at once."""
        _check_predict_args(self, X)
        rows = np.arange(len(X))
        node = np.zeros(len(X), dtype=np.intp)
        for _ in range(self.depth_):
            f = self._feature[node]
            inner = f >= 0
            go_left = X[rows, np.where(inner, f, 0)] <= self._threshold[node]
            node = np.where(inner, np.where(go_left, self._left[node], self._right[node]), node)
        return self._value[node]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Leaf mean (regression) or the leaf's most frequent class (classification)."""
        values = self._leaf_values(X)
        return values[:, 0] if self.task == "regression" else values.argmax(axis=1)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class frequencies p_k of the leaf each example falls in, shape (n, K)."""
        if self.task != "classification":
            raise ValueError(f"predict_proba needs task='classification', got {self.task!r}")
        return self._leaf_values(X)


def _check_tree_data(X: np.ndarray, y: np.ndarray, task: str) -> None:
    """X as for the stump; y n finite floats (regression) or n class labels (classification)."""
    _check_features(X)
    if task == "regression":
        same_length(X, data_array(y, "y (regression targets)", ndim=1))
    else:
        same_length(X, labels(y, "y (class labels)"))


def _leaf_means(node: np.ndarray, T: np.ndarray, n_nodes: int) -> np.ndarray:
    """Per node, the mean target row of the examples that end there (NaN for inner nodes)."""
    counts = np.bincount(node, minlength=n_nodes)
    value = np.full((n_nodes, T.shape[1]), np.nan)
    leaves = counts > 0
    value[leaves] = 0.0
    np.add.at(value, node, T)
    value[leaves] /= counts[leaves, None]
    return value


# ------------------------------------------------------------------------- bagging


class Bagging:
    """f̄(x) = (1/B) Σ_b f̂_b(x) (or the majority vote), f̂_b fitted on the b-th bootstrap sample."""

    @validate(make_model=function, n_estimators=positive_int, rng=generator)
    def __init__(
        self, make_model: Callable[[], Model], n_estimators: int, *, rng: np.random.Generator
    ) -> None:
        self.make_model = make_model
        self.n_estimators = n_estimators
        self.rng = rng
        self.estimators_: list[Model] = []

    def fit(self, X: np.ndarray, y: np.ndarray) -> Bagging:
        """Fit B models on bootstrap samples; integer y means voting, float y averaging.

        Records in_bag_ (B, n) and oob_error_: each training point predicted only by the
        models whose bag left it out (MSE or error rate; nan if no point was ever left out).
        """
        _check_bagging_data(X, y)
        self.n_classes_ = int(y.max()) + 1 if np.issubdtype(y.dtype, np.integer) else None
        n = len(X)
        self.estimators_ = []
        self.in_bag_ = np.zeros((self.n_estimators, n), dtype=bool)
        for b in range(self.n_estimators):  # a loop over models; each fit is the model's own
            idx = bootstrap_indices(n, rng=self.rng)
            self.in_bag_[b, idx] = True
            model = self.make_model()
            model.fit(X[idx], y[idx])
            self.estimators_.append(model)
        self.oob_error_ = self._oob_error(X, y)
        return self

    def _oob_error(self, X: np.ndarray, y: np.ndarray) -> float:
        """Each point predicted by the models whose bag left it out: MSE or error rate."""
        out = ~self.in_bag_
        seen = out.any(axis=0)  # points left out of at least one bag
        if not seen.any():
            return float("nan")
        preds = self._predict_each(X)
        if self.n_classes_ is None:
            oob = np.sum(preds * out, axis=0)[seen] / out.sum(axis=0)[seen]
            return float(np.mean((oob - y[seen]) ** 2))
        votes = self._votes(preds, out)
        return float(np.mean(votes.argmax(axis=1)[seen] != y[seen]))

    def _predict_each(self, X: np.ndarray) -> np.ndarray:
        """Every member's predictions, shape (B, m)."""
        if not self.estimators_:
            raise RuntimeError("Bagging is not fitted: call fit(X, y) first")
        return np.stack([np.asarray(m.predict(X)) for m in self.estimators_])

    def _votes(self, preds: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Votes per class, shape (m, K): Σ_b mask[b] · [preds[b] = k] (a loop over classes)."""
        if mask is None:
            mask = np.ones(preds.shape, dtype=bool)
        return np.stack([np.sum((preds == k) & mask, axis=0) for k in range(self.n_classes_)], 1)

    def staged_predict(self, X: np.ndarray) -> np.ndarray:
        """Row b: the ensemble of the first b + 1 models (running mean or running vote), (B, m)."""
        preds = self._predict_each(X)
        if self.n_classes_ is None:
            return np.cumsum(preds, axis=0) / np.arange(1, len(preds) + 1)[:, None]
        # Ties go to the smaller label (argmax returns the first maximum).
        running = [np.cumsum(preds == k, axis=0) for k in range(self.n_classes_)]
        return np.stack(running, axis=2).argmax(axis=2)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean of the B predictions (float y) or their majority vote (integer y)."""
        preds = self._predict_each(X)
        if self.n_classes_ is None:
            return preds.mean(axis=0)
        return self._votes(preds).argmax(axis=1)


def _check_bagging_data(X: np.ndarray, y: np.ndarray) -> None:
    """X: n examples along axis 0 (the base model checks the rest); y: n labels or floats."""
    examples(X, "X")
    examples(y, "y")
    same_length(X, labels(y, "y") if np.issubdtype(y.dtype, np.integer)
                else data_array(y, "y", ndim=1))


# ------------------------------------------------------------------------ AdaBoost


class AdaBoost:
    """F(x) = Σ_t α_t h_t(x), α_t = ½ ln((1 - ε_t)/ε_t), w_i ← w_i exp(-α_t y_i h_t(x_i)) / Z_t."""

    @validate(n_estimators=positive_int)
    def __init__(self, n_estimators: int) -> None:
        self.n_estimators = n_estimators
        self.estimators_: list[DecisionStump] = []
        self.n_features_ = -1

    def fit(self, X: np.ndarray, y: np.ndarray) -> AdaBoost:
        """Discrete AdaBoost with stumps on labels y in {-1, +1}; stops early if ε_t = 0 or ½."""
        _check_pm1_data(X, y)
        w = np.full(len(X), 1.0 / len(X))
        stumps, alphas, errors = [], [], []
        for _ in range(self.n_estimators):  # boosting is sequential: one stump per round
            stump = DecisionStump().fit(X, y, w)
            h = stump.predict(X)
            eps = float(np.sum(w[h != y]))
            if eps >= 0.5:  # no stump beats a coin on these weights: nothing left to add
                break
            stumps.append(stump)
            errors.append(eps)
            alphas.append(0.5 * np.log((1.0 - max(eps, _PERFECT)) / max(eps, _PERFECT)))
            if eps < _PERFECT:  # a perfect stump: the training data are classified, stop
                break
            w = w * np.exp(-alphas[-1] * y * h)
            w /= w.sum()  # the normaliser is Z_t = 2 sqrt(ε_t (1 - ε_t))
        self.estimators_ = stumps
        self.estimator_weights_ = np.array(alphas)
        self.estimator_errors_ = np.array(errors)
        self.sample_weight_ = w
        self.n_features_ = X.shape[1]
        return self

    def staged_decision_function(self, X: np.ndarray) -> np.ndarray:
        """Row t: F_t(x) = Σ_{s <= t} α_s h_s(x), shape (T, m)."""
        _check_predict_args(self, X)
        feats = np.array([s.feature_ for s in self.estimators_], dtype=np.intp)
        thr = np.array([s.threshold_ for s in self.estimators_], dtype=np.float64)
        pol = np.array([s.polarity_ for s in self.estimators_], dtype=np.int64)
        H = np.where(X[:, feats] > thr, pol, -pol)  # (m, T): every stump on every example
        return np.cumsum(H * self.estimator_weights_, axis=1).T

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """F(x) = Σ_t α_t h_t(x), shape (m,)."""
        _check_predict_args(self, X)
        F = np.zeros(len(X))
        for alpha, stump in zip(self.estimator_weights_, self.estimators_, strict=True):
            F += alpha * stump.predict(X)
        return F

    def staged_predict(self, X: np.ndarray) -> np.ndarray:
        """Row t: sign F_t(x) in {-1, +1} (F = 0 gives +1), shape (T, m)."""
        return np.where(self.staged_decision_function(X) >= 0, 1, -1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """sign F(x) in {-1, +1} (F = 0 gives +1)."""
        return np.where(self.decision_function(X) >= 0, 1, -1)
