"""Headless Chromium and a local web server for the browser tests.

Chromium is Debian's (`apt-get install -y chromium`), driven by Playwright
from PyPI; nothing is downloaded. CHROMIUM=/path/to/chromium picks another
binary. Without one the tests fail (they never skip).
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parents[2]
# BOOK_HTML=dir checks another build of the book.
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# --no-sandbox: the project's machines run as root, where Chromium's sandbox
# refuses to start. The rest keep it from calling home (there is no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Pages checked at once, one tab each: MathJax typesetting is what takes the
# time, and each tab's renderer uses one core.
TABS = int(os.environ.get("BROWSER_TABS", "2"))
# Requests the page may make: this machine's own servers only.
LOCAL = re.compile(r"^https?://127\.0\.0\.1[:/]")


def chromium_executable() -> str:
    path = Path(CHROMIUM)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"No Chromium at {CHROMIUM}. The browser tests need Debian's chromium:\n"
            "    sudo apt-get update && sudo apt-get install -y chromium\n"
            "(.ci/run does this), or point CHROMIUM=/path/to/chromium at another build.",
            pytrace=False,
        )
    return str(path)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """One headless Chromium (Playwright's async API)."""
    executable = chromium_executable()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def new_page(browser: Browser) -> AsyncIterator[Page]:
    """A tab in a fresh profile (empty localStorage, as a first-time reader
    has), which cannot reach anything but 127.0.0.1."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.route(lambda url: not LOCAL.match(url), lambda route: route.abort())
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def in_tabs(browser: Browser, jobs: dict, tabs: int = TABS) -> dict:
    """Run `jobs` ({key: async function of a page}) in `tabs` tabs at once;
    {key: its result}. An exception fails its own job only: its result is
    then a one-item list with the error."""
    queue = list(jobs.items())
    results = {}

    async def tab():
        async with new_page(browser) as page:
            while queue:
                key, job = queue.pop(0)
                try:
                    results[key] = await job(page)
                except Exception as exc:  # e.g. a timeout: report it, go on
                    results[key] = [f"{type(exc).__name__}: {exc}"]

    await asyncio.gather(*(tab() for _ in range(max(1, min(tabs, len(queue))))))
    return results


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
