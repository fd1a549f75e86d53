"""The built book as a reader's browser shows it (`make browser`, after `make book`).

Every page of _build/html is opened in headless Chromium; a page fails on TeX
left as text once MathJax has run, a MathJax error, an image that does not
load, or a console error outside sitecheck.ALLOWED_CONSOLE. A chapter page
also needs its interview-answer tip. Links and anchors are checked over the
HTML files, and the site's search must find the backpropagation chapters.

One browser visits every page, BROWSER_TABS (default 2) tabs at once.
"""

from __future__ import annotations

import asyncio
import functools
import re
from urllib.parse import urljoin

import pytest
import yaml
from harness import HTML, ROOT, chromium, in_tabs, new_page
from sitecheck import (
    check_interview_answer,
    check_links,
    check_page,
    html_pages,
    redirect_target,
    search,
)

PAGES = [p.as_posix() for p in html_pages(HTML)] if HTML.is_dir() else []
# Chapters (book/NN-slug) and the appendix open with "The interview answer".
CHAPTER = re.compile(r"^book/(\d{2}-|appendix-)[a-z0-9-]+\.html$")
SEARCH_TERM = "backpropagation"


async def _check(page, *, base: str, path: str) -> list[str]:
    url = f"{base}/{path}"
    target = redirect_target(HTML / path)
    if target:  # index.html: must land on the first page
        await page.goto(url)
        await page.wait_for_url(urljoin(url, target), timeout=10_000)
        return []
    problems = await check_page(page, url)
    if CHAPTER.match(path):
        missing = await check_interview_answer(page)
        if missing:
            problems.append(missing)
    return problems


async def _visit(base: str) -> tuple[dict[str, list[str]], list[str]]:
    async with chromium() as browser:
        jobs = {path: functools.partial(_check, base=base, path=path) for path in PAGES}
        report = await in_tabs(browser, jobs)
        async with new_page(browser) as page:
            found = await search(page, base, SEARCH_TERM)
    return report, found


@pytest.fixture(scope="module")
def visited(site):
    """(problems per page, search results): every page visited once."""
    return asyncio.run(_visit(site))


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


def test_every_toc_page_is_built():
    missing = [f for f in _toc_files() if f"{f}.html" not in PAGES]
    assert not missing, f"not in {HTML} (run `make book`): {missing}"


@pytest.mark.parametrize("path", PAGES)
def test_page(visited, path):
    problems = visited[0][path]
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_internal_links_and_anchors_resolve():
    problems = check_links(HTML)
    assert not problems, "\n".join(problems)


def test_search_finds_the_backpropagation_chapters(visited):
    found = visited[1]
    for chapter in ("06-backpropagation-and-computing-gradients", "10-backpropagation-understood"):
        assert any(chapter in href for href in found), (
            f"search for {SEARCH_TERM!r} does not list {chapter}: {found}"
        )
