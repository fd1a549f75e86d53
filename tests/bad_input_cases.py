"""One valid example call for every public function, class and method of dlbook.

``tests/test_bad_input.py`` discovers dlbook's public API, requires an entry here for
each callable, and derives the bad calls from these valid ones (one argument at a
time, the mutations chosen from the type of the valid value). So an entry is small:

    case("nn.Dense", lambda: (nn.Dense, dict(in_features=3, out_features=2, rng=rng())))

``make`` returns a fresh ``(callable, kwargs)`` every time (methods are bound to a
freshly built object), so a mutation never leaks into the next call. Arguments left
out of ``kwargs`` that have a non-None default are added with that default, so their
mutations are generated too. Options:

- ``tensors``: arrays that are a layer's input (NaN/inf and empty batches propagate,
  as in PyTorch; they are not data to be validated);
- ``anyshape``: arrays of any ndim (elementwise kernels): no ndim mutations;
- ``coupled``: arrays whose leading length must equal another argument's: a row is
  dropped; ``fixed``: arrays whose trailing size is fixed by another argument: a
  column is added;
- ``ranges``: the valid range of a number (or of an array's entries) where the
  name-based default of ``RANGES`` is wrong for this callable;
- ``allow``: mutations that are genuinely valid here, ``{"arg:mutation": "why"}``;
- ``dtype_free``: arrays that may have any dtype (splits, index bookkeeping);
- ``text``: string arguments that are free text (beyond the names in ``TEXT``);
- ``opaque``: sequences whose entries may be anything (only the container is mutated);
- ``extra``: mutations the types cannot suggest, ``{"arg:label": (bad, Exception)}``
  where ``bad`` is a value or a function of the valid value.

The modules are looked up through ``mod``, so the same table runs against the code
before the topic modules moved (``dlbook.regions`` → ``dlbook.topics.linear_regions``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

# -------------------------------------------------------------------------- lookup

OLD_NAMES = {"linear_regions": "regions", "dead_units": "diagnostics", "fourier": "spectral"}


def mod(key: str) -> Any:
    """``mod("nn")`` is dlbook.nn; ``mod("topics.tuning")`` is dlbook.topics.tuning, or the
    module at its old path (dlbook.tuning, dlbook.regions, ...) in the tree before the move."""
    if not key.startswith("topics.") or has_topics():
        return importlib.import_module(f"dlbook.{key}")
    short = key.removeprefix("topics.")
    return importlib.import_module(f"dlbook.{OLD_NAMES.get(short, short)}")


def has_topics() -> bool:
    """Whether this dlbook has the topics subpackage (an editable install could otherwise
    find another checkout's)."""
    import dlbook
    return (Path(dlbook.__file__).parent / "topics" / "__init__.py").exists()


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def normal(*shape: int) -> np.ndarray:
    return rng().standard_normal(shape)


def uniform(*shape: int) -> np.ndarray:
    return rng().uniform(0.05, 0.95, size=shape)


# -------------------------------------------------------------------------- the registry


@dataclass
class Case:
    key: str
    make: Callable[[], tuple[Callable, dict[str, Any]]]
    tensors: frozenset = frozenset()
    anyshape: frozenset = frozenset()
    coupled: frozenset = frozenset()
    fixed: frozenset = frozenset()
    ranges: dict = field(default_factory=dict)
    allow: dict = field(default_factory=dict)
    dtype_free: frozenset = frozenset()
    text: frozenset = frozenset()
    extra: dict = field(default_factory=dict)
    opaque: frozenset = frozenset()


REGISTRY: dict[str, Case] = {}


def call(fn: Callable, kwargs: dict[str, Any]) -> Any:
    """fn(**kwargs), with the leading arguments passed by position and a ``*args``
    parameter's value (a tuple) spread."""
    import inspect
    sig = inspect.signature(fn)
    kwargs, args = dict(kwargs), []
    # Leading arguments go by position, as a reader writes them (and as a wrapper that
    # renamed a parameter still accepts them); the rest by keyword.
    for name, p in sig.parameters.items():
        if p.kind is p.VAR_POSITIONAL:
            args += list(kwargs.pop(name, ()))
            break
        if p.kind is not p.POSITIONAL_OR_KEYWORD or name not in kwargs:
            break
        args.append(kwargs.pop(name))
    return fn(*args, **kwargs)


def case(key: str, make: Callable, **opts: Any) -> None:
    for name in ("tensors", "anyshape", "coupled", "fixed", "dtype_free", "text", "opaque"):
        if name in opts:
            opts[name] = frozenset(opts[name])
    REGISTRY[key] = Case(key, make, **opts)


# Default valid range of a numeric argument (or of an array's entries), by name.
# pos: > 0; nonneg: >= 0; prob: [0, 1]; unit: [0, 1); open: (0, 1); any: every finite
# number. An int not listed here is a size (pos); a float not listed is "any".
RANGES: dict[str, str] = {
    # floats
    "lr": "pos", "eps": "pos", "std": "pos", "gain": "pos", "delta": "pos", "h": "pos",
    "tol": "pos", "atol": "pos", "max_norm": "pos", "temperature": "pos", "gamma": "pos",
    "min_budget": "pos", "max_budget": "pos", "factor": "pos", "stop_factor": "pos",
    "rtol": "pos", "ax_size": "pos", "budget": "pos",
    "sigma": "nonneg", "noise": "nonneg", "min_delta": "nonneg", "weight_decay": "nonneg",
    "eta_min": "nonneg", "l2": "nonneg", "max_degrees": "nonneg", "padding": "nonneg",
    "p": "prob", "momentum": "unit", "test_fraction": "open", "fractions": "open",
    "betas": "unit", "beta": "pos", "alpha": "pos",
    "degrees": "any", "intercept": "any", "value": "any", "low": "any", "high": "any",
    "lo": "any", "hi": "any", "freq": "any", "x_range": "any", "domain": "any",
    "xlim": "any", "ylim": "any",
    # ints that may be 0 or negative
    "verbose": "nonneg", "max_shift": "nonneg", "dy": "any", "dx": "any", "axis": "any",
    "index": "nonneg",
    # int arrays: class labels and indices
    "y": "nonneg", "target": "nonneg", "idx": "nonneg", "ids": "nonneg", "prompt": "nonneg",
    "labels": "nonneg",
}

# String arguments that are free text: a str is needed (None or an int is a mistake)...
TEXT = frozenset({"text", "unk", "monitor"})
# ... and display labels, where anything with a str() is fine: not mutated.
LABELS = frozenset({"name", "label", "title", "xlabel", "ylabel", "prefix", "code", "cmap"})


# ==========================================================================================
# shared fixtures


def mlp() -> Any:
    """A 3 → 4 → 2 ReLU classifier."""
    nn, r = mod("nn"), rng()
    return nn.Sequential(nn.Dense(3, 4, rng=r), nn.ReLU(), nn.Dense(4, 2, rng=r))


def X8() -> np.ndarray:
    return normal(8, 3)


def y8() -> np.ndarray:
    return np.array([0, 1, 1, 0, 1, 0, 0, 1])


def signs(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 0, 1, -1)


class Transform:
    """An ``extra`` bad value computed from the valid one."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f = f


def entry(value: float) -> Transform:
    """The valid array with its first entry replaced by ``value``."""
    def put(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a.flat[0] = value
        return a
    return Transform(put)


# ==========================================================================================
# functional

ACTIVATIONS = ["step", "step_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu",
               "relu_grad", "gelu", "gelu_grad", "softplus"]
for _name in ACTIVATIONS:
    case(f"functional.{_name}", lambda _n=_name: (getattr(mod("functional"), _n),
                                                  dict(x=normal(4, 3))),
         tensors={"x"}, anyshape={"x"})
for _name, _p in [("leaky_relu", "alpha"), ("leaky_relu_grad", "alpha"), ("elu", "alpha"),
                  ("elu_grad", "alpha"), ("swish", "beta"), ("swish_grad", "beta")]:
    case(f"functional.{_name}", lambda _n=_name, _p=_p: (getattr(mod("functional"), _n),
                                                         {"x": normal(4, 3), _p: 0.5}),
         tensors={"x"}, anyshape={"x"},
         allow={"alpha:zero": "α = 0 is ReLU (ch. 27 checks F.leaky_relu(x, 0.0) == F.relu(x))"}
         if _name.startswith("leaky") else {})
for _name in ["logsumexp", "log_softmax", "softmax"]:
    case(f"functional.{_name}", lambda _n=_name: (getattr(mod("functional"), _n),
                                                  dict(x=normal(4, 3), axis=-1)),
         tensors={"x"}, anyshape={"x"}, extra={"axis:out-of-range": (5, ValueError)})
case("functional.softmax_backward",
     lambda: (mod("functional").softmax_backward,
              dict(s=mod("functional").softmax(normal(4, 3)), grad_out=normal(4, 3), axis=-1)),
     tensors={"s", "grad_out"}, fixed={"grad_out"}, anyshape={"s"},
     extra={"axis:out-of-range": (5, ValueError)})
for _name in ["mse", "mse_grad", "mae", "mae_grad", "huber", "huber_grad"]:
    case(f"functional.{_name}", lambda _n=_name: (getattr(mod("functional"), _n),
                                                  dict(pred=normal(5, 2), target=uniform(5, 2))),
         tensors={"pred"}, coupled={"target"}, fixed={"target"}, ranges={"target": "any"})
for _name in ["bce_with_logits", "bce_with_logits_grad"]:
    case(f"functional.{_name}", lambda _n=_name: (getattr(mod("functional"), _n),
                                                  dict(logits=normal(5, 2), target=uniform(5, 2))),
         tensors={"logits"}, coupled={"target"}, fixed={"target"}, ranges={"target": "prob"})
for _name in ["cross_entropy", "cross_entropy_grad"]:
    case(f"functional.{_name}",
         lambda _n=_name: (getattr(mod("functional"), _n),
                           dict(logits=normal(5, 3), target=np.array([0, 2, 1, 1, 0]))),
         tensors={"logits"}, coupled={"target"},
         extra={"target:label>=K": (entry(3), ValueError),
                "target:prob>1": (np.full((5, 3), 0.5) * [3, -1, 0], ValueError),
                "target:rows-sum-2": (np.full((5, 3), 2 / 3), ValueError)})
for _name in ["hinge", "hinge_grad"]:
    case(f"functional.{_name}",
         lambda _n=_name: (getattr(mod("functional"), _n),
                           dict(scores=normal(6), target=signs(6).astype(float))),
         tensors={"scores"}, coupled={"target"}, ranges={"target": "any"},
         extra={"target:not-a-sign": (entry(0.5), ValueError)})
case("functional.same_padding", lambda: (mod("functional").same_padding, dict(n=5, k=3, s=1)))
case("functional.conv_output_size",
     lambda: (mod("functional").conv_output_size, dict(n=5, k=3, s=1, padding=1)),
     extra={"padding:bogus-mode": ("full", ValueError), "k:larger-than-n": (9, ValueError)})
case("functional.conv_padding",
     lambda: (mod("functional").conv_padding,
              dict(size=(5, 5), kernel_size=3, stride=1, padding=1)),
     extra={"padding:bogus-mode": ("full", ValueError)})
case("functional.pad2d", lambda: (mod("functional").pad2d,
                                  dict(x=normal(2, 1, 4, 4), pads=((1, 1), (1, 1)))),
     tensors={"x"}, ranges={"pads": "nonneg"})
case("functional.im2col", lambda: (mod("functional").im2col,
                                   dict(x=normal(2, 1, 5, 5), kernel_size=3, stride=1, padding=0)),
     tensors={"x"}, extra={"kernel_size:larger-than-x": (7, ValueError)})
case("functional.col2im",
     lambda: (mod("functional").col2im,
              dict(cols=mod("functional").im2col(normal(2, 1, 5, 5), 3), x_shape=(2, 1, 5, 5),
                   kernel_size=3, stride=1, padding=0)),
     tensors={"cols"}, fixed={"cols"})
for _name in ["conv2d", "conv2d_naive"]:
    case(f"functional.{_name}",
         lambda _n=_name: (getattr(mod("functional"), _n),
                           dict(x=normal(2, 1, 5, 5), w=normal(2, 1, 3, 3), b=normal(2),
                                stride=1, padding=0)),
         tensors={"x", "w", "b"}, fixed={"b"},
         extra={"w:channels": (normal(2, 2, 3, 3), ValueError),
                "padding:bogus-mode": ("full", ValueError)})
case("functional.max_pool2d", lambda: (mod("functional").max_pool2d,
                                       dict(x=normal(2, 1, 4, 4), kernel_size=2)),
     tensors={"x"}, extra={"kernel_size:larger-than-x": (5, ValueError)})
case("functional.avg_pool2d", lambda: (mod("functional").avg_pool2d,
                                       dict(x=normal(2, 1, 4, 4), kernel_size=2)),
     tensors={"x"}, extra={"kernel_size:larger-than-x": (5, ValueError)})


def _maxpool_backward() -> tuple[Callable, dict]:
    F = mod("functional")
    y, argmax = F.max_pool2d(normal(2, 1, 4, 4), 2)
    return F.max_pool2d_backward, dict(grad_out=np.ones_like(y), argmax=argmax,
                                       x_shape=(2, 1, 4, 4), kernel_size=2)


case("functional.max_pool2d_backward", _maxpool_backward, tensors={"grad_out"},
     fixed={"grad_out", "argmax"}, extra={"argmax:outside-window": (entry(7), ValueError)})
case("functional.avg_pool2d_backward",
     lambda: (mod("functional").avg_pool2d_backward,
              dict(grad_out=np.ones((2, 1, 2, 2)), x_shape=(2, 1, 4, 4), kernel_size=2)),
     tensors={"grad_out"})


# ==========================================================================================
# gradcheck


def _numgrad() -> tuple[Callable, dict]:
    x = normal(3, 2)
    return mod("gradcheck").numerical_gradient, dict(f=lambda: float(np.sum(x**2)), x=x, h=1e-6)


case("gradcheck.numerical_gradient", _numgrad, anyshape={"x"},
     allow={"x:empty": "no coordinates: an empty gradient"})
case("gradcheck.relative_error",
     lambda: (mod("gradcheck").relative_error, dict(a=normal(3, 2), b=normal(3, 2))),
     coupled={"b"}, fixed={"b"}, anyshape={"a"})
case("gradcheck.check_module",
     lambda: (mod("gradcheck").check_module,
              dict(module=mod("nn").Dense(3, 2, rng=rng()), x=normal(4, 3), rng=rng(),
                   h=1e-6, tol=1e-6, atol=1e-8)),
     fixed={"x"})
case("gradcheck.check_loss",
     lambda: (mod("gradcheck").check_loss,
              dict(loss=mod("nn").MSELoss(), pred=normal(4, 2), target=normal(4, 2),
                   h=1e-6, tol=1e-6)),
     coupled={"target"}, fixed={"target"}, anyshape={"pred"})


# ==========================================================================================
# init

case("init.fans", lambda: (mod("init").fans, dict(shape=(3, 2))))
for _name in ["zeros", "constant"]:
    case(f"init.{_name}",
         lambda _n=_name: (getattr(mod("init"), _n),
                           dict(shape=(3, 2), rng=rng(), dtype=np.float64)
                           | ({"value": 0.5} if _n == "constant" else {})),
         allow={"shape:short": "a 1-D constant (a bias) is valid",
                "shape:empty": "shape () is a scalar", "rng:seed": "rng is unused here (it is "
                "there so every initialiser has one signature)", "rng:legacy": "rng is unused"})
for _name in ["normal", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal"]:
    case(f"init.{_name}", lambda _n=_name: (getattr(mod("init"), _n),
                                            dict(shape=(3, 2), rng=rng())),
         allow={"shape:short": "N(0, std²) needs no fans: any shape", "shape:empty":
                "N(0, std²) needs no fans: any shape"} if _name == "normal" else {})


# ==========================================================================================
# nn: every layer gets its constructor, forward, backward (and f/df, check_input)


def layer(key: str, ctor: Callable[[], tuple[Callable, dict]], inp: Callable[[], np.ndarray],
          fixed_input: bool = True, x: str = "x", ctor_args: bool = True,
          activation: bool = False, integer: bool = False, **opts: Any) -> None:
    """Register ``key`` (the constructor, if it takes arguments) and the methods of the layer
    it builds: forward on ``inp()`` (its first parameter is called ``x``), backward after
    that forward, check_input, and f/df for an ``activation``."""
    ctor_opts = opts.pop("ctor_opts", {})
    if ctor_args:
        case(key, ctor, **ctor_opts)

    def build() -> Any:
        cls, kwargs = ctor()
        return call(cls, kwargs)

    def backward() -> tuple[Callable, dict]:
        obj = build()
        y = obj.forward(inp())
        return obj.backward, dict(grad_out=np.ones_like(y))

    def forward() -> tuple[Callable, dict]:
        obj = build()
        return obj.forward, {next(iter(_params(obj.forward))): inp()}

    names = {x, "x", "idx"}  # forward's first parameter, whatever its name
    fwd = dict(tensors=set() if integer else names, fixed=names if fixed_input else set(),
               anyshape=set() if fixed_input else names, **opts)
    case(f"{key}.forward", forward, **fwd)
    case(f"{key}.backward", backward, tensors={"grad_out"}, fixed={"grad_out"},
         coupled={"grad_out"})
    if activation:
        case(f"{key}.f", lambda: (build().f, dict(x=inp())), tensors={"x"}, anyshape={"x"})
        case(f"{key}.df", lambda: (build().df, dict(x=inp())), tensors={"x"}, anyshape={"x"})


def _params(fn: Callable) -> dict:
    import inspect
    return dict(inspect.signature(fn).parameters)


def _nn(name: str, **kwargs: Any) -> Callable[[], tuple[Callable, dict]]:
    return lambda: (getattr(mod("nn"), name), {k: v() if callable(v) and k in ("rng",)
                                                else v for k, v in kwargs.items()})


case("nn.Parameter", lambda: (mod("nn").Parameter, dict(data=normal(3, 2), name="W")),
     tensors={"data"}, anyshape={"data"})
case("nn.make_weight",
     lambda: (mod("nn").make_weight, dict(weight_init=mod("init").xavier_uniform, shape=(3, 2),
                                          rng=rng(), dtype=np.float64, name="W")))
# Module's own methods, on a Dense layer (every layer inherits them)
case("nn.Module.train", lambda: (mod("nn").Dense(3, 2, rng=rng()).train, dict(mode=True)))
case("nn.Module.named_parameters",
     lambda: (mod("nn").Dense(3, 2, rng=rng()).named_parameters, dict(prefix="")))

layer("nn.Dense", lambda: (mod("nn").Dense, dict(in_features=3, out_features=2, rng=rng())),
      lambda: normal(4, 3))
layer("nn.StackedDense",
      lambda: (mod("nn").StackedDense,
               dict(layers=[mod("nn").Dense(3, 2, rng=np.random.default_rng(s)) for s in (0, 1)])),
      lambda: normal(2, 4, 3))
for _name in ["Sigmoid", "Tanh", "ReLU", "GELU", "Softmax"]:
    layer(f"nn.{_name}", lambda _n=_name: (getattr(mod("nn"), _n), {}), lambda: normal(4, 3),
          fixed_input=False, ctor_args=False, activation=_name != "Softmax")
for _name, _p in [("LeakyReLU", "alpha"), ("ELU", "alpha"), ("Swish", "beta")]:
    layer(f"nn.{_name}", lambda _n=_name, _p=_p: (getattr(mod("nn"), _n), {_p: 0.5}),
          lambda: normal(4, 3), fixed_input=False, activation=True)
layer("nn.Sequential", lambda: (mod("nn").Sequential,
                                dict(layers=(mod("nn").Dense(3, 4, rng=rng()), mod("nn").ReLU()))),
      lambda: normal(4, 3))
layer("nn.Conv2d", lambda: (mod("nn").Conv2d, dict(in_channels=1, out_channels=2, kernel_size=3,
                                                   rng=rng(), stride=1, padding=1)),
      lambda: normal(2, 1, 5, 5), fixed_input=False,
      extra={"x:channels": (normal(2, 2, 5, 5), ValueError),
             "x:3-D": (normal(1, 5, 5), ValueError)},
      ctor_opts=dict(extra={"padding:bogus-mode": ("full", ValueError)}))
for _name in ["MaxPool2d", "AvgPool2d"]:
    layer(f"nn.{_name}", lambda _n=_name: (getattr(mod("nn"), _n), dict(kernel_size=2, stride=2)),
          lambda: normal(2, 1, 4, 4), fixed_input=False,
          extra={"x:3-D": (normal(1, 4, 4), ValueError)})
layer("nn.Flatten", lambda: (mod("nn").Flatten, {}), lambda: normal(2, 1, 4, 4),
      fixed_input=False, ctor_args=False)
layer("nn.RNN", lambda: (mod("nn").RNN, dict(input_size=3, hidden_size=4, rng=rng(),
                                              nonlinearity="tanh")),
      lambda: normal(2, 5, 3))


def _rnn_with_h0() -> tuple[Callable, dict]:
    rnn = mod("nn").RNN(3, 4, rng=rng())
    return rnn.forward, dict(x=normal(2, 5, 3), h0=np.zeros((2, 4)))


case("nn.RNN.forward", _rnn_with_h0, tensors={"x", "h0"}, fixed={"x", "h0"})
layer("nn.LastStep", lambda: (mod("nn").LastStep, {}), lambda: normal(2, 5, 3),
      fixed_input=False, ctor_args=False, extra={"x:2-D": (normal(2, 5), ValueError)})
layer("nn.TimeDistributed",
      lambda: (mod("nn").TimeDistributed, dict(module=mod("nn").Dense(3, 2, rng=rng()))),
      lambda: normal(2, 5, 3))
layer("nn.Embedding", lambda: (mod("nn").Embedding, dict(num_embeddings=10, dim=3, rng=rng())),
      lambda: np.array([[1, 2, 3], [4, 5, 9]]), fixed_input=False, integer=True,
      extra={"idx:>=num_embeddings": (entry(10), ValueError)},
      allow={"x:empty": "no indices give an empty lookup, as in PyTorch",
             "idx:empty": "no indices give an empty lookup, as in PyTorch"})
layer("nn.Dropout", lambda: (mod("nn").Dropout, dict(p=0.5, rng=rng())), lambda: normal(4, 3),
      fixed_input=False, ctor_opts=dict(ranges={"p": "unit"}))
case("nn.Dropout.freeze_mask",
     lambda: (mod("nn").Dropout(0.5, rng=rng()).freeze_mask, dict(frozen=True)))
layer("nn.BatchNorm1d", lambda: (mod("nn").BatchNorm1d, dict(num_features=3, momentum=0.1,
                                                              eps=1e-5)),
      lambda: normal(4, 3), ctor_opts=dict(ranges={"momentum": "prob"}))
layer("nn.Residual", lambda: (mod("nn").Residual, dict(module=mod("nn").Dense(3, 3, rng=rng()))),
      lambda: normal(4, 3))

# losses: forward(pred, target); backward() has no argument
LOSSES = {"MSELoss": ({}, lambda: (normal(5, 2), uniform(5, 2)), "any"),
          "L1Loss": ({}, lambda: (normal(5, 2), uniform(5, 2)), "any"),
          "HuberLoss": ({"delta": 1.0}, lambda: (normal(5, 2), uniform(5, 2)), "any"),
          "BCEWithLogitsLoss": ({}, lambda: (normal(5, 2), uniform(5, 2)), "prob"),
          "CrossEntropyLoss": ({}, lambda: (normal(5, 3), np.array([0, 2, 1, 1, 0])), "nonneg"),
          "HingeLoss": ({}, lambda: (normal(6), signs(6).astype(float)), "any")}
for _name, (_kw, _data, _range) in LOSSES.items():
    if _kw:
        case(f"nn.{_name}", lambda _n=_name, _kw=_kw: (getattr(mod("nn"), _n), dict(_kw)))

    def _loss_forward(_n: str = _name, _kw: dict = _kw, _data: Callable = _data) -> tuple:
        pred, target = _data()
        return getattr(mod("nn"), _n)(**_kw).forward, dict(pred=pred, target=target)

    case(f"nn.{_name}.forward", _loss_forward, tensors={"pred"}, coupled={"target"},
         fixed={"target"} if _data()[1].ndim == 2 else set(), ranges={"target": _range})


# ==========================================================================================
# optim


def params() -> list:
    return mod("nn").Dense(3, 2, rng=rng()).parameters()


case("optim.Optimizer", lambda: (mod("optim").Optimizer, dict(params=params(), lr=0.1)))
case("optim.SGD", lambda: (mod("optim").SGD, dict(params=params(), lr=0.1, momentum=0.9,
                                                  nesterov=True, weight_decay=0.01)),
     allow={"weight_decay:zero": "0 means no weight decay",
            "momentum:zero": "0 means plain gradient descent"})
case("optim.RMSProp", lambda: (mod("optim").RMSProp, dict(params=params(), lr=0.01, alpha=0.99,
                                                          eps=1e-8, weight_decay=0.0)),
     ranges={"alpha": "unit"},
     allow={"weight_decay:zero": "0 means no weight decay", "alpha:zero": "α = 0 is valid"})
case("optim.Adam", lambda: (mod("optim").Adam, dict(params=params(), lr=1e-3, betas=(0.9, 0.999),
                                                    eps=1e-8, weight_decay=0.0,
                                                    decoupled=False)),
     allow={"weight_decay:zero": "0 means no weight decay"})
case("optim.clip_grad_norm", lambda: (mod("optim").clip_grad_norm,
                                      dict(params=params(), max_norm=1.0)))


def optimizer() -> Any:
    return mod("optim").SGD(params(), lr=0.1)


case("optim.LRScheduler", lambda: (mod("optim").LRScheduler, dict(optimizer=optimizer())))
case("optim.StepLR", lambda: (mod("optim").StepLR, dict(optimizer=optimizer(), step_size=2,
                                                        gamma=0.5)))
case("optim.ExponentialLR", lambda: (mod("optim").ExponentialLR,
                                     dict(optimizer=optimizer(), gamma=0.9)))
case("optim.CosineAnnealingLR", lambda: (mod("optim").CosineAnnealingLR,
                                         dict(optimizer=optimizer(), T_max=10, eta_min=0.0)),
     allow={"eta_min:zero": "annealing down to 0 is the default"})


# ==========================================================================================
# data

for _name, _kw in [("make_moons", {}), ("make_xor", {}), ("make_spirals", {"n_classes": 3}),
                   ("make_sine", {"x_range": (-1.0, 1.0), "freq": 2.0})]:
    case(f"data.{_name}",
         lambda _n=_name, _kw=_kw: (getattr(mod("data"), _n),
                                    dict(n=20, noise=0.1, rng=rng()) | _kw),
         allow={"noise:zero": "noise-free data is valid"},
         extra={"x_range:reversed": ((1.0, -1.0), ValueError)} if _name == "make_sine" else {})
case("data.load_digits", lambda: (mod("data").load_digits, dict(return_images=False)))
SPLIT = dict(dtype_free={"X", "y"}, coupled={"y"}, ranges={"y": "any"}, anyshape={"X"},
             allow={"X:nan": "a split copies data; it need not look inside",
                    "X:inf": "a split copies data; it need not look inside"})
case("data.train_val_test_split",
     lambda: (mod("data").train_val_test_split, dict(X=normal(20, 2), y=np.arange(20),
                                                     fractions=(0.6, 0.2, 0.2), rng=rng())),
     extra={"fractions:sum-2": ((0.6, 0.6, 0.8), ValueError)}, **SPLIT)
case("data.train_test_split",
     lambda: (mod("data").train_test_split, dict(X=normal(20, 2), y=np.arange(20),
                                                 test_fraction=0.25, rng=rng())), **SPLIT)
case("data.minibatches",
     lambda: (mod("data").minibatches, dict(X=normal(20, 2), y=np.arange(20), batch_size=4,
                                            rng=rng(), drop_last=False)), **SPLIT)
case("data.one_hot", lambda: (mod("data").one_hot, dict(y=np.array([0, 2, 1]), n_classes=3)),
     extra={"y:label>=n_classes": (entry(3), ValueError)},
     allow={"y:empty": "no labels give a (0, n_classes) matrix"})
case("data.kfold", lambda: (mod("data").kfold, dict(n=10, k=3, rng=rng())),
     extra={"k:one": (1, ValueError), "k:>n": (11, ValueError)})


def fitted_standardizer() -> Any:
    return mod("data").Standardizer().fit(normal(10, 3))


case("data.Standardizer.fit", lambda: (mod("data").Standardizer().fit, dict(X=normal(10, 3))),
     anyshape={"X"})
case("data.Standardizer.fit_transform",
     lambda: (mod("data").Standardizer().fit_transform, dict(X=normal(10, 3))), anyshape={"X"})
case("data.Standardizer.transform",
     lambda: (fitted_standardizer().transform, dict(X=normal(4, 3))), fixed={"X"})
case("data.Standardizer.inverse_transform",
     lambda: (fitted_standardizer().inverse_transform, dict(Z=normal(4, 3))), fixed={"Z"})


# ==========================================================================================
# train


def fit_call() -> tuple[Callable, dict]:
    train, nn = mod("train"), mod("nn")
    model = mlp()
    return train.fit, dict(model=model, loss_fn=nn.CrossEntropyLoss(),
                           optimizer=mod("optim").SGD(model.parameters(), lr=0.1), X=X8(), y=y8(),
                           epochs=2, batch_size=4, rng=rng(), val_data=(X8(), y8()),
                           metrics={"acc": train.accuracy},
                           callbacks=[train.EarlyStopping(monitor="loss", patience=1)],
                           verbose=0)


case("train.fit", fit_call, coupled={"y"}, fixed={"X"},
     allow={"verbose:zero": "0 is silent", "callbacks:empty": "no callbacks is the default",
            "metrics:empty": "no metrics is valid"},
     extra={"y:label>=K": (entry(2), ValueError)})
case("train.evaluate",
     lambda: (mod("train").evaluate, dict(model=mlp(), loss_fn=mod("nn").CrossEntropyLoss(),
                                          X=X8(), y=y8(),
                                          metrics={"acc": mod("train").accuracy})),
     coupled={"y"}, fixed={"X"}, allow={"metrics:empty": "no metrics is valid"})
case("train.accuracy", lambda: (mod("train").accuracy, dict(scores=normal(8, 2), y=y8())),
     tensors={"scores"}, coupled={"y"},
     allow={"y:float-dtype": "float 0/1 targets, as BCEWithLogitsLoss takes them, are labels "
                             "(ch. 3 passes accuracy to fit with float targets)"})
case("train.EarlyStopping",
     lambda: (mod("train").EarlyStopping, dict(monitor="val_loss", patience=2, min_delta=0.0,
                                               mode="min", restore_best=True)),
     allow={"min_delta:zero": "any improvement counts"})


def _history() -> Any:
    h = mod("train").History()
    h.record("loss", 1.0)
    h.record("loss", 0.5)
    return h


case("train.EarlyStopping.__call__",
     lambda: (mod("train").EarlyStopping(monitor="loss"), dict(epoch=1, history=_history(),
                                                                model=mlp())))
case("train.EarlyStopping.on_train_end",
     lambda: (mod("train").EarlyStopping(monitor="loss").on_train_end, dict(model=mlp())))
case("train.History.record", lambda: (_history().record, dict(name="loss", value=0.25)),
     allow={"value:nan": "a metric may be undefined (NaN) in an epoch",
            "value:inf": "a recorded loss may be inf"})


# ==========================================================================================
# autodiff

ARITH = "plain arithmetic on numbers: NaN and inf propagate, as with float"
case("autodiff.Value", lambda: (mod("autodiff").Value, dict(data=2.0, label="a")),
     allow={"data:nan": ARITH, "data:inf": ARITH + " (exp overflows to inf)"})
case("autodiff.Neuron", lambda: (mod("autodiff").Neuron, dict(weights=[0.5, -0.3], bias=0.1,
                                                              activation="tanh")),
     allow={"weights:short": "a one-input neuron is valid", "weights:nan-entry": ARITH,
            "bias:nan": ARITH, "bias:inf": ARITH})
case("autodiff.Neuron.__call__",
     lambda: (mod("autodiff").Neuron([0.5, -0.3], 0.1), dict(x=[1.0, 2.0])), coupled={"x"},
     allow={"x:nan-entry": ARITH})
case("autodiff.MLP", lambda: (mod("autodiff").MLP, dict(sizes=[2, 3, 1], rng=rng(),
                                                        activation="tanh")),
     extra={"sizes:one-layer": ([2], ValueError)},
     allow={"sizes:short": "[2, 3] is a valid one-layer MLP"})
case("autodiff.MLP.__call__",
     lambda: (mod("autodiff").MLP([2, 3, 1], rng=rng()), dict(x=[1.0, 2.0])), coupled={"x"},
     allow={"x:nan-entry": ARITH})
case("autodiff.MLP.from_arrays",
     lambda: (mod("autodiff").MLP.from_arrays, dict(params=[(normal(2, 3), np.zeros(3)),
                                                            (normal(3, 1), np.zeros(1))],
                                                    activation="tanh")))


# ==========================================================================================
# plot (Agg backend; small grids keep each figure a few ms)


def _predict(X: np.ndarray) -> np.ndarray:
    return (X[:, 0] > 0).astype(np.int64)


case("plot.decision_boundary",
     lambda: (mod("plot").decision_boundary, dict(predict=_predict, X=normal(10, 2),
                                                  y=signs(10).clip(0), resolution=10,
                                                  padding=0.5, title="t")),
     coupled={"y"}, fixed={"X"}, allow={"padding:zero": "no margin is valid"})
case("plot.contour_path",
     lambda: (mod("plot").contour_path, dict(f=lambda a, b: a**2 + b**2,
                                             paths=[normal(5, 2)], xlim=(-2.0, 2.0),
                                             ylim=(-2.0, 2.0), levels=5, labels=["gd"],
                                             log_levels=False)),
     opaque={"labels"}, extra={"xlim:reversed": ((2.0, -2.0), ValueError)})
case("plot.history", lambda: (mod("plot").history, dict(hist={"loss": [1.0, 0.5]},
                                                        keys=["loss"], logy=False)),
     extra={"keys:unknown": (["acc"], ValueError)})
case("plot.network_diagram",
     lambda: (mod("plot").network_diagram, dict(layer_sizes=[2, 3, 1],
                                                weights=[normal(2, 3), normal(3, 1)])))
case("plot.image_grid", lambda: (mod("plot").image_grid, dict(images=uniform(4, 6, 6), ncols=2,
                                                              titles=list("abcd"), ax_size=0.5)),
     coupled={"titles"}, opaque={"titles"})


# ==========================================================================================
# show

case("show.Source", lambda: (mod("show").Source, dict(code="x = 1", name="x")))
case("show.show_source", lambda: (mod("show").show_source, dict(obj=mod("init").fans)))


# ==========================================================================================
# topics.augment

IMAGES = dict(fixed=set())
case("topics.augment.shift_images",
     lambda: (mod("topics.augment").shift_images, dict(x=normal(2, 1, 5, 5), dy=1, dx=-1)),
     extra={"dy:array-of-wrong-length": (np.array([1, 2, 3]), ValueError)})
case("topics.augment.rotate_images",
     lambda: (mod("topics.augment").rotate_images, dict(x=normal(2, 1, 5, 5), degrees=30.0,
                                                        order="bilinear")),
     allow={"degrees:zero": "a rotation by 0 is valid", "degrees:neg": "clockwise is valid"})
case("topics.augment.add_gaussian_noise",
     lambda: (mod("topics.augment").add_gaussian_noise, dict(x=normal(2, 1, 5, 5), sigma=0.1,
                                                             rng=rng())),
     allow={"sigma:zero": "no noise is valid"})
case("topics.augment.random_shift",
     lambda: (mod("topics.augment").random_shift, dict(x=normal(2, 1, 5, 5), max_shift=1,
                                                       rng=rng())),
     allow={"max_shift:zero": "no shift is valid"})
case("topics.augment.random_rotate",
     lambda: (mod("topics.augment").random_rotate, dict(x=normal(2, 1, 5, 5), max_degrees=15.0,
                                                        rng=rng(), order="nearest")),
     allow={"max_degrees:zero": "no rotation is valid"})

# ==========================================================================================
# topics.autoencoder


def autoencoder() -> Any:
    nn = mod("nn")
    return mod("topics.autoencoder").Autoencoder(nn.Dense(4, 2, rng=rng()),
                                                 nn.Dense(2, 4, rng=rng()))


case("topics.autoencoder.Autoencoder",
     lambda: (mod("topics.autoencoder").Autoencoder,
              dict(encoder=mod("nn").Dense(4, 2, rng=rng()),
                   decoder=mod("nn").Dense(2, 4, rng=rng()))))
for _m, _shape in [("encode", (5, 4)), ("decode", (5, 2)), ("forward", (5, 4))]:
    case(f"topics.autoencoder.Autoencoder.{_m}",
         lambda _m=_m, _shape=_shape: (getattr(autoencoder(), _m),
                                       {"z" if _m == "decode" else "x": normal(*_shape)}),
         tensors={"x", "z"}, fixed={"x", "z"})


def _ae_backward() -> tuple[Callable, dict]:
    ae = autoencoder()
    return ae.backward, dict(grad_out=np.ones_like(ae.forward(normal(5, 4))))


case("topics.autoencoder.Autoencoder.backward", _ae_backward, tensors={"grad_out"},
     fixed={"grad_out"}, coupled={"grad_out"})
case("topics.autoencoder.pca", lambda: (mod("topics.autoencoder").pca, dict(X=normal(10, 4), k=2)),
     extra={"k:>features": (5, ValueError)})


def _pca_reconstruct() -> tuple[Callable, dict]:
    ae = mod("topics.autoencoder")
    X = normal(10, 4)
    mean, components, _ = ae.pca(X, 2)
    return ae.pca_reconstruct, dict(X=X, mean=mean, components=components)


case("topics.autoencoder.pca_reconstruct", _pca_reconstruct, fixed={"X", "mean", "components"})
case("topics.autoencoder.gaussian_noise",
     lambda: (mod("topics.autoencoder").gaussian_noise, dict(X=normal(5, 4), sigma=0.1,
                                                             rng=rng())),
     allow={"sigma:zero": "no noise is valid"}, anyshape={"X"})
case("topics.autoencoder.mask_noise",
     lambda: (mod("topics.autoencoder").mask_noise, dict(X=normal(5, 4), p=0.2, rng=rng())),
     allow={"p:zero": "no masking is valid"}, anyshape={"X"})
case("topics.autoencoder.reconstruction_errors",
     lambda: (mod("topics.autoencoder").reconstruction_errors, dict(model=autoencoder(),
                                                                   X=normal(5, 4))),
     fixed={"X"})

# ==========================================================================================
# topics.dead_units

for _name in ["activation_io", "unit_masks", "dead_units", "never_positive_units"]:
    case(f"topics.dead_units.{_name}",
         lambda _n=_name: (getattr(mod("topics.dead_units"), _n), dict(model=mlp(), X=X8())),
         fixed={"X"})
case("topics.dead_units.dead_fraction",
     lambda: (mod("topics.dead_units").dead_fraction,
              dict(masks=[np.array([True, False, False]), np.array([False, True])])))

# ==========================================================================================
# topics.ensemble

XE = lambda: normal(12, 2)  # noqa: E731
case("topics.ensemble.bootstrap_indices",
     lambda: (mod("topics.ensemble").bootstrap_indices, dict(n=10, rng=rng())))
case("topics.ensemble.DecisionStump.fit",
     lambda: (mod("topics.ensemble").DecisionStump().fit,
              dict(X=XE(), y=signs(12), sample_weight=np.full(12, 1 / 12))),
     coupled={"y", "sample_weight"}, ranges={"y": "any", "sample_weight": "nonneg"},
     dtype_free={"y"},
     extra={"y:not-a-sign": (entry(0), ValueError)})
case("topics.ensemble.DecisionTree",
     lambda: (mod("topics.ensemble").DecisionTree, dict(max_depth=2, task="regression")))
case("topics.ensemble.DecisionTree.fit",
     lambda: (mod("topics.ensemble").DecisionTree(max_depth=2).fit, dict(X=XE(), y=normal(12))),
     coupled={"y"}, ranges={"y": "any"})


def fitted(name: str, y: np.ndarray, **kwargs: Any) -> Any:
    return getattr(mod("topics.ensemble"), name)(**kwargs).fit(XE(), y)


_ENSEMBLE_PREDICT = {
    "DecisionStump": (lambda: fitted("DecisionStump", signs(12)), ["predict"]),
    "DecisionTree": (lambda: fitted("DecisionTree", signs(12).clip(0), max_depth=2,
                                    task="classification"), ["predict", "predict_proba"]),
    "Bagging": (lambda: fitted("Bagging", normal(12), n_estimators=3, rng=rng(),
                               make_model=mod("topics.ensemble").DecisionTree),
                ["predict", "staged_predict"]),
    "AdaBoost": (lambda: fitted("AdaBoost", signs(12), n_estimators=3),
                 ["predict", "staged_predict", "decision_function", "staged_decision_function"]),
}
for _cls, (_make, _methods) in _ENSEMBLE_PREDICT.items():
    for _m in _methods:
        case(f"topics.ensemble.{_cls}.{_m}",
             lambda _make=_make, _m=_m: (getattr(_make(), _m), dict(X=normal(5, 2))),
             fixed={"X"})
case("topics.ensemble.Bagging",
     lambda: (mod("topics.ensemble").Bagging, dict(make_model=mod("topics.ensemble").DecisionTree,
                                                   n_estimators=3, rng=rng())))
case("topics.ensemble.Bagging.fit",
     lambda: (mod("topics.ensemble").Bagging(mod("topics.ensemble").DecisionTree, 3,
                                             rng=rng()).fit, dict(X=XE(), y=normal(12))),
     coupled={"y"}, ranges={"y": "any"})
case("topics.ensemble.AdaBoost", lambda: (mod("topics.ensemble").AdaBoost, dict(n_estimators=3)))
case("topics.ensemble.AdaBoost.fit",
     lambda: (mod("topics.ensemble").AdaBoost(3).fit, dict(X=XE(), y=signs(12))),
     coupled={"y"}, ranges={"y": "any"}, dtype_free={"y"},
     extra={"y:not-a-sign": (entry(0), ValueError)})

# ==========================================================================================
# topics.fourier

for _name in ["direct_convolve", "fft_convolve"]:
    case(f"topics.fourier.{_name}", lambda _n=_name: (getattr(mod("topics.fourier"), _n),
                                                      dict(x=normal(7), k=normal(3))))
case("topics.fourier.spectrogram",
     lambda: (mod("topics.fourier").spectrogram, dict(signal=normal(64), window=16, hop=8)),
     extra={"window:>len": (65, ValueError)})
case("topics.fourier.fourier_features",
     lambda: (mod("topics.fourier").fourier_features, dict(x=normal(5, 2), B=normal(2, 3))),
     extra={"B:rows": (normal(3, 3), ValueError)})

# ==========================================================================================
# topics.linear_regions

LR = "topics.linear_regions"
case(f"{LR}.tent", lambda: (mod(LR).tent, dict(x=np.linspace(0, 1, 7))), anyshape={"x"},
     tensors={"x"})
case(f"{LR}.sawtooth", lambda: (mod(LR).sawtooth, dict(x=np.linspace(0, 1, 7), depth=2)),
     anyshape={"x"}, tensors={"x"})
case(f"{LR}.make_sawtooth", lambda: (mod(LR).make_sawtooth, dict(n=10, depth=2, noise=0.1,
                                                                 rng=rng())),
     allow={"noise:zero": "noise-free data is valid"})
case(f"{LR}.tent_network", lambda: (mod(LR).tent_network, dict(depth=2)))
case(f"{LR}.interpolant_network",
     lambda: (mod(LR).interpolant_network, dict(knots=np.array([0.0, 0.3, 0.6, 1.0]),
                                                values=np.array([0.0, 1.0, -1.0, 0.5]))),
     coupled={"values"}, extra={"knots:unsorted": (np.array([0.0, 0.6, 0.3, 1.0]), ValueError)})
case(f"{LR}.count_linear_pieces",
     lambda: (mod(LR).count_linear_pieces, dict(x=np.linspace(0, 1, 50),
                                                y=np.abs(np.linspace(-1, 1, 50)), rtol=1e-6)),
     coupled={"y"})
for _name in ["relu_pieces", "count_linear_regions"]:
    case(f"{LR}.{_name}", lambda _n=_name: (getattr(mod(LR), _n),
                                            dict(model=mod(LR).tent_network(2), lo=0.0, hi=1.0)),
         extra={"hi:below-lo": (-1.0, ValueError)})

# ==========================================================================================
# topics.lr_finder


def _range_test(**over: Any) -> tuple[Callable, dict]:
    model = mlp()
    kwargs = dict(model=model, loss_fn=mod("nn").CrossEntropyLoss(), X=X8(), y=y8(),
                  lrs=np.geomspace(1e-3, 1.0, 4), batch_size=4, rng=rng(),
                  optimizer=mod("optim").SGD(model.parameters(), lr=0.1), beta=0.9,
                  stop_factor=4.0, restore=True)
    return mod("topics.lr_finder").lr_range_test, kwargs | over


case("topics.lr_finder.lr_range_test", _range_test, coupled={"y"}, fixed={"X"},
     ranges={"beta": "unit", "lrs": "pos"},
     allow={"beta:zero": "no smoothing is valid"},
     extra={"lrs:decreasing": (np.geomspace(1.0, 1e-3, 4), ValueError)})


def _suggestion() -> tuple[Callable, dict]:
    fn, kwargs = _range_test()
    return fn(**kwargs).suggestion, dict(factor=10.0)


case("topics.lr_finder.RangeTestResult.suggestion", _suggestion)
case("topics.lr_finder.sharpness",
     lambda: (mod("topics.lr_finder").sharpness, dict(model=mlp(),
                                                      loss_fn=mod("nn").CrossEntropyLoss(),
                                                      X=X8(), y=y8(), rng=rng(), iters=3,
                                                      eps=1e-6)),
     coupled={"y"}, fixed={"X"})

# ==========================================================================================
# topics.model_selection

MS = "topics.model_selection"
case(f"{MS}.polynomial_features",
     lambda: (mod(MS).polynomial_features, dict(x=np.linspace(-1, 1, 10), degree=3,
                                                domain=(-1.0, 1.0))),
     allow={"degree:zero": "degree 0 is the constant model"},
     extra={"domain:reversed": ((1.0, -1.0), ValueError)})
case(f"{MS}.least_squares", lambda: (mod(MS).least_squares, dict(phi=normal(10, 4), y=normal(10),
                                                                 l2=0.1)),
     coupled={"y"}, allow={"l2:zero": "no penalty is plain least squares"})


def _cv_fit(X: np.ndarray, y: np.ndarray) -> Callable:
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return lambda Xn: Xn @ w


case(f"{MS}.cross_val_score", lambda: (mod(MS).cross_val_score,
                                       dict(fit=_cv_fit, X=normal(12, 2), y=normal(12), k=3,
                                            rng=rng())),
     coupled={"y"}, extra={"k:one": (1, ValueError), "k:>n": (13, ValueError)})
case(f"{MS}.bias_variance", lambda: (mod(MS).bias_variance, dict(preds=normal(5, 10),
                                                                 f_true=normal(10))),
     fixed={"preds"})

# ==========================================================================================
# topics.perceptron

PC = "topics.perceptron"
case(f"{PC}.radius", lambda: (mod(PC).radius, dict(X=normal(6, 2))))
def _separable(name: str) -> tuple[Callable, dict]:
    X, coef = normal(6, 2), np.array([1.0, -1.0])
    y = np.where(X @ coef + 0.1 > 0, 1, -1)
    return getattr(mod(PC), name), dict(X=X, y=y, coef=coef, intercept=0.1)


for _name in ["margin", "novikoff_bound"]:
    case(f"{PC}.{_name}", lambda _n=_name: _separable(_n),
         coupled={"y"}, fixed={"coef"}, ranges={"y": "any"}, dtype_free={"y"},
         extra={"y:not-a-sign": (entry(0), ValueError)})
case(f"{PC}.Perceptron.fit", lambda: (mod(PC).Perceptron().fit,
                                      dict(X=normal(6, 2), y=signs(6), epochs=3, rng=rng())),
     coupled={"y"}, ranges={"y": "any"}, dtype_free={"y"},
     extra={"y:not-a-sign": (entry(0), ValueError)})
for _name in ["predict", "decision_function"]:
    case(f"{PC}.Perceptron.{_name}",
         lambda _n=_name: (getattr(mod(PC).Perceptron().fit(normal(6, 2), signs(6), 3), _n),
                           dict(X=normal(4, 2))), fixed={"X"})

# ==========================================================================================
# topics.text

TX = "topics.text"
case(f"{TX}.CharVocab", lambda: (mod(TX).CharVocab, dict(text="hello world", min_count=1,
                                                         unk="~")),
     extra={"text:empty": ("", ValueError), "unk:two-chars": ("ab", ValueError)})
case(f"{TX}.CharVocab.encode", lambda: (mod(TX).CharVocab("hello world").encode,
                                        dict(text="hello")))
case(f"{TX}.CharVocab.decode", lambda: (mod(TX).CharVocab("hello world").decode,
                                        dict(ids=np.array([1, 2, 3]))),
     allow={"ids:empty": "no ids decode to the empty string"},
     extra={"ids:>=vocab": (entry(99), ValueError)})
case(f"{TX}.tbptt_chunks", lambda: (mod(TX).tbptt_chunks, dict(ids=np.arange(50) % 7,
                                                               batch_size=2, seq_len=4)),
     extra={"seq_len:too-long": (40, ValueError)})
for _name in ["sequence_cross_entropy", "sequence_cross_entropy_grad"]:
    case(f"{TX}.{_name}", lambda _n=_name: (getattr(mod(TX), _n),
                                            dict(logits=normal(2, 3, 5),
                                                 target=np.array([[0, 1, 4], [2, 3, 1]]))),
         tensors={"logits"}, coupled={"target"}, fixed={"target"},
         extra={"target:>=V": (entry(5), ValueError)})


def _seq_loss_forward() -> tuple[Callable, dict]:
    return mod(TX).SequenceCrossEntropyLoss().forward, dict(
        pred=normal(2, 3, 5), target=np.array([[0, 1, 4], [2, 3, 1]]))


case(f"{TX}.SequenceCrossEntropyLoss.forward", _seq_loss_forward, tensors={"pred"},
     coupled={"target"}, fixed={"target"})
case(f"{TX}.sample_categorical", lambda: (mod(TX).sample_categorical,
                                          dict(logits=normal(4, 5), rng=rng(), temperature=1.0)),
     tensors={"logits"})


def _generate() -> tuple[Callable, dict]:
    nn = mod("nn")
    return mod(TX).generate, dict(embedding=nn.Embedding(5, 3, rng=rng()),
                                  rnn=nn.RNN(3, 4, rng=rng()), head=nn.Dense(4, 5, rng=rng()),
                                  prompt=np.array([[1, 2], [3, 4]]), length=3, rng=rng(),
                                  temperature=1.0)


case(f"{TX}.generate", _generate, extra={"prompt:>=vocab": (entry(5), ValueError)},
     allow={"prompt:ndim-1": "a single (P,) prompt is documented"})

# ==========================================================================================
# topics.timeseries

TS = "topics.timeseries"
case(f"{TS}.sliding_windows", lambda: (mod(TS).sliding_windows, dict(series=normal(20), window=4,
                                                                     horizon=2)),
     extra={"window:too-long": (20, ValueError)})
case(f"{TS}.naive_forecast", lambda: (mod(TS).naive_forecast, dict(context=normal(3, 4),
                                                                   horizon=2)))
case(f"{TS}.seasonal_naive_forecast",
     lambda: (mod(TS).seasonal_naive_forecast, dict(context=normal(3, 8), horizon=2, period=4)),
     extra={"period:>window": (9, ValueError)})
case(f"{TS}.recursive_forecast",
     lambda: (mod(TS).recursive_forecast, dict(predict=lambda W: W.mean(axis=1),
                                               context=normal(3, 4), horizon=3)))

# ==========================================================================================
# topics.tuning

TU = "topics.tuning"


def _objective(a: float, b: float) -> float:
    return -((a - 1) ** 2) - b


def _space() -> dict:
    return {"a": mod(TU).Uniform(0.0, 2.0), "b": mod(TU).LogUniform(1e-3, 1.0)}


case(f"{TU}.grid_search", lambda: (mod(TU).grid_search,
                                   dict(objective=_objective, grid={"a": [0, 1, 2],
                                                                    "b": [0.1, 0.2]})),
     extra={"grid:empty-values": ({"a": [], "b": [0.1]}, ValueError),
})
case(f"{TU}.GridResult.config",
     lambda: (mod(TU).grid_search(_objective, {"a": [0, 1, 2], "b": [0.1, 0.2]}).config,
              dict(index=(1, 0))),
     ranges={"index": "any"}, extra={"index:out-of-grid": ((3, 0), ValueError)})
case(f"{TU}.Uniform", lambda: (mod(TU).Uniform, dict(low=0.0, high=1.0)),
     extra={"high:below-low": (-1.0, ValueError)})
case(f"{TU}.LogUniform", lambda: (mod(TU).LogUniform, dict(low=1e-3, high=1.0, integer=False)),
     ranges={"low": "pos", "high": "pos"}, extra={"high:below-low": (1e-4, ValueError)})
case(f"{TU}.Choice", lambda: (mod(TU).Choice, dict(values=[1, 2, 3])), opaque={"values"},
     allow={"values:str": "a string is a sequence of choices"})
for _cls, _kw in [("Uniform", (0.0, 1.0)), ("LogUniform", (1e-3, 1.0)), ("Choice", ([1, 2],))]:
    case(f"{TU}.{_cls}.sample", lambda _cls=_cls, _kw=_kw: (getattr(mod(TU), _cls)(*_kw).sample,
                                                            dict(rng=rng(), n=3)))
case(f"{TU}.sample_configs", lambda: (mod(TU).sample_configs, dict(space=_space(), n=3,
                                                                   rng=rng())))
case(f"{TU}.random_search", lambda: (mod(TU).random_search,
                                     dict(objective=_objective, space=_space(), n_trials=3,
                                          rng=rng())))


def _halving_objective(config: dict, budget: float) -> float:
    return -config["a"] / budget


def _configs() -> list:
    return [{"a": float(i)} for i in range(9)]


case(f"{TU}.successive_halving",
     lambda: (mod(TU).successive_halving, dict(objective=_halving_objective, configs=_configs(),
                                               min_budget=1.0, eta=3, max_budget=9.0)),
     extra={"eta:one": (1, ValueError), "max_budget:below-min": (0.5, ValueError)})
case(f"{TU}.HalvingResult.budget_used",
     lambda: (mod(TU).successive_halving(_halving_objective, _configs(), min_budget=1.0)
              .budget_used, dict(resume=False)))

# ------------------------------------------------------------------ additions as the API moves
case("nn.RNN.f", lambda: (mod("nn").RNN(3, 4, rng=rng()).f, dict(a=normal(2, 4))),
     tensors={"a"}, anyshape={"a"})
case("nn.RNN.df", lambda: (mod("nn").RNN(3, 4, rng=rng()).df, dict(h=normal(2, 4))),
     tensors={"h"}, anyshape={"h"}, ranges={"h": "any"})
layer("nn.LSTM", lambda: (mod("nn").LSTM, dict(input_size=3, hidden_size=4, rng=rng())),
      lambda: normal(2, 5, 3))


def _lstm_with_state() -> tuple[Callable, dict]:
    lstm = mod("nn").LSTM(3, 4, rng=rng())
    return lstm.forward, dict(x=normal(2, 5, 3), state=(np.zeros((2, 4)), np.zeros((2, 4))))


case("nn.LSTM.forward", _lstm_with_state, tensors={"x"}, fixed={"x"})
layer("nn.LayerNorm", lambda: (mod("nn").LayerNorm, dict(num_features=3, eps=1e-5)),
      lambda: normal(4, 3), allow={"x:ndim+1": "normalises the last axis of any shape",
                                   "x:ndim-1": "normalises the last axis of any shape"})
layer("nn.BatchNorm2d", lambda: (mod("nn").BatchNorm2d, dict(num_features=3, momentum=0.1,
                                                              eps=1e-5)),
      lambda: normal(2, 3, 4, 4), fixed_input=False,
      extra={"x:channels": (normal(2, 2, 4, 4), ValueError),
             "x:3-D": (normal(3, 4, 4), ValueError)},
      ctor_opts=dict(ranges={"momentum": "prob"}))
