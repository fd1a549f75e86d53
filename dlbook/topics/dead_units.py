"""Chapter 27 (leaky ReLU and dying units).
Diagnostics of a trained network: which hidden units are dead on a data set.

A unit of an activation layer is *dead* on a data set X when its output is exactly 0
for every row of X (a ReLU unit whose pre-activation is never positive). A unit is
*never positive* when its pre-activation is <= 0 on every row: for ReLU the two sets
coincide; a leaky ReLU unit can be never positive without ever outputting 0.
"""

from __future__ import annotations

import numpy as np

from dlbook._checks import data_array, instance
from dlbook.nn import Activation, Module, Sequential


def _flat_layers(model: Sequential) -> list[Module]:
    """The layers of ``model`` in order, with nested Sequentials unrolled."""
    layers: list[Module] = []
    for layer in model:
        layers.extend(_flat_layers(layer) if isinstance(layer, Sequential) else [layer])
    return layers


def activation_io(model: Sequential, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(z, f(z)) for every activation layer of ``model`` on X, in evaluation mode.

    z is the layer's input (the pre-activation, shape (N, units)) and f(z) its output.
    Nested Sequentials are unrolled; other container modules count as one opaque layer.
    The model's training/evaluation mode is restored afterwards.
    """
    _check_activation_io_args(model, X)
    was_training = model.training
    model.eval()
    out: list[tuple[np.ndarray, np.ndarray]] = []
    try:
        h = X
        for layer in _flat_layers(model):
            z, h = h, layer(h)
            if isinstance(layer, Activation):
                out.append((z, h))
    finally:
        model.train(was_training)
    return out


def _check_activation_io_args(model: Sequential, X: np.ndarray) -> None:
    instance(Sequential)(model, "model")
    data_array(X, "X", ndim=2)
    if not any(isinstance(layer, Activation) for layer in _flat_layers(model)):
        raise ValueError(f"model has no activation layer (nn.Activation) to inspect: {model!r}")


def unit_masks(model: Sequential, X: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Per activation layer, boolean masks over its units from one forward pass:
    "dead": f(z_nj) = 0 for all n; "never_positive": z_nj <= 0 for all n."""
    io = activation_io(model, X)
    return {"dead": [np.all(a.reshape(a.shape[0], -1) == 0, axis=0) for _, a in io],
            "never_positive": [np.all(z.reshape(z.shape[0], -1) <= 0, axis=0) for z, _ in io]}


def dead_units(model: Sequential, X: np.ndarray) -> list[np.ndarray]:
    """Per activation layer, a boolean mask over its units: dead_j = [f(z_nj) = 0 for all n]."""
    return unit_masks(model, X)["dead"]


def never_positive_units(model: Sequential, X: np.ndarray) -> list[np.ndarray]:
    """Per activation layer, a boolean mask over its units: [z_nj <= 0 for all n]."""
    return unit_masks(model, X)["never_positive"]


def dead_fraction(masks: list[np.ndarray]) -> float:
    """Fraction of True entries over all layers' masks: Σ_l |dead_l| / Σ_l units_l."""
    _check_masks(masks)
    return sum(int(m.sum()) for m in masks) / sum(m.size for m in masks)


def _check_masks(masks: list[np.ndarray]) -> None:
    """A non-empty list (or tuple) of boolean arrays, holding at least one unit in all."""
    if not isinstance(masks, list | tuple):
        raise TypeError(f"masks must be a list of boolean arrays, got {type(masks).__name__}")
    if not masks:
        raise ValueError("masks must be a non-empty list of boolean arrays, got an empty one")
    for i, m in enumerate(masks):
        if not isinstance(m, np.ndarray) or m.dtype != bool:
            got = f"an array of dtype {m.dtype}" if isinstance(m, np.ndarray) else type(m).__name__
            raise TypeError(f"masks[{i}] must be a boolean numpy.ndarray, got {got}")
    if sum(m.size for m in masks) == 0:
        raise ValueError("masks hold no units (every mask is empty)")
