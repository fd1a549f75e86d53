"""A small training loop: ``fit`` returns a ``History``; callbacks can stop it early."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlbook._checks import (
    at_least,
    boolean,
    data,
    data_array,
    examples,
    floats,
    function,
    generator,
    instance,
    mapping_of,
    non_negative,
    number,
    one_of,
    optional,
    or_empty,
    positive_int,
    same_length,
    sequence_of,
    validate,
)
from dlbook.data import minibatches
from dlbook.nn import Loss, Module
from dlbook.optim import Optimizer

Metric = Callable[[np.ndarray, np.ndarray], float]
Callback = Callable[[int, "History", Module], bool | None]
Data = tuple[np.ndarray, np.ndarray]


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite."""


@dataclass
class History:
    """Per-epoch metrics: ``metrics["loss"][e]`` is the mean training loss of epoch e + 1."""

    metrics: dict[str, list[float]] = field(default_factory=dict)
    stopped_epoch: int | None = None

    @validate(name=instance(str), value=number)
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

    def __str__(self) -> str:
        """The latest value of every series: ``loss 0.3124  acc 0.91``."""
        return "  ".join(f"{k} {v[-1]:.4g}" for k, v in self.metrics.items() if v)


def _labelled_data(value: Any, name: str) -> Data:
    """The rule for fit's val_data: a pair (X, y) checked as fit checks its own X and y."""
    if not isinstance(value, tuple | list):
        raise TypeError(f"{name} must be a tuple (X, y), got {type(value).__name__}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (X, y), got {len(value)} items")
    data_array(value[0], f"{name}[0]")
    examples(value[1], f"{name}[1]")
    same_length(*value, names=f"{name}[0] and {name}[1]")
    return value


@validate(scores=floats(), y=examples)
def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """Fraction of correct predictions: argmax of (N, K) scores, or logit > 0 for (N,)/(N, 1)."""
    _check_scores(scores, y)
    if scores.ndim == 2 and scores.shape[1] > 1:
        pred = scores.argmax(axis=1)
    else:
        pred = (scores.reshape(-1) > 0).astype(np.int64)
    return float(np.mean(pred == y.reshape(-1)))


def _check_scores(scores: np.ndarray, y: np.ndarray) -> None:
    if scores.ndim not in (1, 2):
        raise ValueError(f"scores must be (N,), (N, 1) or (N, K), got shape {scores.shape}")
    if y.shape not in ((len(scores),), (len(scores), 1)):
        raise ValueError(f"y must have shape ({len(scores)},) or ({len(scores)}, 1), one label "
                         f"per row of scores, got {y.shape}")
    # float 0/1 targets (as BCEWithLogitsLoss takes them) are labels too; -1/+1 labels are not
    if y.min() < 0 or not np.array_equal(y, np.round(y)):
        raise ValueError(f"y must hold class labels 0, 1, ..., got values {np.unique(y)[:5]}")


# The argument rules of evaluate and fit, kept here so that their listings show one line.
_EVALUATE_ARGS = dict(model=instance(Module), loss_fn=instance(Loss), X=data(), y=examples,
                      metrics=optional(or_empty(mapping_of(function))))
_FIT_ARGS = _EVALUATE_ARGS | dict(
    optimizer=instance(Optimizer), epochs=positive_int, batch_size=positive_int,
    rng=generator, val_data=optional(_labelled_data),
    callbacks=or_empty(sequence_of(function)), verbose=at_least(0))


@validate(**_EVALUATE_ARGS)
def evaluate(model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray,
             metrics: dict[str, Metric] | None = None) -> dict[str, float]:
    """Loss and metrics of ``model`` on (X, y) in evaluation mode; the mode is restored."""
    same_length(X, y)
    was_training = model.training
    model.eval()
    try:
        out = model(X)
        result = {"loss": float(loss_fn(out, y))}
        result |= {name: float(m(out, y)) for name, m in (metrics or {}).items()}
    finally:
        model.train(was_training)
    return result


