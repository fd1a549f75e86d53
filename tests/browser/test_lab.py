"""A chapter opened in `make lab`'s JupyterLab shows rendered MyST, not its markup.

JupyterLab renders plain Markdown only; the jupyterlab-myst extension renders
MyST (admonitions, prf: theorems and proofs, math, citations). This starts the
venv's `jupyter lab` as `make lab` does, on a free port with no token, opens
chapter 9 in headless Chromium and reads what its Markdown cells show.

The server gets a copy of book/ (so nothing it does can write to the real
notebooks), its own settings, workspace, runtime and config dirs (autosave
and news off), and is stopped, with its kernel, at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import ROOT, chromium, new_page

CHAPTER = "09-gradient-descent.ipynb"
JUPYTER = Path(sys.executable).with_name("jupyter")
# MyST markup that must not reach the reader as text.
MARKUP = [":::{", "```{", "{prf:", "{cite", "{eq}", "{ref}", "{numref}", ":filter:", ":label:"]

# Each Markdown cell is rendered when it first comes into view: scroll to the
# first one not rendered yet until all are. Counts: by jupyterlab-myst
# (`.myst`) or by JupyterLab's own plain renderer (`.jp-RenderedMarkdown`).
SCROLL_JS = """
() => {
  const cells = [...document.querySelectorAll(".jp-Notebook .jp-MarkdownCell")];
  const done = (c) => c.querySelector(".myst, .jp-RenderedMarkdown");
  const next = cells.find((c) => !done(c));
  if (next) next.scrollIntoView();
  return {total: cells.length, done: cells.filter(done).length};
}
"""
READ_JS = """
() => {
  const cells = [...document.querySelectorAll(".jp-Notebook .jp-MarkdownCell")];
  return {
    myst: cells.filter((c) => c.querySelector(".myst")).length,
    plain: cells.filter((c) => c.querySelector(".jp-RenderedMarkdown")).length,
    texts: cells.map((c) => (c.querySelector(".myst, .jp-RenderedMarkdown") || {}).innerText || ""),
    admonitions: document.querySelectorAll(".jp-Notebook aside.myst-admonition").length,
    proofs: document.querySelectorAll(".jp-Notebook aside.myst-proof").length,
  };
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(settings_dir: Path) -> None:
    """No autosave (nothing is written back), no news pop-up."""
    for plugin, values in {
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
    }.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextmanager
def jupyter_lab(tmp: Path, timeout: float = 90) -> Iterator[str]:
    """`make lab`'s JupyterLab on a copy of book/; yields its base URL."""
    root = tmp / "book"
    shutil.copytree(ROOT / "book", root)
    _settings(tmp / "settings")
    port = _free_port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
    )
    cmd = [
        str(JUPYTER), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--IdentityProvider.token=", "--ServerApp.password=",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"jupyter lab exited ({proc.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    msg = f"jupyter lab not up in {timeout} s:\n{log.read_text()}"
                    raise AssertionError(msg) from None
                time.sleep(0.3)
        yield base
    finally:
        # SIGTERM: the server shuts its kernels down, then exits.
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _markdown_cells() -> int:
    cells = json.loads((ROOT / "book" / CHAPTER).read_text(encoding="utf-8"))["cells"]
    return sum(c["cell_type"] == "markdown" for c in cells)


async def _read_chapter(base: str) -> dict:
    async with chromium() as browser, new_page(browser) as page:
        await page.goto(f"{base}/lab/tree/{CHAPTER}")
        await page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=60_000)
        expected = _markdown_cells()
        deadline = time.monotonic() + 60
        while True:
            counts = await page.evaluate(SCROLL_JS)
            if counts["done"] == counts["total"] >= expected or time.monotonic() > deadline:
                break
            await page.wait_for_timeout(250)
        found = await page.evaluate(READ_JS)
        found["total"] = counts["total"]
        return found


def test_lab_renders_myst(tmp_path):
    with jupyter_lab(tmp_path) as base:
        found = asyncio.run(_read_chapter(base))
    expected = _markdown_cells()
    assert found["total"] == expected, (
        f"{CHAPTER} shows {found['total']} of its {expected} Markdown cells"
    )
    assert found["plain"] == 0, (
        f"{found['plain']} Markdown cells rendered by JupyterLab's plain renderer:"
        " is jupyterlab-myst installed and enabled (`jupyter labextension list`)?"
    )
    assert found["myst"] == found["total"], (
        f"only {found['myst']} of {found['total']} Markdown cells rendered"
    )
    shown = [
        f"cell {i}: {marker!r} in {text.strip()[:120]!r}"
        for i, text in enumerate(found["texts"])
        for marker in MARKUP
        if marker in text
    ]
    assert not shown, "MyST markup shown as text:\n" + "\n".join(shown)
    assert found["admonitions"] > 0, "no rendered admonition (the interview-answer tip)"
    assert found["proofs"] > 0, "no rendered prf:theorem or proof"
