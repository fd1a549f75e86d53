"""The in-browser copy of the book (`make lite`, part of `make book`): JupyterLite in
_build/html/lite, and a "Run in your browser" button on every chapter page.

What can be checked offline is checked here: the app and its settings, the MyST
extension, the dlbook wheel with every subpackage, every notebook in the app's files
with its install cell and its glued numbers filled in, and every chapter page's button
linking to a notebook that is there. The lab UI is opened in Chromium with the chapter
from a button: it loads and renders the chapter's MyST offline. Running code needs
Pyodide, which the reader's browser fetches from its CDN; that is not checked here.
"""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from harness import HTML, ROOT, chromium, new_page

LITE = HTML / "lite"
NOTEBOOKS = sorted(p.name for p in (ROOT / "book").glob("*.ipynb"))
BUTTON = re.compile(r'<a href="([^"]*lite/lab/index\.html\?path=[^"]+)"[^>]*'
                    r'btn-run-in-browser', re.S)


def _config() -> dict:
    return json.loads((LITE / "jupyter-lite.json").read_text(encoding="utf-8"))[
        "jupyter-config-data"]


def test_the_app_is_built_with_the_pyodide_kernel_and_myst() -> None:
    for app in ("lab", "notebooks"):
        assert (LITE / app / "index.html").is_file(), f"no {app} app in {LITE}: run `make book`"
    extensions = {e["name"] for e in _config()["federated_extensions"]}
    assert {"@jupyterlite/pyodide-kernel-extension", "jupyterlab-myst"} <= extensions


def test_the_dlbook_wheel_is_served_with_every_subpackage() -> None:
    index = json.loads((LITE / "pypi" / "all.json").read_text(encoding="utf-8"))
    assert "dlbook" in index, "the piplite index does not list dlbook"
    (wheel,) = (LITE / "pypi").glob("dlbook-*-py3-none-any.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in sorted((ROOT / "dlbook").rglob("*.py")):
        assert module.relative_to(ROOT).as_posix() in names, f"{wheel.name} lacks {module}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_is_in_the_app_ready_to_run(name: str) -> None:
    path = LITE / "files" / name
    assert path.is_file(), f"{name} is not in the JupyterLite site"
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "%pip install -q dlbook" in "".join(nb["cells"][0]["source"])
    assert nb["metadata"]["kernelspec"]["name"] == "python"  # the Pyodide kernel
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "{glue" not in markdown, f"{name}: a glue role left for the browser to show"


def _chapter_pages() -> list[str]:
    return [f"book/{n[:-len('.ipynb')]}.html" for n in NOTEBOOKS]


@pytest.mark.parametrize("page", _chapter_pages())
def test_every_chapter_page_has_a_working_run_button(page: str) -> None:
    html = (HTML / page).read_text(encoding="utf-8")
    links = BUTTON.findall(html)
    assert len(links) == 1, f"{page}: {len(links)} 'Run in your browser' buttons"
    url = urljoin(f"http://site/{page}", links[0].replace("&amp;", "&"))
    target = (HTML / urlsplit(url).path.lstrip("/")).resolve()
    assert target == (LITE / "lab" / "index.html").resolve(), url
    (notebook,) = parse_qs(urlsplit(url).query)["path"]
    assert notebook == page.split("/")[-1].replace(".html", ".ipynb")
    assert (LITE / "files" / notebook).is_file(), f"{page}: button opens missing {notebook}"


def test_a_chapter_opens_in_the_browser_with_its_myst_rendered(site: str) -> None:
    """The button of chapter 9 opens JupyterLab in the browser, offline, and jupyterlab-myst
    renders the chapter's tip (the kernel itself needs Pyodide from its CDN)."""

    async def run() -> tuple[str, int]:
        html = (HTML / "book/09-gradient-descent.html").read_text(encoding="utf-8")
        url = urljoin(f"{site}/book/09-gradient-descent.html",
                      BUTTON.findall(html)[0].replace("&amp;", "&"))
        async with chromium() as browser, new_page(browser) as page:
            await page.goto(url)
            await page.wait_for_selector(".jp-MarkdownCell aside.myst-admonition", timeout=60_000)
            text = await page.inner_text(".jp-NotebookPanel")
            return text, await page.locator(".jp-MarkdownCell aside.myst-admonition").count()

    text, admonitions = asyncio.run(run())
    assert admonitions >= 1
    assert ":::{tip}" not in text and "{cite}" not in text
