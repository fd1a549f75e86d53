"""Build the book's Anki deck from the chapter notebooks.

    python tools/flashcards.py             write book/flashcards.apkg
    python tools/flashcards.py OUT.apkg    write the deck somewhere else

One note per chapter (front: the chapter's question, its title; back: its interview
answer) and one per follow-up question (front: the question, with the chapter named;
back: its answer), in the order of the book, tagged by chapter. The questions and
answers come from tools/revision.py (``read_chapter``), so the deck, the interview-answers
page and the self-test page hold the same text.

The MyST is converted to the HTML Anki shows: the book's own MyST parser (myst-parser's
markdown-it configuration, with the extensions of _config.yml) reads it, and the
renderer below writes math as ``\\(..\\)`` and ``\\[..\\]`` (Anki's MathJax), strips
admonition fences, and replaces roles with text a reader can follow without the site:
citations as "(Author et al., year)", cross-references as what they point to
("theorem “Title” in chapter 9", "equation (14) in chapter 9", "exercise 73 in
chapter 20", using the numbers the site shows).

Deterministic: the same notebooks give the same bytes. The deck and note type ids are
constants, each note's guid is a hash of (chapter, question), the zip entries have a
fixed date, and the notes' modification time is a fixed timestamp: the commit time of
the last change to the deck's inputs (see ``deck_timestamp``).
"""

from __future__ import annotations

import argparse
import html
import io
import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import genanki
import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser
from pybtex.backends.plaintext import Backend as PlainText
from pybtex.database import Entry, parse_file
from pybtex.richtext import Text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import revision  # noqa: E402

ROOT = revision.ROOT
BOOK = revision.BOOK
DECK = revision.DECK

# Fixed ids, drawn once at random in genanki's recommended range [2**30, 2**31) and never
# to be changed: Anki identifies the deck and the note type by them, so a reader who
# imports a newer deck gets it merged into the one they have, not a second copy.
DECK_ID = 1155781505
MODEL_ID = 1624738610
# Anki also keys the note type on its field and template names (a "schema"): renaming
# one makes a newer deck's notes conflict with the imported ones, so keep them.
FIELDS = ("Question", "Answer", "Chapter")

# Notes and the note type carry a modification time, and Anki replaces a note it already
# has (same guid) only by a newer one: re-importing a deck with the same time skips every
# note (checked with the importer of Anki 26.9). So a constant would never deliver a
# corrected answer; the time is instead the commit time of the last commit that changed an
# input of the deck: fixed for the same notebooks, later for every revised book (in a
# shallow clone, such as CI's, it is HEAD's time). SOURCE_DATE_EPOCH (the
# reproducible-builds convention) overrides it; without git the fallback is used.
TIMESTAMP_INPUTS = ("book/*.ipynb", "book/references.bib", "_toc.yml",
                    "tools/revision.py", "tools/flashcards.py")
FALLBACK_TIMESTAMP = 1767225600  # 2026-01-01T00:00:00Z
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold

TITLE_RE = re.compile(r"^(\d+)\.\s+(.+)$", re.S)
ROLE_TARGET_RE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
DIRECTIVE_RE = re.compile(r"^\{([\w:.+-]+)\}[ \t]*(.*)$", re.S)
OPTION_RE = re.compile(r"^[ \t]*:([\w-]+):[ \t]*(.*)$")
# A labelled display equation ends with "$$ (label)" (MyST's dollarmath).
EQ_LABEL_END_RE = re.compile(r"\$\$[ \t]*\(([^)\s]+)\)[ \t]*$", re.M)
# A directive's opening line and its :option: lines, in backtick or colon fences.
DIRECTIVE_OPEN_RE = re.compile(
    r"^[ \t]*(?:`{3,}|:{3,})\{([\w:.+-]+)\}[ \t]*([^\n]*)\n((?:[ \t]*:[\w-]+:[^\n]*\n)*)",
    re.M)
TARGET_RE = re.compile(r"^[ \t]*\(([^)\s]+)\)=[ \t]*\n+[ \t]*#+[ \t]+([^\n]+)", re.M)
LABEL_CHAPTER_RE = re.compile(r"^[a-z]+-(\d\d|app)-")

# Words for label prefixes and for sphinx-proof's directives.
KINDS = {"thm": "theorem", "lem": "lemma", "prop": "proposition", "cor": "corollary",
         "def": "definition", "fig": "figure", "eq": "equation", "ex": "exercise",
         "tbl": "table", "alg": "algorithm", "sec": "section"}
