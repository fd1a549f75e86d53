"""Bad input, still loud (issue 9): every public entry point of dlbook, called as a new user
would call it wrongly, raises a TypeError (wrong type) or ValueError (wrong value) whose
message names the argument. Never AttributeError/IndexError/KeyError/ZeroDivisionError or a
NumPy error from inside, never a silent result.

How it works:

1. ``discover()`` walks ``dlbook`` and ``dlbook.topics``: every public function, every
   public class's constructor, and every public method (``__call__`` too where a class has
   no ``forward``). Each needs an entry in ``bad_input_cases.REGISTRY`` (one valid example
   call), unless it takes no argument or is in ``SKIP`` below, so the API cannot grow
   untested (``test_registry_covers_public_api``).
2. From each valid call, ``mutations()`` derives bad calls one argument at a time, chosen
   by the type of the valid value: None (unless the parameter is Optional), a str, a list
   for an array, a float or bool for an int, an int dtype for floats, one dim more or
   less, an empty array, NaN and inf in data, and out-of-range numbers (0, negative,
   probability > 1, ...) from the argument's range in ``bad_input_cases.RANGES``.
3. ``test_bad_call`` runs each one: the expected exception must be raised, naming the
   argument. A mutation that is genuinely valid is listed in the case's ``allow``.

``pytest -k tuning`` runs one module's cases (ids are ``module.object:arg:mutation``).
``BAD_INPUT_REPORT=path pytest tests/test_bad_input.py`` also writes the failures, grouped
by module, to ``path``.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import inspect
import os
import pkgutil
import re
import signal
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import bad_input_cases as cases
import numpy as np
import pytest
from bad_input_cases import LABELS, RANGES, REGISTRY, TEXT, call, mod

# ------------------------------------------------------------------------------- discovery

# Public names that are not entry points with arguments to get wrong (anything taking no
# argument at all is skipped automatically).
SKIP = {
    # abstract bases: they cannot run on their own; the methods they define are keyed
    # on them (nn.Module.train) and tested through a concrete subclass
    "nn.Module": "abstract base",
    "nn.Activation": "abstract base",
    "nn.Loss": "abstract base",
    "topics.tuning.Distribution": "abstract base",
    "topics.ensemble.Model": "typing.Protocol",
    # result records: dataclasses dlbook builds and returns; their methods are tested,
    # their constructors (plain field stores) are not an entry point a reader calls
    "train.History": "result record",
    "topics.lr_finder.RangeTestResult": "result record",
    "topics.tuning.GridResult": "result record",
    "topics.tuning.SearchResult": "result record",
    "topics.tuning.Rung": "result record",
    "topics.tuning.HalvingResult": "result record",
    # a no-op outside IPython (as in this test): its arguments are never read here
    "show.glue": "no-op outside IPython",
}
# Callback hooks: fit calls them with arguments it builds itself; a reader never does.
SKIP_METHODS = {
    "train.EarlyStopping.__call__": "callback hook called by fit",
    "train.EarlyStopping.on_train_end": "callback hook called by fit",
}
# Module.check_input is the hook forward calls; it is tested through every forward.
HOOKS = {"check_input"}
PER_CLASS = {"forward", "backward", "f", "df"}  # keyed on each concrete class
OLD_TOPICS = {"augment", "autoencoder", "ensemble", "lr_finder", "model_selection", "perceptron",
              "text", "timeseries", "tuning", "regions", "diagnostics", "spectral"}


def _key(module_name: str) -> str:
    """dlbook.nn → nn; dlbook.topics.tuning → topics.tuning; dlbook.regions (before the move)
    → topics.linear_regions."""
    short = module_name.removeprefix("dlbook.")
    if short in OLD_TOPICS:
        new = {v: k for k, v in cases.OLD_NAMES.items()}.get(short, short)
        return f"topics.{new}"
    return short


def _modules() -> list[Any]:
    import dlbook
    names = [m.name for m in pkgutil.iter_modules(dlbook.__path__, "dlbook.")]
    if cases.has_topics():
        import dlbook.topics
        names += [m.name for m in pkgutil.iter_modules(dlbook.topics.__path__, "dlbook.topics.")]
    return [importlib.import_module(n) for n in sorted(names)
            if not n.rsplit(".", 1)[1].startswith("_") and n != "dlbook.topics"]


def _takes_arguments(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return any(not name.startswith("_") for name in params)


def discover() -> dict[str, str]:
    """{registry key: "no arguments" | "skip: why" | ""} for every public callable."""
    found: dict[str, str] = {}
    for module in _modules():
        mk = _key(module.__name__)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            key = f"{mk}.{name}"
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue  # an exception type, raised not called
                if key in SKIP:
                    found[key] = f"skip: {SKIP[key]}"
                else:
                    found[key] = "" if _takes_arguments(obj) else "no arguments"
                if SKIP.get(key) == "abstract base" or SKIP.get(key) == "typing.Protocol":
                    continue
                found.update(_methods(mk, obj))
            elif callable(obj):
                found[key] = "" if _takes_arguments(obj) else "no arguments"
                if key in SKIP:
                    found[key] = f"skip: {SKIP[key]}"
    return found


def _methods(mk: str, cls: type) -> dict[str, str]:
    out = {}
    for name in dir(cls):
        if name.startswith("_") and not (name == "__call__" and not hasattr(cls, "forward")):
            continue
        if name in HOOKS:
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("dlbook"):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, property) or not callable(getattr(cls, name)):
            continue
        if not isinstance(raw, types.FunctionType | classmethod | staticmethod):
            continue
        if getattr(raw, "__qualname__", "").count(".") == 0:
            continue  # a module-level function stored on the class (Loss.value_fn = F.mse)
        if name in PER_CLASS:
            key = f"{mk}.{cls.__name__}.{name}"
        else:
            key = f"{_key(owner.__module__)}.{owner.__name__}.{name}"
        fn = getattr(cls, name)
        params = [p for p in inspect.signature(fn).parameters if p not in ("self",)]
        out[key] = "" if any(not p.startswith("_") for p in params) else "no arguments"
        if key in SKIP_METHODS:
            out[key] = f"skip: {SKIP_METHODS[key]}"
    return out


# ------------------------------------------------------------------------------- mutations


class Mutation:
    """One bad call: argument ``arg`` of case ``key`` replaced according to ``label``."""

    def __init__(self, key: str, arg: str, label: str, bad: Any, expected: type) -> None:
        self.key, self.arg, self.label, self.bad, self.expected = key, arg, label, bad, expected

    @property
    def id(self) -> str:
        return f"{self.key}:{self.arg}:{self.label}"

    @property
    def module(self) -> str:
        return _module_of(self.key)


def _module_of(key: str) -> str:
    parts = key.split(".")
    return ".".join(parts[:2]) if parts[0] == "topics" else parts[0]


def _optional(param: inspect.Parameter | None) -> bool:
    if param is None:
        return False
    return param.default is None or "None" in str(param.annotation)


def _kind(name: str, value: Any, case: cases.Case) -> str:
    nn, optim = mod("nn"), mod("optim")
    if name == "dtype" or (isinstance(value, type) and issubclass(value, np.generic)):
        return "dtype"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    if isinstance(value, str):
        if name in LABELS:
            return "label"
        return "text" if name in TEXT or name in case.text else "choice"
    if isinstance(value, np.random.Generator):
        return "rng"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, nn.Module):
        return "module"
    if isinstance(value, nn.Loss):
        return "loss"
    if isinstance(value, optim.Optimizer):
        return "optimizer"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list | tuple):
        return "seq"
    if callable(value):
        return "callable"
    return "object"


def _range(name: str, case: cases.Case, default: str) -> str:
    return case.ranges.get(name, RANGES.get(name, default))


def _number_mutations(value: Any, kind: str, rng_kind: str) -> list[tuple[str, Any, type]]:
    out: list[tuple[str, Any, type]] = [("str", str(value), TypeError), ("bool", True, TypeError)]
    if kind == "int":
        out.append(("float", float(value), TypeError))
    else:
        out += [("list", [value], TypeError), ("nan", float("nan"), ValueError),
                ("inf", float("inf"), ValueError)]
    zero, one = (0, 1) if kind == "int" else (0.0, 1.0)
    if rng_kind in ("pos", "open"):
        out.append(("zero", zero, ValueError))
    if rng_kind != "any":
        out.append(("neg", -one, ValueError))
    if rng_kind in ("unit", "open"):
        out.append(("one", one, ValueError))
    if rng_kind in ("prob", "unit", "open") and kind == "float":
        out.append(("gt1", 1.5, ValueError))
    return out


def _entry(a: np.ndarray, value: float) -> np.ndarray:
    a = a.copy()
    a.flat[0] = value
    return a


def _array_mutations(name: str, v: np.ndarray, case: cases.Case) -> list[tuple[str, Any, type]]:
    out: list[tuple[str, Any, type]] = [("list", v.tolist(), TypeError), ("str", "x", TypeError)]
    integer = np.issubdtype(v.dtype, np.integer)
    if name not in case.dtype_free:
        if integer:
            out.append(("float-dtype", v.astype(np.float64), TypeError))
        elif np.issubdtype(v.dtype, np.floating):
            out.append(("int-dtype", np.ones(v.shape, dtype=np.int64), TypeError))
    if name not in case.anyshape:
        out.append(("ndim+1", v[None], ValueError))
        if v.ndim >= 1:
            out.append(("ndim-1", v[0, ...], ValueError))  # a 0-d array from a 1-D one
    if name in case.fixed and v.ndim >= 1:
        out.append(("cols+1", np.concatenate([v, v[..., :1]], axis=-1), ValueError))
    if name in case.coupled and v.ndim >= 1:
        out.append(("rows-1", v[1:], ValueError))
    data = name not in case.tensors
    if data and v.ndim >= 1:
        out.append(("empty", v[:0], ValueError))
    if data and not integer:
        out += [("nan", _entry(v, np.nan), ValueError), ("inf", _entry(v, np.inf), ValueError)]
    # labels and indices are >= 0 unless said otherwise; a float array's range is per case
    rng_kind = _range(name, case, "nonneg") if integer else case.ranges.get(name, "any")
    if rng_kind == "pos":
        out.append(("zero-entry", _entry(v, 0), ValueError))
    if rng_kind != "any":
        out.append(("neg-entry", _entry(v, -1), ValueError))
    if rng_kind in ("prob", "unit", "open") and not integer:
        out.append(("gt1-entry", _entry(v, 1.5), ValueError))
    return out


def _leaf_path(v: Any) -> list[int]:
    path = []
    while isinstance(v, list | tuple) and v:
        path.append(0)
        v = v[0]
    return path


def _replace_leaf(v: Any, new: Any) -> Any:
    if not isinstance(v, list | tuple) or not v:
        return new
    return type(v)([_replace_leaf(v[0], new), *v[1:]])


def _first_leaf(v: Any) -> Any:
    while isinstance(v, list | tuple) and v:
        v = v[0]
    return v


def _seq_mutations(name: str, v: list | tuple, case: cases.Case) -> list[tuple[str, Any, type]]:
    nn = mod("nn")
    out: list[tuple[str, Any, type]] = [("str", "abc", TypeError), ("empty", type(v)(), ValueError)]
    leaf = _first_leaf(v)
    if name in case.opaque:
        return out  # the entries may be anything (Choice values, titles)
    if leaf is not None:
        out.append(("[None]", _replace_leaf(v, None), TypeError))
    numeric = isinstance(leaf, int | float | np.integer | np.floating) and not isinstance(leaf,
                                                                                          bool)
    if numeric:
        if name not in case.anyshape and len(v) > 1:
            out.append(("short", v[:-1], ValueError))
        if isinstance(leaf, int | np.integer):
            out.append(("float-entry", _replace_leaf(v, float(leaf)), TypeError))
            rng_kind = _range(name, case, "pos")
            if rng_kind == "pos":
                out.append(("zero-entry", _replace_leaf(v, 0), ValueError))
            if rng_kind != "any":
                out.append(("neg-entry", _replace_leaf(v, -1), ValueError))
        else:
            out.append(("nan-entry", _replace_leaf(v, float("nan")), ValueError))
            rng_kind = _range(name, case, "any")
            if rng_kind != "any":
                out.append(("neg-entry", _replace_leaf(v, -1.0), ValueError))
            if rng_kind in ("prob", "unit", "open"):
                out.append(("gt1-entry", _replace_leaf(v, 1.5), ValueError))
    elif isinstance(leaf, nn.Parameter):
        out += [("arrays", [p.data for p in v], TypeError),
                ("module", nn.Dense(3, 2, rng=np.random.default_rng(0)), TypeError)]
    elif isinstance(leaf, nn.Module):
        out.append(("[class]", _replace_leaf(v, type(leaf)), TypeError))
    elif isinstance(leaf, np.ndarray) and isinstance(v, tuple) and len(v) > 1:
        out.append(("short", v[:-1], ValueError))
    return out


def mutations(key: str, fn: Callable, kwargs: dict[str, Any], case: cases.Case) -> list[Mutation]:
    """The bad calls derived from the valid call ``fn(**kwargs)``."""
    try:
        params = dict(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = {}
    out = []
    for name, value in kwargs.items():
        if name.startswith("_"):
            continue
        kind = _kind(name, value, case)
        if kind == "label":
            continue  # display text: anything with a str() is fine
        muts: list[tuple[str, Any, type]] = []
        if kind != "dtype" and not _optional(params.get(name)):  # dtype=None is NumPy's float64
            muts.append(("None", None, TypeError))
        if kind in ("int", "float"):
            muts += _number_mutations(value, kind, _range(name, case,
                                                          "pos" if kind == "int" else "any"))
            default = getattr(params.get(name), "default", None)
            if isinstance(default, float) and np.isinf(default):  # inf is the default: valid
                muts = [mu for mu in muts if mu[0] != "inf"]
        elif kind == "bool":
            muts += [("str", "yes", TypeError), ("int", 1, TypeError)]
        elif kind == "choice":
            muts += [("int", 3, TypeError), ("bogus", "bogus", ValueError)]
        elif kind == "text":
            muts += [("int", 3, TypeError)]
        elif kind == "rng":
            muts += [("seed", 0, TypeError), ("legacy", np.random.RandomState(0), TypeError)]
        elif kind == "dtype":
            muts += [("int", np.int64, TypeError)]
        elif kind in ("module", "loss", "optimizer"):
            muts += [("str", {"module": "relu", "loss": "mse", "optimizer": "sgd"}[kind],
                      TypeError), ("class", type(value), TypeError), ("int", 3, TypeError)]
        elif kind == "callable":
            muts += [("int", 3, TypeError), ("str", "f", TypeError)]
        elif kind == "array":
            muts += _array_mutations(name, value, case)
        elif kind == "dict":
            muts += [("list", list(value.items()), TypeError), ("empty", {}, ValueError)]
            if value:
                first = next(iter(value))
                muts.append(("value-None", {**value, first: None}, TypeError))
        elif kind == "seq":
            muts += _seq_mutations(name, value, case)
        param = params.get(name)
        if param is not None and param.kind is param.VAR_POSITIONAL:
            # *layers: the call spreads the tuple, so only bad entries make sense
            muts = [mu for mu in muts if mu[0].startswith("[")]
        annotation = str(getattr(params.get(name), "annotation", ""))
        if re.search(r"(^|\|)\s*([\w.]*\.)?(str|Padding)\s*(\||$)", annotation):
            # a str is a valid type here (padding="same"): a wrong string is a wrong value
            muts = [(lb, bad, ValueError if lb == "str" else exc) for lb, bad, exc in muts]
        out += [Mutation(key, name, label, bad, exc) for label, bad, exc in muts]
    for label, (bad, exc) in case.extra.items():
        arg, _, what = label.partition(":")
        out.append(Mutation(key, arg, what, bad, exc))
    return out


def _with_defaults(fn: Callable, kwargs: dict[str, Any]) -> dict[str, Any]:
    """kwargs plus every parameter left out that has a default other than None."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return kwargs
    full = dict(kwargs)
    for name, p in params.items():
        if (name not in full and not name.startswith("_") and p.default is not p.empty
                and p.default is not None):
            full[name] = p.default
    return full


