"""What the browser test checks, as functions the self-tests can call too.

`check_links` reads the built HTML files (complete and fast); the other checks
run in a Playwright page, after MathJax has typeset it.
"""

from __future__ import annotations

import os.path
import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Console errors that are not the book's and that a reader cannot see. Each
# entry: (regex on the message, regex on the URL it comes from or "" for any,
# reason). Keep it short: any other console error or uncaught exception fails.
ALLOWED_CONSOLE = [
    (
        r"Identifier 'THEBE_JS_URL' has already been declared",
        "",
        "every page of a Jupyter Book 1 build includes sphinx-thebe's inline config"
        " script twice (and sphinx-togglebutton's, harmlessly: a `var`); the second"
        " `const` declaration throws. Thebe is off, so nothing reads it",
    ),
    (
        r"Failed to load resource: .*404",
        r"/favicon\.ico$",
        "the browser requests /favicon.ico by itself and the book sets no favicon"
        " (logged in earlier runs, BUILD_NOTES; headless Chromium 156 here does not ask)",
    ),
]

# The site's own pages (everything under these is assets, not pages; lite/ is the
# JupyterLite app, checked by test_lite.py).
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads", "lite"}


def html_pages(root: Path) -> list[Path]:
    """Every HTML page of the built site, relative to `root`, sorted."""
    return sorted(
        p.relative_to(root)
        for p in root.rglob("*.html")
        if not ASSET_DIRS.intersection(p.relative_to(root).parts)
    )


def console_allowed(text: str, url: str) -> bool:
    return any(
        re.search(msg, text) and (not src or re.search(src, url or ""))
        for msg, src, _ in ALLOWED_CONSOLE
    )


# The tags whose URL attribute is a link or a loaded asset. Sphinx writes every
# attribute value in double quotes; a regex is ~20x faster than html.parser on
# pages full of highlighted code.
_LINKS = {"a": "href", "link": "href", "img": "src", "script": "src"}
_TAG = re.compile(r"<(a|link|img|script|meta)\s([^>]*)>", re.I)
_ATTR = re.compile(r'([a-zA-Z_:][-\w:.]*)\s*=\s*"([^"]*)"')
_ID = re.compile(r'\sid\s*=\s*"([^"]*)"')


def _parse(path: Path) -> tuple[set[str], list[str]]:
    """The ids a page defines and the URLs it links to or loads."""
    text = path.read_text(encoding="utf-8")
    ids = {unescape(v) for v in _ID.findall(text)}
    urls = []
    for tag, attr_text in _TAG.findall(text):
        tag = tag.lower()
        attrs = {k.lower(): unescape(v) for k, v in _ATTR.findall(attr_text)}
        if tag == "a" and "name" in attrs:
            ids.add(attrs["name"])
        if tag in _LINKS and _LINKS[tag] in attrs:
            urls.append(attrs[_LINKS[tag]])
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            urls.append(re.sub(r"^\d+;\s*url=", "", attrs.get("content", ""), flags=re.I))
    return ids, urls


def check_links(root: Path, pages: list[Path] | None = None) -> list[str]:
    """Internal links, anchors and assets of `pages` (default: every page) that
    do not resolve: the file must exist under `root` and, for a `#fragment`,
    hold an element with that id. External URLs are not followed."""
    root = Path(os.path.abspath(root))
    pages = html_pages(root) if pages is None else pages
    ids: dict[Path, set[str]] = {}
    problems = []
    for page in pages:
        here = root / page
        ids[here], urls = _parse(here)
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue  # http(s):, mailto:, data:, javascript:
            if parts.path:
                # normpath, not resolve(): keep symlinks as the server sees them
                target = Path(os.path.normpath(here.parent / unquote(parts.path)))
                if target.is_dir():
                    target = target / "index.html"
                if root not in target.parents:
                    problems.append(f"{page}: {url} points outside the site")
                    continue
                if not target.is_file():
                    problems.append(f"{page}: {url} -> missing file")
                    continue
            else:
                target = here
            fragment = unquote(parts.fragment)
            if not fragment or target.suffix != ".html":
                continue
            if target not in ids:
                ids[target] = _parse(target)[0]
            if fragment not in ids[target]:
                problems.append(f"{page}: {url} -> no id {fragment!r} in {target.name}")
    return problems


