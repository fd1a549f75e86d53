"""dlbook: the NumPy code behind the deep-learning interview book.

Every chapter imports from here and shows this code with ``show_source``, so
the code a reader sees is the code that runs and is tested.

The core modules are what many chapters share: ``nn`` (layers), ``functional``
(the formulas), ``init``, ``optim``, ``autodiff``, ``gradcheck``, ``data``,
``train``, ``plot`` and ``show``. ``dlbook.topics`` holds one module per
chapter topic (``from dlbook.topics import tuning``); core never imports it.
"""

from dlbook import autodiff, data, functional, gradcheck, init, nn, optim, train
from dlbook.show import glue, show_source

__all__ = [
    "autodiff",
    "data",
    "functional",
    "glue",
    "gradcheck",
    "init",
    "nn",
    "optim",
    "show_source",
    "train",
]
__version__ = "0.1.0"