DISPLAY_ENVIRONMENTS = {"align": "aligned", "align*": "aligned", "gather": "gathered",
                        "gather*": "gathered", "alignat": "alignedat",
                        "alignat*": "alignedat", "equation": "", "equation*": "",
                        "multline": "", "multline*": ""}

MODEL_CSS = """\
.card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 18px;
  line-height: 1.5;
  text-align: left;
  max-width: 44em;
  margin: 0 auto;
  padding: 0 0.5em;
}
.chapter { font-size: 0.8em; opacity: 0.65; margin-bottom: 0.4em; }
.question { font-size: 1.1em; font-weight: 600; }
.math { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #9995; padding: 0.2em 0.5em; vertical-align: top; }
pre { white-space: pre-wrap; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
       font-size: 0.9em; }
"""
FRONT = '<div class="chapter">{{Chapter}}</div>\n<div class="question">{{Question}}</div>'
BACK = '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Answer}}</div>'


# --- what cross-references point to --------------------------------------------------

@dataclass(frozen=True)
class Target:
    kind: str  # "theorem", "figure", "equation", "exercise", "section", ...
    docname: str
    title: str = ""  # MyST: a theorem's title, a figure's caption, a section's heading
    number: int | None = None  # as the site numbers it (equations, exercises)


def chapter_name(docname: str) -> str:
    """'09-gradient-descent' -> 'chapter 9'; 'appendix-...' -> 'the appendix'."""
    m = re.match(r"^(\d+)-", docname)
    return f"chapter {int(m.group(1))}" if m else "the appendix"


def label_index(docnames: Sequence[str]) -> dict[str, Target]:
    """label -> Target for the labels the chapters define, in the order of the book.

    Equations and exercises are numbered as the site numbers them: one count through
    the whole book (Jupyter Book's multitoc numbering), labelled equations only.
    """
    index: dict[str, Target] = {}
    n_equations = n_exercises = 0
    for docname in docnames:
        nb = json.loads((BOOK / f"{docname}.ipynb").read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            text = revision.source(cell)
            if cell["cell_type"] == "code":
                fig = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
                if fig.get("name"):
                    index[fig["name"]] = Target("figure", docname, fig.get("caption", ""))
                continue
            if cell["cell_type"] != "markdown":
                continue
            # directives, equations and targets, each in the order they appear
            events = []
            for m in DIRECTIVE_OPEN_RE.finditer(text):
                events.append((m.start(), "directive", m))
            for m in EQ_LABEL_END_RE.finditer(text):
                events.append((m.start(), "equation", m))
            for m in TARGET_RE.finditer(text):
                events.append((m.start(), "target", m))
            for _, what, m in sorted(events, key=lambda e: e[0]):
                if what == "equation":
                    n_equations += 1
                    index[m.group(1)] = Target("equation", docname, number=n_equations)
                elif what == "target":
                    index[m.group(1)] = Target("section", docname, m.group(2).strip())
                else:
                    name, arg, opts = m.group(1), m.group(2).strip(), m.group(3)
                    options = dict(OPTION_RE.match(line).groups()
                                   for line in opts.splitlines() if line.strip())
                    label = options.get("label") or options.get("name")
                    if name == "exercise":  # sphinx-exercise numbers all but :nonumber:
                        number = None
                        if "nonumber" not in options:
                            n_exercises += 1
                            number = n_exercises
                        if label:
                            index[label] = Target("exercise", docname, arg, number)
                    elif name == "math" and label:  # a {math} directive with a :label:
                        n_equations += 1
                        index[label] = Target("equation", docname, number=n_equations)
                    elif name.startswith("prf:") and label:
                        index[label] = Target(name[4:], docname, arg)
                    elif name in ("figure", "glue:figure") and label:
                        body = text[m.end():].split("\n\n")[0]
                        index[label] = Target("figure", docname, body.strip())
    return index


# --- citations ----------------------------------------------------------------------

_PLAIN = PlainText()  # render_as("text") would look the backend up again every call (slow)


def _latex_text(latex: str) -> str:
    if "\\" not in latex:  # most names: only braces to drop, no accents to decode
        return latex.replace("{", "").replace("}", "")
    return Text.from_latex(latex).render(_PLAIN).replace("\xa0", " ")


def _cite_parts(entry: Entry) -> tuple[str, str]:
    """(authors, year) as the book's author-year citations show them."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    lasts = [_latex_text(" ".join([*p.prelast_names, *p.last_names])) for p in persons[:2]]
    if not lasts:
        lasts = [_latex_text(entry.fields.get("organization", entry.fields.get("title", "")))]
    if len(persons) > 2:
        who = f"{lasts[0]} et al."
    else:
        who = " and ".join(lasts)
    return who, entry.fields.get("year", "n.d.")


class Bibliography(Mapping[str, tuple[str, str]]):
    """key -> (authors, year) for the .bib files of _config.yml, formatted when asked for
    (decoding the LaTeX of every name would cost more than the rest of the deck)."""

    def __init__(self) -> None:
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        self.entries: dict[str, Entry] = {}
        for name in config.get("bibtex_bibfiles", []):
            self.entries.update(parse_file(str(ROOT / name)).entries)
        self._parts: dict[str, tuple[str, str]] = {}

    def __getitem__(self, key: str) -> tuple[str, str]:
        if key not in self._parts:
            self._parts[key] = _cite_parts(self.entries[key])
        return self._parts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


# --- MyST to Anki HTML ----------------------------------------------------------------

def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _display_math(tex: str) -> str:
    """Display math for Anki's MathJax, which only looks inside \\[..\\]: an amsmath
    environment at the top level becomes its inner form (align -> aligned)."""
    tex = tex.strip()
    m = re.fullmatch(r"\\begin\{([a-z]+\*?)\}(.*)\\end\{\1\}", tex, re.S)
    if m and m.group(1) in DISPLAY_ENVIRONMENTS:
        inner = DISPLAY_ENVIRONMENTS[m.group(1)]
        body = m.group(2).strip()
        tex = f"\\begin{{{inner}}}{body}\\end{{{inner}}}" if inner else body
    return f'<div class="math">\\[{_esc(tex)}\\]</div>\n'


def _split_options(content: str) -> str:
    """A directive's body without its :option: lines or ---yaml--- block."""
    lines = content.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1:]
    while lines and OPTION_RE.match(lines[0]):
        lines.pop(0)
    return "\n".join(lines)