# ------------------------------------------------------------------------------- running


class Hang(BaseException):
    """Raised by the alarm: a bad call ran for too long."""


@contextlib.contextmanager
def _quiet(seconds: float = 5.0) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        import sys
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")


def run(fn: Callable, kwargs: dict[str, Any]) -> Any:
    """fn(**kwargs), consuming a returned iterator (errors may come while iterating)."""
    with _quiet():
        out = call(fn, kwargs)
        if isinstance(out, types.GeneratorType | map | filter):
            out = list(out)
    return out


def _names(arg: str) -> list[str]:
    aliases = {"x": ["input"], "X": ["input"], "idx": ["input"], "z": ["input"],
               "layers": ["layer"]}
    return [arg, *aliases.get(arg, [])]


def _mentions(message: str, arg: str, also: tuple[str, ...] = ()) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)
               for n in (*_names(arg), *also))


def _aliases(fn: Callable, arg: str) -> tuple[str, ...]:
    """Other names under which a message may name ``arg`` of ``fn``.

    ``Loss.forward(pred, target)`` hands both to its class's ``value_fn`` (F.cross_entropy,
    F.hinge...), whose messages name pred as that function's first parameter, ``logits`` or
    ``scores``: the argument the user passed, under the name the loss's docstring uses.
    ``fit``, ``evaluate`` and the lr_finder functions hand ``y`` to ``loss_fn(out, y)``,
    which names a label error ``target`` (checking labels against the model's K classes
    up front would cost a forward pass).
    """
    owner = getattr(fn, "__self__", None)
    value_fn = getattr(type(owner), "value_fn", None)
    if arg == "pred" and getattr(fn, "__name__", "") == "forward" and value_fn is not None:
        return (next(iter(inspect.signature(value_fn).parameters)),)
    if arg == "y" and getattr(fn, "__name__", "") in LOSS_CALLERS:
        return ("target",)
    return ()


