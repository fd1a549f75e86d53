"""Checks on the book's structure: table of contents, chapters, citations.

These read files only; nbval (`make test`) re-runs the notebooks.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
TOC = ROOT / "_toc.yml"
BIB = BOOK / "references.bib"

# Chapters are book/NN-slug.ipynb; other notebooks (the appendix) are pages.
CHAPTER_RE = re.compile(r"^\d{2}-[a-z0-9-]+\.ipynb$")

# The nine `##` sections of a chapter, in order (DESIGN.md, "A chapter").
# A heading matches when it starts with the name (case-insensitive), so
# "## Experiment: depth vs width" counts as "Experiment".
SECTIONS = [
    "The interview answer",
    "Derivation",
    "Implementation",
    "Verification",
    "Experiment",
    "What the common answer gets wrong",
    "Follow-up questions",
    "Exercises",
    "References",
]

# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {footcite}`a`, ...
CITE_RE = re.compile(r"\{(?:foot)?cite(?::[a-z]+)?\}`([^`]+)`")
BIB_KEY_RE = re.compile(r"^\s*@(\w+)\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)
IMPORT_RE = re.compile(r"^\s*(?:import dlbook\b|from dlbook(?:\.\w+)*\s+import\b)", re.MULTILINE)
HEADING2_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Text that shows markup rather than using it: ``inline code`` and fenced
# code blocks that are not directives (```python, but not ```{bibliography}).
CODE_RE = re.compile(r"``.+?``|^(`{3,}|~{3,})(?!\{).*?^\1\s*$", re.MULTILINE | re.DOTALL)


def _read_nb(path: Path) -> dict:
    """Load a notebook as plain JSON (no nbformat upgrade, no validation)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (root included), as written."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def _resolve(entry: str) -> Path | None:
    """The source file a toc entry names (extension optional), or None."""
    path = ROOT / entry
    if path.suffix in {".md", ".ipynb"}:
        return path if path.is_file() else None
    for suffix in (".ipynb", ".md"):
        if path.with_suffix(suffix).is_file():
            return path.with_suffix(suffix)
    return None


def _bib_keys() -> list[str]:
    """Entry keys of references.bib (not @string/@comment/@preamble)."""
    text = BIB.read_text(encoding="utf-8")
    skip = {"string", "comment", "preamble"}
    return [key for kind, key in BIB_KEY_RE.findall(text) if kind.lower() not in skip]


NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
CHAPTERS = [p for p in NOTEBOOKS if CHAPTER_RE.match(p.name)]


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


# --------------------------------------------------------------- the toc


