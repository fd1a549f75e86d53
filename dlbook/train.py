"""A small training loop: ``fit`` returns a ``History``; callbacks can stop it early."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dlbook._checks import float_array, generator, non_negative, positive_int
from dlbook.data import minibatches
from dlbook.nn import Loss, Module
from dlbook.optim import Optimizer

Metric = Callable[[np.ndarray, np.ndarray], float]
Callback = Callable[[int, "History", Module], bool | None]


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite."""


@dataclass
class History:
    """Per-epoch metrics: ``metrics["loss"][e]`` is the mean training loss of epoch e + 1."""

    metrics: dict[str, list[float]] = field(default_factory=dict)
    stopped_epoch: int | None = None

    def record(self, name: str, value: float) -> None:
        """Append ``value`` to the series ``name``."""
        self.metrics.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r}; recorded: {sorted(self.metrics)}")
        return self.metrics[name]

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.metrics.get("loss", []))


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """Fraction of correct predictions: argmax of (N, K) scores, or logit > 0 for (N,)/(N, 1)."""
    scores, y = np.asarray(scores), np.asarray(y)
    if scores.ndim == 2 and scores.shape[1] > 1:
        pred = scores.argmax(axis=1)
    elif scores.ndim in (1, 2):
        pred = (scores.reshape(-1) > 0).astype(np.int64)
    else:
        raise ValueError(f"scores must be (N,), (N, 1) or (N, K), got shape {scores.shape}")
    y = y.reshape(-1)
    if y.shape[0] != pred.shape[0]:
        raise ValueError(f"y must have {pred.shape[0]} labels, got {y.shape[0]}")
    return float(np.mean(pred == y))


def evaluate(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray,
             metrics: dict[str, Metric] | None = None) -> dict[str, float]:
    """Loss and metrics of ``model`` on (X, y) in evaluation mode; the mode is restored."""
    was_training = model.training
    model.eval()
    try:
        out = model(X)
        result = {"loss": float(loss_fn(out, y))}
        result |= {name: float(m(out, y)) for name, m in (metrics or {}).items()}
    finally:
        model.train(was_training)
    return result


def fit(model: Module, loss_fn: Loss, optimizer: Optimizer, X: np.ndarray, y: np.ndarray, *,
        epochs: int, batch_size: int, rng: np.random.Generator,
        val_data: tuple[np.ndarray, np.ndarray] | None = None,
        metrics: dict[str, Metric] | None = None,
        callbacks: Sequence[Callback] = (), verbose: int = 0) -> History:
    """Mini-batch training: for each shuffled batch, forward, loss, backward, step.

    Records per epoch the mean training ``loss`` (weighted by batch size), each
    metric on the training set, and ``val_loss``/``val_<metric>`` if ``val_data``
    is given. A callback ``cb(epoch, history, model)`` returning True stops
    training. ``verbose=k`` prints a line every k epochs (0: silent).
    Raises ``DivergenceError`` naming the step if the loss becomes NaN or inf.
    """
    float_array(X, "X")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    generator(rng)
    non_negative(verbose, "verbose")
    metrics = metrics or {}
    history = History()
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        total, seen = 0.0, 0
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            step += 1
            optimizer.zero_grad()
            # Overflow is reported as a DivergenceError naming the step, which
            # says more than NumPy's RuntimeWarning would.
            with np.errstate(over="ignore", invalid="ignore"):
                loss = loss_fn(model(xb), yb)
                _check_finite(loss, epoch, step, optimizer)
                # a finite loss can still overflow in backward; the next step's check catches it
                model.backward(loss_fn.backward())
                optimizer.step()
            total += loss * len(xb)
            seen += len(xb)
        history.record("loss", total / seen)
        with np.errstate(over="ignore", invalid="ignore"):
            train_scores = evaluate(model, loss_fn, X, y, metrics)
            val_scores = evaluate(model, loss_fn, *val_data, metrics) if val_data else {}
        # the last step may have pushed the weights to overflow after its loss was computed
        _check_finite(train_scores["loss"], epoch, step, optimizer)
        for name, value in train_scores.items():
            if name != "loss":
                history.record(name, value)
        for name, value in val_scores.items():
            history.record(f"val_{name}", value)
        if verbose and epoch % verbose == 0:
            line = "  ".join(f"{k} {v[-1]:.4g}" for k, v in history.metrics.items())
            print(f"epoch {epoch:4d}  {line}", file=sys.stdout)
        if any(cb(epoch, history, model) for cb in callbacks):
            history.stopped_epoch = epoch
            break
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(model)
    return history


def _check_finite(loss: float, epoch: int, step: int, optimizer: Optimizer) -> None:
    if not np.isfinite(loss):
        raise DivergenceError(
            f"loss became {loss} at epoch {epoch}, step {step}; "
            f"try a smaller learning rate (lr={optimizer.lr:g})"
        )


class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    optionally restore the parameters of the best epoch when training ends."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "min", restore_best: bool = True) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.patience = positive_int(patience, "patience")
        self.min_delta = non_negative(min_delta, "min_delta")
        self.restore_best = restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self._best_params: list[np.ndarray] | None = None

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def __call__(self, epoch: int, history: History, model: Module) -> bool:
        value = history[self.monitor][-1]
        if self._improved(value):
            self.best, self.best_epoch = value, epoch
            if self.restore_best:
                self._best_params = [copy.deepcopy(p.data) for p in model.parameters()]
        return epoch - self.best_epoch >= self.patience

    def on_train_end(self, model: Module) -> None:
        """Copy the best epoch's parameters back into the model."""
        if self.restore_best and self._best_params is not None:
            for p, best in zip(model.parameters(), self._best_params, strict=True):
                p.data[...] = best
