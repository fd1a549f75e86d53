"""Show an object's source in a chapter, so the code the reader sees is the code that runs.

``show_source(obj)`` returns a small object that Jupyter displays twice over:
highlighted HTML for the book, and the plain source as text, which is what
nbval compares (the HTML is deterministic too: no paths, no ids).
"""

from __future__ import annotations

import inspect
import textwrap
from html import escape
from typing import Any

import numpy as np
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from dlbook._checks import boolean, instance, validate

__all__ = ["Source", "glue", "show_source"]

# Inline styles (noclasses) need no CSS file, so the book's HTML and a bare Jupyter
# front end show the same colours.
_FORMATTER = HtmlFormatter(noclasses=True, style="default", nobackground=False)


class Source:
    """The source code of one object: ``repr`` is the plain text, ``_repr_html_`` is highlighted."""

    @validate(code=instance(str), name=instance(str))
    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name

    def __repr__(self) -> str:
        return self.code

    def __str__(self) -> str:
        return self.code

    def _repr_html_(self) -> str:
        caption = (
            f'<div style="font-size: 0.85em; color: #555;"><code>{escape(self.name)}</code></div>'
        )
        return caption + highlight(self.code, PythonLexer(), _FORMATTER)


def _qualified_name(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or ""
    return f"{module}.{qualname}" if module and qualname else (module or qualname or repr(obj))


def show_source(obj: Any) -> Source:
    """Return obj's source (function, class, method, property or module) for display."""
    target = obj.fget if isinstance(obj, property) else obj
    try:
        code = inspect.getsource(target)
    except (TypeError, OSError) as err:
        # getsource raises TypeError for builtins and instances, OSError when the file is gone
        # (e.g. code typed at a prompt); one error type keeps the chapter's contract simple.
        raise TypeError(
            f"show_source needs a function, class, method or module defined in a .py file as "
            f"obj, got {type(obj).__name__} {obj!r:.60}, which has no Python source ({err})"
        ) from err
    return Source(textwrap.dedent(code).rstrip("\n"), _qualified_name(target))


# myst-nb reads glued values from outputs whose mime types carry this prefix (display=False).
_GLUE_PREFIX = "application/papermill.record/"


@validate(name=instance(str), display=boolean)
def glue(name: str, value: Any, display: bool = True) -> None:
    """Store ``value``'s display form under ``name`` for the book's {glue:text} roles.

    The same output as ``myst_nb.glue`` (so the built book renders it the same way), except
    that a NumPy scalar is stored as the Python number it holds, so that a format such as
    {glue:text}`name:.2f` can read it back. It does not import myst-nb, which costs seconds
    per chapter and does not exist in a browser kernel. Outside IPython it does nothing.
    """
    try:
        from IPython.core.formatters import format_display_data
        from IPython.display import display as ipython_display
    except ImportError:  # plain Python: nothing to glue into
        return
    if isinstance(value, np.generic):  # np.float64(0.5) would reach the page as its repr
        value = value.item()
    bundle, metadata = format_display_data(value)
    prefix = "" if display else _GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipython_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