# Runs in the page once MathJax has finished. Returns what a reader would see
# wrong: TeX left as text outside code, MathJax errors, images that did not load.
# (Text inside code, pre and highlighted cells is code, where `$` and `\\` are fine.)
PAGE_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const SKIP = "pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight";
  // TeX a reader should never see in prose: a `$` (left from `$...$` or `$$`
  // that the parser did not take as math), a control word such as `\mathbb`,
  // or a delimiter `\(`, `\)`, `\[`, `\]`, `\{`, `\}`.
  const RAW = /\$|\\[A-Za-z]+|\\[()\[\]{}]/;
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!RAW.test(node.nodeValue)) continue;
    if (node.parentElement.closest(SKIP)) continue;
    const section = node.parentElement.closest("section[id]");
    const text = node.nodeValue.replace(/\s+/g, " ").trim().slice(0, 80);
    raw.push(`${JSON.stringify(text)} in #${section ? section.id : "?"}`);
  }
  const errors = [...document.querySelectorAll("mjx-merror")].map(
    (e) => e.getAttribute("data-mjx-error") || e.textContent);
  const images = [];
  for (const img of document.images) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { /* reported below */ }
    if (!img.complete || img.naturalWidth === 0) images.push(img.getAttribute("src"));
  }
  const typeset = !!(window.MathJax && MathJax.startup && MathJax.startup.document);
  const formulas = document.querySelectorAll(".math").length;
  return {raw: [...new Set(raw)], errors, images, typeset, formulas};
}
"""

# The tip under "The interview answer" of a chapter page.
INTERVIEW_JS = r"""
() => {
  const heading = [...document.querySelectorAll("section > h2")].find(
    (h) => h.textContent.trim().toLowerCase().startsWith("the interview answer"));
  if (!heading) return "no 'The interview answer' section";
  const tip = heading.parentElement.querySelector(".admonition.tip");
  if (!tip) return "no tip admonition under 'The interview answer'";
  if (tip.offsetHeight === 0 || tip.innerText.trim().length < 40) {
    return "the tip under 'The interview answer' is empty or hidden";
  }
  return "";
}
"""


def redirect_target(path: Path) -> str | None:
    """The URL of a `<meta http-equiv="refresh">` page (such as index.html), else None."""
    match = _REFRESH.search(path.read_text(encoding="utf-8")[:2000])
    return match.group(1) if match else None


_REFRESH = re.compile(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', re.I)


async def check_page(page, url: str) -> list[str]:
    """Open `url` in the Playwright `page` and list what is wrong with it."""
    console: list[str] = []

    def on_console(msg):
        if msg.type == "error":
            src = (msg.location or {}).get("url", "")
            if not console_allowed(msg.text, src):
                console.append(f"console error: {msg.text} ({src})")

    def on_error(exc):
        text = str(exc)
        if not console_allowed(text, ""):
            console.append(f"page error: {text}")

    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        await page.goto(url, wait_until="load")
        found = await page.evaluate(PAGE_JS)
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
    problems = []
    if found["formulas"] and not found["typeset"]:
        problems.append(f"MathJax did not run: {found['formulas']} formulas left as TeX")
    problems += [f"unrendered math: {t}" for t in found["raw"]]
    problems += [f"MathJax error: {t}" for t in found["errors"]]
    problems += [f"image did not load: {src}" for src in found["images"]]
    return problems + console


async def check_interview_answer(page) -> str:
    """'' when the open page has its interview-answer tip, else what is missing."""
    return await page.evaluate(INTERVIEW_JS)


async def search(page, base: str, term: str) -> list[str]:
    """Run the site's own search for `term`; the result links, in order."""
    await page.goto(f"{base}/search.html?q={term}", wait_until="load")
    await page.wait_for_function(
        "() => { const h = document.querySelector('#search-results h2');"
        " return h && h.textContent.startsWith('Search Results'); }",
        timeout=30_000,
    )
    return await page.eval_on_selector_all(
        "#search-results ul.search li a", "(as) => as.map((a) => a.getAttribute('href'))"
    )
