"""Sphinx extension: a "Run in your browser" button on every notebook page.

The button opens the page's notebook in the JupyterLite site that `make book` puts in
_build/html/lite (tools/lite.py, then `jupyter lite build`). The link is relative, so the
site works under any base URL (a GitHub Pages project site included). sphinx-book-theme's
own JupyterLite launch button needs a repository URL and sits in a dropdown, hence this.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

#: The JupyterLite app that opens one notebook (``lab`` is JupyterLab).
LITE_APP = "lite/lab/index.html"


def add_lite_button(app: Any, pagename: str, templatename: str, context: dict,
                    doctree: Any) -> None:
    if not str(app.env.doc2path(pagename)).endswith(".ipynb"):
        return
    buttons = context.get("header_buttons")
    if buttons is None:  # not sphinx-book-theme
        return
    notebook = PurePosixPath(pagename).name + ".ipynb"
    buttons.insert(0, {
        "type": "link",
        "url": f"{context['pathto'](LITE_APP, 1)}?path={notebook}",
        "text": "Run in your browser",
        "tooltip": "Open this chapter in JupyterLite: Python runs in your browser, "
                   "nothing to install",
        "icon": "fas fa-play",
        "label": "run-in-browser",
    })


def setup(app: Any) -> dict:
    # After sphinx-book-theme's prep_header_buttons (500) and add_header_buttons (501).
    app.connect("html-page-context", add_lite_button, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