def _text_before(tokens: Sequence[Token], idx: int) -> str:
    """The inline text just before tokens[idx] (line breaks as spaces)."""
    out = []
    for tok in reversed(tokens[:idx]):
        if tok.type == "text":
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            break
        if "".join(out).strip():
            break
    return "".join(reversed(out))


class Converter:
    """MyST (as the book writes it) to the HTML of an Anki card."""

    def __init__(self, titles: Mapping[str, str], targets: Mapping[str, Target],
                 citations: Mapping[str, tuple[str, str]]):
        self.titles = titles  # docname -> chapter title
        self.targets = targets
        self.citations = citations
        self.problems: list[str] = []  # what could not be rendered cleanly
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        extensions = set(config.get("parse", {}).get("myst_enable_extensions", []))
        self.md: MarkdownIt = create_md_parser(
            MdParserConfig(enable_extensions=extensions), RendererHTML)
        rules: dict[str, Callable[..., str]] = {
            "math_inline": lambda t, i: f"\\({_esc(t[i].content)}\\)",
            "math_inline_double": lambda t, i: f"\\[{_esc(t[i].content)}\\]",
            "math_block": lambda t, i: _display_math(t[i].content),
            "math_block_label": lambda t, i: _display_math(t[i].content),
            "amsmath": lambda t, i: _display_math(t[i].content),
            "myst_role": self._role,
            "colon_fence": self._directive,
            "fence": self._directive,
            "softbreak": lambda t, i: " ",  # a line break in the source is a space
            "myst_target": lambda t, i: "",
            "myst_line_comment": lambda t, i: "",
            "myst_block_break": lambda t, i: "<hr>\n",
            "front_matter": lambda t, i: "",
            "image": lambda t, i: f"<i>[image: {_esc(t[i].content)}]</i>",
            "link_open": self._link_open,
            "link_close": self._link_close,
        }
        for name, rule in rules.items():
            self.md.add_render_rule(
                name, lambda _r, tokens, idx, _o, env, rule=rule: rule(tokens, idx))
        self._links: list[bool] = []

    # whole texts
    def block(self, myst: str) -> str:
        return self.md.render(myst).strip()

    def inline(self, myst: str) -> str:
        return self.md.renderInline(myst).strip()

    # directives: fences stripped, the body rendered; code as code
    def _directive(self, tokens: Sequence[Token], idx: int) -> str:
        tok = tokens[idx]
        m = DIRECTIVE_RE.match(tok.info.strip())
        if not m:  # a plain code fence
            lang = tok.info.strip().split()[0] if tok.info.strip() else ""
            cls = f' class="language-{_esc(lang)}"' if lang else ""
            return f"<pre><code{cls}>{_esc(tok.content)}</code></pre>\n"
        name, arg = m.group(1), m.group(2).strip()
        body = _split_options(tok.content)
        if name == "math":
            return _display_math(body)
        if name in ("code", "code-block", "code-cell", "sourcecode"):
            return f"<pre><code>{_esc(body)}</code></pre>\n"
        if name in ("bibliography", "glue:figure", "figure", "image", "toctree",
                    "tableofcontents", "raw"):
            self.problems.append(f"a {{{name}}} directive was left out")
            return ""
        head = ""
        if name.startswith("prf:") and name != "prf:proof":
            kind = name[4:].capitalize()
            head = f"<p><b>{kind}{f' ({self.inline(arg)})' if arg else ''}.</b></p>\n"
        elif arg:
            head = f"<p><b>{self.inline(arg)}</b></p>\n"
        return head + self.md.render(body)

    def _link_open(self, tokens: Sequence[Token], idx: int) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        external = re.match(r"^(https?|mailto):", href) is not None
        self._links.append(external)
        return f'<a href="{html.escape(href)}">' if external else ""

    def _link_close(self, tokens: Sequence[Token], idx: int) -> str:
        return "</a>" if self._links and self._links.pop() else ""

    # roles
    def _role(self, tokens: Sequence[Token], idx: int) -> str:
        name, content = tokens[idx].meta.get("name", ""), tokens[idx].content
        m = ROLE_TARGET_RE.match(content)
        text, target = (m.group(1), m.group(2)) if m else ("", content)
        if name == "cite" or name.startswith("cite:"):
            return _esc(self._cite(name, content))
        if name == "math":
            return f"\\({_esc(content)}\\)"
        if name in ("sub", "sup"):
            return f"<{name}>{_esc(content)}</{name}>"
        if name == "abbr":
            return _esc(re.sub(r"\s*\([^)]*\)\s*$", "", content))
        if name == "kbd":
            return f"<kbd>{_esc(content)}</kbd>"
        if name.startswith("glue"):
            self.problems.append(f"{{{name}}}`{content}` has no value here")
            return _esc(content)
        if name == "doc":
            return _esc(text or self.titles.get(target.strip("/").split("/")[-1], target))
        if name in ("ref", "numref", "eq", "prf:ref", "any"):
            if text and not re.search(r"%s|\{number\}|\{name\}", text):
                return self.inline(text)
            return self._reference(target.strip(), tokens, idx)
        # {term}, {download}, {abbr} and other text-like roles
        return self.inline(text or target)

    def _cite(self, name: str, content: str) -> str:
        parts = []
        for key in (k.strip() for k in content.split(",")):
            if key not in self.citations:
                raise SystemExit(f"{{cite}}: no entry {key!r} in the bibliography")
            parts.append(self.citations[key])
        style = name.partition(":")[2]
        if style in ("t", "ts"):
            return ", ".join(f"{who} ({year})" for who, year in parts)
        if style in ("author", "authors"):
            return ", ".join(who for who, _ in parts)
        if style in ("year", "yearpar"):
            years = ", ".join(year for _, year in parts)
            return f"({years})" if style == "yearpar" else years
        inner = "; ".join(f"{who}, {year}" for who, year in parts)
        return inner if style == "alp" else f"({inner})"

    def _reference(self, label: str, tokens: Sequence[Token], idx: int) -> str:
        """What a label points to, in words: 'theorem “Title” in chapter 9'."""
        before = _text_before(tokens, idx)
        target = self.targets.get(label)
        if target is None:
            self.problems.append(f"label {label!r} is not defined in any chapter")
            kind = KINDS.get(label.split("-")[0], "section")
            m = LABEL_CHAPTER_RE.match(label)
            where = ("the appendix" if m and m.group(1) == "app"
                     else f"chapter {int(m.group(1))}" if m else "the book")
            name = ""
            words = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
        else:
            kind, where = target.kind, chapter_name(target.docname)
            if target.number is not None:
                name = f"({target.number})" if kind == "equation" else str(target.number)
            elif target.title:
                title = target.title
                if kind == "figure":  # the caption up to its first full stop, colon or semicolon
                    title = re.split(r"(?<=[.!?:;])\s", title.strip(), maxsplit=1)[0]
                    title = title.rstrip(".:;")
                name = f"“{self.inline(title)}”"
            else:
                name = ""
            words = kind
        # "Exercise {ref}`ex-1`" already says the kind
        if re.search(rf"\b{re.escape(kind)}s?\s*$", before, re.I):
            words = ""
        elif not before.strip() or re.search(r"[.!?]\s*$", before):
            words = words[:1].upper() + words[1:]
        return " ".join(w for w in (_esc(words), name, f"in {where}") if w)


