"""dlbook: the NumPy code behind the deep-learning interview book.

Every chapter imports from here and shows this code with ``show_source``, so
the code a reader sees is the code that runs and is tested. ``dlbook.plot`` is
imported on its own (it is the only module that needs matplotlib).
"""

from dlbook import (
    augment,
    autodiff,
    autoencoder,
    data,
    diagnostics,
    ensemble,
    functional,
    gradcheck,
    init,
    lr_finder,
    model_selection,
    nn,
    optim,
    perceptron,
    regions,
    spectral,
    text,
    timeseries,
    train,
    tuning,
)
from dlbook.show import show_source

__all__ = [
    "augment",
    "autodiff",
    "autoencoder",
    "data",
    "diagnostics",
    "ensemble",
    "functional",
    "gradcheck",
    "init",
    "lr_finder",
    "model_selection",
    "nn",
    "optim",
    "perceptron",
    "regions",
    "show_source",
    "spectral",
    "text",
    "timeseries",
    "train",
    "tuning",
]
__version__ = "0.1.0"