def test_toc_files_exist() -> None:
    missing = [entry for entry in _toc_files() if _resolve(entry) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_toc_has_no_duplicates() -> None:
    entries = [str(_resolve(e) or e) for e in _toc_files()]
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    assert not duplicates, f"_toc.yml lists these more than once: {duplicates}"


def test_every_page_is_in_toc() -> None:
    """only_build_toc_files is on: a page missing from the toc is silently dropped."""
    listed = {_resolve(e) for e in _toc_files()}
    pages = NOTEBOOKS + sorted(BOOK.glob("*.md"))
    unlisted = [p.name for p in pages if p not in listed]
    assert not unlisted, f"pages in book/ missing from _toc.yml: {unlisted}"


# ----------------------------------------------------------- the chapters


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_imports_dlbook(path: Path) -> None:
    cells = _read_nb(path)["cells"]
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    assert any(IMPORT_RE.search(src) for src in code), (
        f"{path.name}: no code cell does `import dlbook` or `from dlbook... import`"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_has_the_nine_sections_in_order(path: Path) -> None:
    cells = _read_nb(path)["cells"]
    headings = [
        h.strip()
        for c in cells
        if c["cell_type"] == "markdown"
        for h in HEADING2_RE.findall(_source(c))
    ]
    missing = []
    position = 0  # each section must come after the previous one found
    for name in SECTIONS:
        later = [
            i
            for i, heading in enumerate(headings[position:], start=position)
            if heading.lower().startswith(name.lower())
        ]
        if later:
            position = later[0] + 1
        else:
            missing.append(name)
    assert not missing, (
        f"{path.name}: missing or out of order `##` sections {missing}; "
        f"expected, in order: {SECTIONS}; found `##` headings: {headings}"
    )


# ------------------------------------------------------- stored executed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_executed_in_order(path: Path) -> None:
    cells = [c for c in _read_nb(path)["cells"] if c["cell_type"] == "code" and _source(c).strip()]
    counts = [c.get("execution_count") for c in cells]
    expected = list(range(1, len(cells) + 1))
    assert counts == expected, (
        f"{path.name}: execution counts {counts}, expected {expected}: "
        "run `make execute` (top to bottom, fresh kernel)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_no_error_output(path: Path) -> None:
    errors = [
        (i, out.get("ename"))
        for i, c in enumerate(_read_nb(path)["cells"])
        if c["cell_type"] == "code"
        for out in c.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"{path.name}: error outputs in cells (index, name): {errors}"


# ------------------------------------------------------------ citations


def test_bib_keys_are_unique() -> None:
    keys = _bib_keys()
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert keys, "book/references.bib has no entries"
    assert not duplicates, f"duplicate keys in references.bib: {duplicates}"


def _cited_keys() -> dict[str, set[str]]:
    """Map each cited key to the book files that cite it."""
    cited: dict[str, set[str]] = {}
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(BOOK.glob("*.md"))]
    for path in NOTEBOOKS:
        for cell in _read_nb(path)["cells"]:
            if cell["cell_type"] == "markdown":
                texts.append((path.name, _source(cell)))
    for name, text in texts:
        for group in CITE_RE.findall(CODE_RE.sub("", text)):
            for key in group.split(","):
                cited.setdefault(key.strip(), set()).add(name)
    return cited


def test_every_cited_key_is_in_the_bibliography() -> None:
    known = set(_bib_keys())
    unknown = {k: sorted(v) for k, v in _cited_keys().items() if k not in known}
    assert not unknown, f"cited keys missing from book/references.bib: {unknown}"


# --------------------------------------------------------------------------- dlbook's layout

DLBOOK = ROOT / "dlbook"
TOPICS = sorted(p.stem for p in (DLBOOK / "topics").glob("*.py") if p.stem != "__init__")
CORE = sorted(p for p in DLBOOK.glob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_module_never_imports_a_topic_module(path: Path) -> None:
    """Core modules (dlbook/*.py) serve the whole book; dlbook.topics builds on them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            imported |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
    assert not {m for m in imported if m.startswith("dlbook.topics")}, (
        f"{path.name} imports from dlbook.topics: core must not depend on a topic module")


@pytest.mark.parametrize("name", TOPICS)
def test_topic_module_opens_with_its_chapter(name: str) -> None:
    doc = (DLBOOK / "topics" / f"{name}.py").read_text(encoding="utf-8")
    assert re.match(r'"""Chapters? \d+', doc), f"dlbook/topics/{name}.py: docstring must open " \
        f"with the chapter it serves, e.g. \"Chapter 21 (...)\""


def test_no_module_appends_to_all() -> None:
    for path in DLBOOK.rglob("*.py"):
        assert "__all__ +=" not in path.read_text(encoding="utf-8"), path


CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_cell_sources_hold_no_control_characters(path: Path) -> None:
    """A "\\v" or "\\f" typed into a Python string turns \\varepsilon into a vertical tab."""
    for i, cell in enumerate(_read_nb(path)["cells"]):
        match = CONTROL_RE.search(_source(cell))
        assert match is None, f"{path.name} cell {i}: control character {match.group()!r}"


INTERVIEW_RE = re.compile(r"## The interview answer\s*\n+:::\{tip\}[^\n]*\n(.*?)\n:::", re.DOTALL)
CHAPTERS_AND_APPENDIX = [p for p in sorted(BOOK.glob("*.ipynb"))]


def _spoken_words(text: str) -> int:
    """Words as a reader says them: a formula is one word, a role such as {cite}`key` one."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$]+\$", " F ", text, flags=re.DOTALL)
    text = re.sub(r"\{[a-z:]+\}`[^`]*`", " R ", text)
    return len(re.findall(r"[A-Za-z0-9][\w'’.-]*", text))


@pytest.mark.parametrize("path", CHAPTERS_AND_APPENDIX, ids=lambda p: p.name)
def test_interview_answer_is_at_most_150_words(path: Path) -> None:
    """The short answer a candidate gives in about 60 seconds."""
    text = "\n".join(_source(c) for c in _read_nb(path)["cells"] if c["cell_type"] == "markdown")
    match = INTERVIEW_RE.search(text)
    assert match, f"{path.name}: no :::{{tip}} directly under '## The interview answer'"
    words = _spoken_words(match.group(1))
    assert 0 < words <= 150, f"{path.name}: the interview answer has {words} words (limit 150)"


GLUE_ROLE_RE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+)(?::[^`]*)?`")


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_glued_name_in_the_text_is_stored_by_a_cell(path: Path) -> None:
    """{glue:text}`name` renders a value a code cell stored with glue("name", ...); a name
    no cell stored renders as nothing (and warns at build time)."""
    nb = _read_nb(path)
    stored = {o["metadata"]["scrapbook"]["name"] for c in nb["cells"]
              for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})}
    used = {m.group(1).strip() for c in nb["cells"] if c["cell_type"] == "markdown"
            for m in GLUE_ROLE_RE.finditer(_source(c))}
    assert not used - stored, f"{path.name}: glued names used but never stored: " \
        f"{sorted(used - stored)}"


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_glued_values_are_not_also_shown_as_outputs(path: Path) -> None:
    """glue(name, value) without display=False prints the value as a stray output box."""
    shown = [i for i, c in enumerate(_read_nb(path)["cells"]) for o in c.get("outputs", [])
             if o.get("metadata", {}).get("scrapbook", {}).get("mime_prefix", None) == ""]
    assert not shown, f"{path.name}: cells {sorted(set(shown))} show glued values; " \
        f"use glue(..., display=False)"


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_glued_numbers_are_stored_as_numbers(path: Path) -> None:
    """A glued np.float64 is stored as 'np.float64(0.5)', which {glue:text}`x:.2f` cannot read."""
    bad = [o["metadata"]["scrapbook"]["name"] for c in _read_nb(path)["cells"]
           for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})
           and any("np." in "".join(v) for v in o.get("data", {}).values())]
    assert not bad, f"{path.name}: glued values stored as NumPy reprs: {bad[:5]}"


# What a chapter may import so that it also runs in the browser (JupyterLite's Pyodide
# kernel): the standard library, dlbook, and packages that Pyodide ships (cycler comes
# with matplotlib; IPython with the kernel).
PYODIDE_PACKAGES = {"numpy", "scipy", "matplotlib", "cycler", "sklearn", "pygments", "IPython"}


def _imported_modules(source: str) -> set[str]:
    """Top-level names of the modules that ``source`` imports (IPython magics skipped)."""
    code = "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _not_in_pyodide(names: set[str]) -> set[str]:
    return {n for n in names
            if n not in sys.stdlib_module_names and n not in PYODIDE_PACKAGES | {"dlbook"}}


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_imports_only_what_pyodide_provides(path: Path) -> None:
    names = set()
    for cell in _read_nb(path)["cells"]:
        if cell["cell_type"] == "code":
            names |= _imported_modules(_source(cell))
    assert not _not_in_pyodide(names), (
        f"{path.name} imports {sorted(_not_in_pyodide(names))}, which the browser's Python "
        f"(Pyodide) does not provide; allowed: the standard library, dlbook, "
        f"{sorted(PYODIDE_PACKAGES)}")


def test_dlbook_imports_only_what_pyodide_provides() -> None:
    for path in sorted(DLBOOK.rglob("*.py")):
        names = _imported_modules(path.read_text(encoding="utf-8"))
        assert not _not_in_pyodide(names), f"{path.relative_to(ROOT)} imports " \
            f"{sorted(_not_in_pyodide(names))}, which Pyodide does not provide"


def test_pyodide_import_check_can_fail() -> None:
    assert _not_in_pyodide(_imported_modules("import torch\nfrom myst_nb import glue\n"
                                             "import numpy as np\nimport os.path")) \
        == {"torch", "myst_nb"}


# A cell that only draws a figure (no assert, print, glue or listing) has its code folded
# on the site ("hide-input"): the figure is the point, the matplotlib a click away.
CHECKING_RE = re.compile(r"\bassert\b|print\(|glue\(|show_source|display\(")


def _pure_plot_cells(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
            and not CHECKING_RE.search(_source(c))]


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_plotting_cells_fold_their_code(path: Path) -> None:
    nb = _read_nb(path)
    unfolded = [i for i in _pure_plot_cells(nb)
                if "hide-input" not in nb["cells"][i].get("metadata", {}).get("tags", [])]
    assert not unfolded, f"{path.name}: cells {unfolded} only draw a figure; tag them " \
        f"hide-input"