# --- the deck ---------------------------------------------------------------------------

@dataclass
class Card:
    docname: str
    source_question: str  # as the notebook writes it: the guid is made from it
    question: str  # HTML
    answer: str  # HTML
    chapter: str  # HTML: the chapter, shown above the question
    tags: list[str] = field(default_factory=list)

    @property
    def guid(self) -> str:
        return genanki.guid_for("dlbook", self.docname, self.source_question)


def split_title(title: str) -> tuple[str, str]:
    """'9. What is gradient descent?' -> ('Chapter 9', 'What is gradient descent?')."""
    m = TITLE_RE.match(title)
    if m:
        return f"Chapter {int(m.group(1))}", m.group(2).strip()
    head, sep, rest = title.partition(":")
    return (head.strip(), rest.strip()) if sep and rest.strip() else ("", title)


def build_cards(docnames: Sequence[str] | None = None) -> tuple[list[Card], list[str]]:
    """Every chapter's question card and follow-up cards, in book order, and the list of
    things the converter could not render cleanly."""
    docnames = list(docnames if docnames is not None else revision.toc_chapters())
    chapters = [revision.read_chapter(name) for name in docnames]
    conv = Converter({ch.docname: ch.title for ch in chapters}, label_index(docnames),
                     Bibliography())
    cards = []
    for ch in chapters:
        label, question = split_title(ch.title)
        tag = f"dlbook::{ch.docname}"
        q_html = conv.inline(question)
        cards.append(Card(ch.docname, ch.title, q_html, conv.block(ch.answer),
                          _esc(label), [tag, "dlbook::interview-answer"]))
        context = f"{_esc(label)}: {q_html}" if label else q_html
        for q, a in ch.followups:
            cards.append(Card(ch.docname, q, conv.inline(q), conv.block(a),
                              f"{context} (follow-up)", [tag, "dlbook::follow-up"]))
    return cards, conv.problems