@validate(**_FIT_ARGS)
@np.errstate(over="ignore", invalid="ignore")  # overflow: a DivergenceError, not a warning
def fit(model: Module, loss_fn: Loss, optimizer: Optimizer, X: np.ndarray, y: np.ndarray, *,
        epochs: int, batch_size: int, rng: np.random.Generator, val_data: Data | None = None,
        metrics: dict[str, Metric] | None = None, callbacks: Sequence[Callback] = (),
        verbose: int = 0) -> History:
    """Mini-batch training: for each shuffled batch, forward, loss, backward, step.

    Records per epoch the mean training ``loss``, each metric on the training set, and
    ``val_loss``/``val_<metric>`` if ``val_data`` is given. A callback
    ``cb(epoch, history, model)`` returning True stops training; ``verbose=k`` prints
    every k epochs. Raises ``DivergenceError`` naming the step if the loss turns NaN or inf
    (or, after an epoch's last step, the parameters).
    """
    same_length(X, y)
    history, step = History(), 0
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            step += 1
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            _check_finite(loss, epoch, step, optimizer)
            model.backward(loss_fn.backward())
            optimizer.step()
            total += loss * len(xb)
        history.record("loss", total / len(X))
        _record_metrics(history, model, loss_fn, (X, y), val_data, metrics)
        _check_parameters(optimizer, epoch, step)  # the epoch's last step may overflow
        if verbose and epoch % verbose == 0:
            print(f"epoch {epoch:4d}  {history}")
        if any(cb(epoch, history, model) for cb in callbacks):
            history.stopped_epoch = epoch
            break
    _call_on_train_end(callbacks, model)
    return history


def _check_finite(loss: float, epoch: int, step: int, optimizer: Optimizer) -> None:
    if not np.isfinite(loss):
        raise DivergenceError(
            f"loss became {loss} at epoch {epoch}, step {step}; "
            f"try a smaller learning rate (lr={optimizer.lr:g})"
        )


def _check_parameters(optimizer: Optimizer, epoch: int, step: int) -> None:
    if not all(np.isfinite(p.data).all() for p in optimizer.params):
        raise DivergenceError(
            f"parameters became NaN or infinite at epoch {epoch}, step {step}; "
            f"try a smaller learning rate (lr={optimizer.lr:g})"
        )


def _record_metrics(history: History, model: Module, loss_fn: Loss, train_data: Data,
                    val_data: Data | None, metrics: dict[str, Metric] | None) -> None:
    """Record each metric on the training set, and val_loss/val_<metric> on val_data.
    (The recorded ``loss`` is the mean over the epoch's batches; with no metrics the
    training set is not evaluated again.)"""
    if metrics:
        for name, value in evaluate(model, loss_fn, *train_data, metrics).items():
            if name != "loss":
                history.record(name, value)
    for name, value in (evaluate(model, loss_fn, *val_data, metrics) if val_data else {}).items():
        history.record(f"val_{name}", value)


def _call_on_train_end(callbacks: Sequence[Callback], model: Module) -> None:
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(model)


class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    optionally restore the parameters of the best epoch when training ends."""

    @validate(monitor=instance(str), patience=positive_int, min_delta=non_negative,
              mode=one_of("min", "max"), restore_best=boolean)
    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "min", restore_best: bool = True) -> None:
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.sign = 1.0 if mode == "min" else -1.0  # improving means falling for "min"
        self.restore_best = restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_params: list[np.ndarray] = []

    @validate(epoch=positive_int, history=instance(History), model=instance(Module))
    def __call__(self, epoch: int, history: History, model: Module) -> bool:
        """Keep the best epoch (and its parameters); True once it is ``patience`` epochs old."""
        value = history[self.monitor][-1]
        if self.best is None or self.sign * (self.best - value) > self.min_delta:
            self.best, self.best_epoch = value, epoch
            self.best_params = [p.data.copy() for p in model.parameters()]
        return epoch - self.best_epoch >= self.patience

    @validate(model=instance(Module))
    def on_train_end(self, model: Module) -> None:
        """Copy the best epoch's parameters back into the model."""
        if self.restore_best and self.best_params:
            for p, best in zip(model.parameters(), self.best_params, strict=True):
                p.data[...] = best
