"""The browser checks can fail: copies of a built chapter, each doctored one way,
must be reported, and the undoctored copy must not be.

Each copy is a site in a temp dir where the chapter is a real file and
everything else is a symlink to _build/html, so the page loads its scripts,
images and neighbours as in the real site.
"""

from __future__ import annotations

import asyncio
import functools
import re
from pathlib import Path

import pytest
from harness import HTML, chromium, in_tabs, serve
from sitecheck import check_interview_answer, check_links, check_page

PAGE = "book/09-gradient-descent.html"  # math, figures, links across pages and anchors


def _replace_once(pattern: str, repl: str):
    def doctor(html: str) -> str:
        new, n = re.subn(pattern, repl, html, count=1)
        assert n == 1, f"{PAGE} has no {pattern!r} to doctor"
        return new

    return doctor


# name: (how the page is doctored, what the checks must then report)
DOCTORED = {
    "undoctored": (lambda html: html, None),
    "no-mathjax": (
        _replace_once(r'<script[^>]*src="[^"]*mathjax/tex-chtml\.js"[^>]*></script>', ""),
        "MathJax did not run",
    ),
    # what a `$$` block in a list item became (chapter 26): `$`, inline math, `$`
    "dollars-around-math": (
        _replace_once(
            r'(<section id="the-interview-answer">\s*<h2>.*?</h2>)',
            r'\1<p>$<span class="math notranslate nohighlight">\(x^2\)</span>$</p>',
        ),
        'unrendered math: "$"',
    ),
    "broken-image": (
        _replace_once(r'src="\.\./_images/', 'src="../_images/missing-'),
        "image did not load: ../_images/missing-",
    ),
    "console-error": (
        _replace_once(r"</body>", '<script>console.error("doctored")</script></body>'),
        "console error: doctored",
    ),
    "no-interview-tip": (
        _replace_once(r'class="admonition tip"', 'class="admonition note"'),
        "no tip admonition under 'The interview answer'",
    ),
}
BROKEN_LINKS = [
    _replace_once(r'href="intro\.html"', 'href="no-such-page.html"'),
    _replace_once(r'href="#thm-09-descent"', 'href="#no-such-anchor"'),
]


def site_copy(root: Path, doctor) -> Path:
    """A copy of the built site at `root` in which PAGE is `doctor(PAGE's html)`."""
    root.mkdir(parents=True)
    for entry in HTML.iterdir():
        if entry.name != "book":
            (root / entry.name).symlink_to(entry)
    (root / "book").mkdir()
    for entry in (HTML / "book").iterdir():
        if entry.name != Path(PAGE).name:
            (root / "book" / entry.name).symlink_to(entry)
    (root / PAGE).write_text(doctor((HTML / PAGE).read_text(encoding="utf-8")), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reported(tmp_path_factory, site):  # `site`: fails early when there is no build
    """What the browser checks report on each doctored copy of PAGE."""
    parent = tmp_path_factory.mktemp("doctored")
    for name, (doctor, _) in DOCTORED.items():
        site_copy(parent / name, doctor)

    async def visit(base):
        async def job(page, name):
            problems = await check_page(page, f"{base}/{name}/{PAGE}")
            missing = await check_interview_answer(page)
            return problems + ([missing] if missing else [])

        async with chromium() as browser:
            jobs = {name: functools.partial(job, name=name) for name in DOCTORED}
            return await in_tabs(browser, jobs)

    with serve(parent) as base:
        return asyncio.run(visit(base))


@pytest.mark.parametrize("name", DOCTORED)
def test_browser_checks_report_a_doctored_page(reported, name):
    problems = reported[name]
    expected = DOCTORED[name][1]
    if expected is None:
        assert problems == [], "the undoctored copy must pass"
    else:
        assert any(expected in p for p in problems), f"{expected!r} not in {problems}"


def test_link_check_reports_a_broken_link_and_anchor(tmp_path, site):
    clean = site_copy(tmp_path / "clean", lambda html: html)
    assert check_links(clean, [Path(PAGE)]) == []

    def doctor(html):
        for broken in BROKEN_LINKS:
            html = broken(html)
        return html

    problems = check_links(site_copy(tmp_path / "doctored", doctor), [Path(PAGE)])
    assert any("no-such-page.html -> missing file" in p for p in problems), problems
    assert any("no id 'no-such-anchor'" in p for p in problems), problems
    assert len(problems) == 2, problems