def deck_timestamp() -> int:
    """Seconds since the epoch for the notes' modification time (see TIMESTAMP_INPUTS)."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", *TIMESTAMP_INPUTS],
                             cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    return int(out.strip()) if out.strip().isdigit() else FALLBACK_TIMESTAMP


def make_package(cards: Sequence[Card]) -> genanki.Package:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    model = genanki.Model(
        MODEL_ID, "dlbook interview question",
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Question, then answer", "qfmt": FRONT, "afmt": BACK}],
        css=MODEL_CSS)
    deck = genanki.Deck(
        DECK_ID, config.get("title", "Deep learning interview questions"),
        description="Every chapter's interview question with its short answer, and the "
                    "chapter's follow-up questions, generated from the book's notebooks.")
    for due, card in enumerate(cards):
        deck.add_note(genanki.Note(model=model, fields=[card.question, card.answer, card.chapter],
                                   tags=card.tags, guid=card.guid, due=due))
    return genanki.Package(deck)


def apkg_bytes(cards: Sequence[Card], timestamp: int) -> bytes:
    """The .apkg: a zip of the SQLite collection and an empty media list, with fixed
    entry dates and order (genanki's write_to_file stamps the entries with the time)."""
    package = make_package(cards)
    conn = sqlite3.connect(":memory:")
    # what genanki's Package.write_to_file does, in memory and without its zip
    package.write_to_db(conn.cursor(), timestamp, itertools.count(timestamp * 1000))
    conn.commit()
    collection = conn.serialize()  # the database file's bytes
    conn.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in (("collection.anki2", collection), ("media", b"{}")):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, whatever the machine
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def write_deck(path: Path = DECK, docnames: Sequence[str] | None = None,
               timestamp: int | None = None) -> tuple[list[Card], list[str]]:
    cards, problems = build_cards(docnames)
    data = apkg_bytes(cards, deck_timestamp() if timestamp is None else timestamp)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # never a half-written deck for Sphinx to copy
    return cards, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DECK,
                        help=f"where to write the deck (default {DECK.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    cards, problems = write_deck(args.output)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    where = args.output.resolve()
    shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
    print(f"wrote {shown} ({len(cards)} cards)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