# Functions that pass their ``y`` to ``loss_fn(out, y)``, which names it ``target``.
LOSS_CALLERS = {"fit", "evaluate", "lr_range_test", "sharpness"}


def _where(err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    path = last.filename
    for marker in ("/dlbook/", "/numpy/", "/scipy/", "/matplotlib/"):
        if marker in path:
            path = path[path.index(marker) + 1:]
            break
    else:
        path = os.path.basename(path)
    return f"{path}:{last.lineno}"


VALID: dict[str, str] = {}  # key → "" if its valid example runs, else the error


def valid_error(key: str) -> str:
    if key not in VALID:
        try:
            fn, kwargs = REGISTRY[key].make()
            run(fn, _with_defaults(fn, kwargs))
            VALID[key] = ""
        except BaseException as err:  # noqa: BLE001
            VALID[key] = f"{type(err).__name__}: {err}"
    return VALID[key]


def verdict(m: Mutation, allowed: bool) -> tuple[bool, str]:
    """(passed, what happened) for one bad call."""
    case = REGISTRY[m.key]
    fn, kwargs = case.make()
    kwargs = _with_defaults(fn, kwargs)
    bad = m.bad.f(kwargs[m.arg]) if isinstance(m.bad, cases.Transform) else m.bad
    kwargs[m.arg] = bad
    try:
        run(fn, kwargs)
    except Hang as err:
        return False, f"hangs ({err})"
    except (TypeError, ValueError) as err:
        msg = f"{type(err).__name__}: {err}".replace("\n", " ")[:300]
        if not isinstance(err, m.expected):
            wrong = "type" if m.expected is TypeError else "value"
            return False, f"{type(err).__name__} for a wrong {wrong} ({msg}) [{_where(err)}]"
        if not _mentions(str(err), m.arg, _aliases(fn, m.arg)):
            return False, f"message does not name {m.arg!r} ({msg}) [{_where(err)}]"
        return True, msg
    except Exception as err:  # noqa: BLE001 - any other exception is the finding
        msg = f"{type(err).__name__}: {err}".replace("\n", " ")[:300]
        return False, f"{msg} [{_where(err)}]"
    if allowed:
        return True, "returned (allowed)"
    return False, f"returned silently (expected {m.expected.__name__})"


# ------------------------------------------------------------------------------- collection

DISCOVERED = discover()
TESTED = sorted(k for k, why in DISCOVERED.items() if not why and k in REGISTRY)
MUTATIONS: list[Mutation] = []
BROKEN: dict[str, str] = {}  # cases whose valid example could not even be built
for _key_ in TESTED:
    try:
        _fn, _kwargs = REGISTRY[_key_].make()
        MUTATIONS += mutations(_key_, _fn, _with_defaults(_fn, _kwargs), REGISTRY[_key_])
    except Exception as _err:  # noqa: BLE001
        BROKEN[_key_] = f"{type(_err).__name__}: {_err}"

RESULTS: dict[str, tuple[str, bool, str]] = {}  # id → (module, passed, what happened)


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not RESULTS:
        return
    by_module: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for test_id, (module, passed, what) in sorted(RESULTS.items()):
        if not passed:
            by_module[module].append((test_id, what))
    n, failed = len(RESULTS), sum(len(v) for v in by_module.values())
    line = (f"bad-input: {n} bad calls, {n - failed} ({100 * (n - failed) / n:.1f} %) pass the "
            f"contract, {failed} fail")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line("")
            reporter.write_line(line)
            for module in sorted(by_module):
                reporter.write_line(f"  {module}: {len(by_module[module])} failing")
    path = os.environ.get("BAD_INPUT_REPORT")
    if path:
        _write_report(path, line, by_module)


def _write_report(path: str, line: str, by_module: dict[str, list[tuple[str, str]]]) -> None:
    out = ["# Bad-input failures (tests/test_bad_input.py)", "",
           f"{line}. Run one module: `.venv/bin/pytest -q tests/test_bad_input.py -k <module>`.",
           "Id = `module.object:argument:mutation`; the contract: TypeError for a wrong type,",
           "ValueError for a wrong value, the message naming the argument.", ""]
    if BROKEN:
        out += ["## Valid examples that could not be built", ""]
        out += [f"- `{k}`: {v}" for k, v in sorted(BROKEN.items())] + [""]
    for module in sorted(by_module):
        out += [f"## {module} ({len(by_module[module])})", ""]
        out += [f"- `{test_id}`: {what}" for test_id, what in by_module[module]] + [""]
    with open(path, "w") as f:
        f.write("\n".join(out))


# ------------------------------------------------------------------------------- tests


def test_registry_covers_public_api() -> None:
    """Every public callable with arguments has a valid example in bad_input_cases."""
    missing = sorted(k for k, why in DISCOVERED.items() if not why and k not in REGISTRY)
    assert not missing, f"no entry in tests/bad_input_cases.py for {missing}"


@pytest.mark.parametrize("key", TESTED)
def test_valid_call(key: str) -> None:
    """The registry's valid example runs (otherwise its mutations prove nothing)."""
    assert key not in BROKEN, BROKEN.get(key)
    assert not valid_error(key), valid_error(key)


@pytest.mark.parametrize("m", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_bad_call(m: Mutation) -> None:
    if valid_error(m.key):
        pytest.skip(f"the valid example of {m.key} fails: {valid_error(m.key)}")
    allowed = f"{m.arg}:{m.label}" in REGISTRY[m.key].allow
    passed, what = verdict(m, allowed)
    RESULTS[m.id] = (m.module, passed, what)
    if not passed:
        pytest.fail(what, pytrace=False)


# ------------------------------------------------------------------------------- before forward

BACKWARDS = sorted(k.removesuffix(".backward") for k in TESTED if k.endswith(".backward"))


@pytest.mark.parametrize("key", BACKWARDS)
def test_backward_before_forward(key: str) -> None:
    """backward on a fresh layer raises RuntimeError naming forward, not AttributeError."""
    fn, kwargs = REGISTRY[f"{key}.backward"].make()
    fresh = call(*REGISTRY[key].make()) if key in REGISTRY else type(fn.__self__)()
    with pytest.raises(RuntimeError, match="forward"):
        run(fresh.backward, kwargs)


@pytest.mark.parametrize("name", ["MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss"])
def test_nn_loss_backward_before_forward(name: str) -> None:
    with pytest.raises(RuntimeError, match="forward"):
        getattr(mod("nn"), name)().backward()


# ------------------------------------------------------------------------------- from the issue


def _nan_grad_module() -> Any:
    nn = mod("nn")

    class NaNGrad(nn.Module):
        """y = x W whose backward reports a NaN weight gradient."""

        def __init__(self) -> None:
            self.W = nn.Parameter(np.ones((3, 2)), "W")

        def forward(self, x: np.ndarray) -> np.ndarray:
            self.x = x
            return x @ self.W.data

        def backward(self, grad_out: np.ndarray) -> np.ndarray:
            self.W.grad += np.nan
            return grad_out @ self.W.data.T

    return NaNGrad()


def _none_grad_module() -> Any:
    nn = mod("nn")

    class NoneGrad(nn.Module):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return 2.0 * x

        def backward(self, grad_out: np.ndarray) -> None:
            return None

    return NoneGrad()


def test_gradcheck_check_module_nan_gradient_does_not_pass() -> None:
    with pytest.raises((AssertionError, ValueError)):
        run(mod("gradcheck").check_module, dict(module=_nan_grad_module(),
                                                x=cases.normal(4, 3), rng=cases.rng()))


def test_gradcheck_check_module_backward_returning_none_does_not_pass() -> None:
    with pytest.raises((AssertionError, TypeError, ValueError)):
        run(mod("gradcheck").check_module, dict(module=_none_grad_module(),
                                                x=cases.normal(4, 3), rng=cases.rng()))


def test_gradcheck_check_loss_nan_gradient_does_not_pass() -> None:
    nn = mod("nn")

    class NaNLoss(nn.MSELoss):
        def backward(self) -> np.ndarray:
            return np.full((4, 2), np.nan)

    with pytest.raises((AssertionError, ValueError)):
        run(mod("gradcheck").check_loss, dict(loss=NaNLoss(), pred=cases.normal(4, 2),
                                              target=cases.normal(4, 2)))


@pytest.mark.parametrize("tol", [float("nan"), float("inf")])
@pytest.mark.parametrize("checker", ["check_module", "check_loss"])
def test_gradcheck_tol_not_finite(checker: str, tol: float) -> None:
    if checker == "check_module":
        kwargs = dict(module=mod("nn").Dense(3, 2, rng=cases.rng()), x=cases.normal(4, 3),
                      rng=cases.rng(), tol=tol)
    else:
        kwargs = dict(loss=mod("nn").MSELoss(), pred=cases.normal(4, 2),
                      target=cases.normal(4, 2), tol=tol)
    with pytest.raises(ValueError, match="tol"):
        run(getattr(mod("gradcheck"), checker), kwargs)


@pytest.mark.parametrize("arg", ["X", "y"])
def test_train_fit_nan_data_names_it(arg: str) -> None:
    nn, train = mod("nn"), mod("train")
    model = nn.Dense(3, 1, rng=cases.rng())
    kwargs = dict(model=model, loss_fn=nn.MSELoss(), optimizer=mod("optim").SGD(
        model.parameters(), lr=0.1), X=cases.normal(8, 3), y=cases.normal(8, 1), epochs=1,
        batch_size=4, rng=cases.rng())
    kwargs[arg] = kwargs[arg].copy()
    kwargs[arg][3, 0] = np.nan
    with pytest.raises(ValueError, match=rf"\b{arg}\b"):
        run(train.fit, kwargs)


@pytest.mark.parametrize("arg,bad", [("model", None), ("loss_fn", "mse"), ("callbacks", [None])])
@pytest.mark.parametrize("fn", ["fit", "evaluate"])
def test_train_wrong_objects_are_type_errors(fn: str, arg: str, bad: Any) -> None:
    call_, kwargs = cases.fit_call()
    if fn == "evaluate":
        if arg == "callbacks":
            pytest.skip("evaluate takes no callbacks")
        call_ = mod("train").evaluate
        kwargs = {k: kwargs[k] for k in ("model", "loss_fn", "X", "y")}
    kwargs[arg] = bad
    with pytest.raises(TypeError, match=rf"\b{arg}\b"):
        run(call_, kwargs)


def _wrong_shape_init(shape: tuple[int, ...], rng: np.random.Generator, **_: Any) -> np.ndarray:
    return np.zeros((*shape, 2))


@pytest.mark.parametrize("layer,kwargs", [
    ("Dense", dict(in_features=3, out_features=2)),
    ("Conv2d", dict(in_channels=1, out_channels=2, kernel_size=3)),
    ("RNN", dict(input_size=3, hidden_size=4)),
    ("Embedding", dict(num_embeddings=5, dim=3)),
])
def test_nn_weight_init_of_wrong_shape(layer: str, kwargs: dict) -> None:
    with pytest.raises(ValueError, match="weight_init"):
        run(getattr(mod("nn"), layer), kwargs | dict(rng=cases.rng(),
                                                     weight_init=_wrong_shape_init))


@pytest.mark.parametrize("name", ["zeros", "constant", "normal", "xavier_uniform",
                                  "xavier_normal", "he_uniform", "he_normal"])
def test_init_integer_dtype(name: str) -> None:
    kwargs = dict(shape=(3, 2), rng=cases.rng(), dtype=np.int64)
    if name == "constant":
        kwargs["value"] = 0.5
    with pytest.raises(TypeError, match="dtype"):
        run(getattr(mod("init"), name), kwargs)


@pytest.mark.parametrize("target", [
    np.array([[1.5, -0.5, 0.0]] * 4),  # an entry above 1
    np.array([[1.5, 0.5, 0.0]] * 4),  # entries above 1, rows summing to 2
    np.full((4, 3), 2 / 3),  # rows summing to 2
])
@pytest.mark.parametrize("fn", ["cross_entropy", "cross_entropy_grad"])
def test_functional_cross_entropy_probability_targets(fn: str, target: np.ndarray) -> None:
    with pytest.raises(ValueError, match="target"):
        run(getattr(mod("functional"), fn), dict(logits=cases.normal(4, 3), target=target))


def test_functional_relu_none() -> None:
    with pytest.raises(TypeError, match=r"\bx\b"):
        run(mod("functional").relu, dict(x=None))
