"""The Anki deck (tools/flashcards.py) holds every chapter's question and follow-ups.

The deck is read back from the .apkg (a zip holding the SQLite collection.anki2) and its
notes are checked against revision.read_chapter, so a chapter whose follow-ups go missing
fails here. The cards must hold clean HTML (no MyST left, math in Anki's delimiters), and
the same notebooks must give the same bytes.
"""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import sys
import zipfile
from pathlib import Path

import genanki
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import flashcards  # noqa: E402
import revision  # noqa: E402

CHAPTERS = revision.toc_chapters()
TIMESTAMP = 1767225600
RAW_MYST = (":::", "```", "{cite", "{doc}", "{glue", "{ref}", "{numref}", "{eq}", "{prf:",
            "{term}", "{download}")
ROLE_RE = re.compile(r"\{[a-z][\w:-]*\}`")
LABEL_RE = re.compile(r"\b(?:thm|lem|prop|cor|def|eq|fig|ex)-(?:\d\d|app)-")


def read_apkg(data: bytes) -> tuple[list[dict], dict]:
    """(notes, col row) of an .apkg: each note's guid, tags, fields and mod."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["collection.anki2", "media"]
        assert json.loads(zf.read("media")) == {}
        collection = zf.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(collection)
    notes = [
        {"guid": guid, "tags": tags.split(), "mod": mod,
         "fields": dict(zip(flashcards.FIELDS, flds.split("\x1f"), strict=True))}
        for guid, tags, flds, mod in conn.execute(
            "SELECT guid, tags, flds, mod FROM notes ORDER BY id")]
    decks, models = conn.execute("SELECT decks, models FROM col").fetchone()
    n_cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
    conn.close()
    assert n_cards == len(notes)  # one card per note
    return notes, {"decks": json.loads(decks), "models": json.loads(models)}


def alnum(text: str) -> str:
    """Letters and digits only: compares a MyST question with its HTML card."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[^0-9A-Za-z]", "", text)


def plain_words(myst: str) -> str:
    """The first run of four ordinary words in a MyST text (no markup among them), or ""."""
    run: list[str] = []
    for word in myst.split():
        if re.fullmatch(r"[A-Za-z][A-Za-z,;.'-]*", word):
            run.append(word)
            if len(run) == 4:
                return " ".join(run)
        else:
            run = []
    return ""


def holds(card_html: str, myst: str) -> bool:
    """Whether a card's text holds the MyST's first few plain words."""
    return plain_words(myst) in " ".join(html.unescape(card_html).split())


def missing_cards(notes: list[dict], chapters: list[revision.Chapter]) -> list[str]:
    """What the deck lacks or has too much of, compared with the chapters."""
    by_guid = {n["guid"]: n for n in notes}
    problems = []
    for ch in chapters:
        tag = f"dlbook::{ch.docname}"
        mine = [n for n in notes if tag in n["tags"]]
        if len(mine) != 1 + len(ch.followups):
            problems.append(f"{ch.docname}: {len(mine)} notes for 1 question and "
                            f"{len(ch.followups)} follow-ups")
        main = by_guid.get(genanki.guid_for("dlbook", ch.docname, ch.title))
        if main is None or "dlbook::interview-answer" not in main["tags"]:
            problems.append(f"{ch.docname}: no card for the chapter's question")
        elif alnum(main["fields"]["Question"]) != alnum(flashcards.split_title(ch.title)[1]):
            problems.append(f"{ch.docname}: the question card shows "
                            f"{main['fields']['Question']!r}")
        elif not plain_words(ch.answer) or not holds(main["fields"]["Answer"], ch.answer):
            problems.append(f"{ch.docname}: the answer card does not hold the answer")
        for question, answer in ch.followups:
            note = by_guid.get(genanki.guid_for("dlbook", ch.docname, question))
            if note is None or tag not in note["tags"]:
                problems.append(f"{ch.docname}: no card for {question!r}")
                continue
            if alnum(note["fields"]["Question"]) != alnum(question):
                problems.append(f"{ch.docname}: {question!r} shows as "
                                f"{note['fields']['Question']!r}")
            if alnum(ch.title.split(".", 1)[-1]) not in alnum(note["fields"]["Chapter"]):
                problems.append(f"{ch.docname}: {question!r} does not name its chapter")
            if not alnum(note["fields"]["Answer"]) or not holds(note["fields"]["Answer"], answer):
                problems.append(f"{ch.docname}: {question!r} does not show its answer")
    return problems


@pytest.fixture(scope="module")
def chapters() -> list[revision.Chapter]:
    return [revision.read_chapter(name) for name in CHAPTERS]


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[str]]:
    path = tmp_path_factory.mktemp("deck") / "flashcards.apkg"
    _, problems = flashcards.write_deck(path, timestamp=TIMESTAMP)
    return path.read_bytes(), problems


@pytest.fixture(scope="module")
def notes(deck: tuple[bytes, list[str]]) -> list[dict]:
    return read_apkg(deck[0])[0]


def test_every_chapter_contributes_its_question_and_followups(
        notes: list[dict], chapters: list[revision.Chapter]) -> None:
    assert len(chapters) == len(CHAPTERS) > 0
    assert missing_cards(notes, chapters) == []
    assert len(notes) == sum(1 + len(ch.followups) for ch in chapters)
    assert len({n["guid"] for n in notes}) == len(notes)


def test_a_chapter_without_its_followups_fails(
        notes: list[dict], chapters: list[revision.Chapter]) -> None:
    """The check above notices a chapter whose follow-ups are not in the deck."""
    name = chapters[3].docname
    thinned = [n for n in notes
               if not (f"dlbook::{name}" in n["tags"] and "dlbook::follow-up" in n["tags"])]
    problems = missing_cards(thinned, chapters)
    assert problems and all(p.startswith(name) for p in problems)


def test_cards_are_in_book_order_and_tagged(
        notes: list[dict], chapters: list[revision.Chapter]) -> None:
    order = [ch.docname for ch in chapters]
    seen = [next(t.split("::")[1] for t in n["tags"] if t.split("::")[1] in order)
            for n in notes]
    assert seen == sorted(seen, key=order.index)
    for n in notes:
        kinds = {"dlbook::interview-answer", "dlbook::follow-up"} & set(n["tags"])
        assert len(kinds) == 1, n["tags"]


def test_no_raw_myst_on_any_card(notes: list[dict], deck: tuple[bytes, list[str]]) -> None:
    assert deck[1] == [], "the converter reported what it could not render"
    for n in notes:
        for name, text in n["fields"].items():
            where = f"{n['fields']['Question'][:60]!r} ({name})"
            for raw in RAW_MYST:
                assert raw not in text, f"{where} contains {raw!r}"
            assert not ROLE_RE.search(text), f"{where} contains a MyST role"
            assert not LABEL_RE.search(text), f"{where} shows a label instead of words"
            outside_code = re.sub(r"<(pre|code)>.*?</\1>", "", text, flags=re.S)
            assert "$" not in outside_code, f"{where} has $ math left"
            assert "`" not in outside_code, f"{where} has a backtick left"
            assert "**" not in outside_code, f"{where} has ** left"


def test_math_is_in_ankis_delimiters(
        notes: list[dict], chapters: list[revision.Chapter]) -> None:
    by_guid = {n["guid"]: n for n in notes}
    sources = []
    for ch in chapters:
        sources.append((ch.docname, ch.title, ch.answer))
        sources += [(ch.docname, q, a) for q, a in ch.followups]
    n_display = 0
    for docname, question, answer in sources:
        note = by_guid[genanki.guid_for("dlbook", docname, question)]
        text = note["fields"]["Answer"]
        assert text.count("\\(") == text.count("\\)")
        assert text.count("\\[") == text.count("\\]")
        if "$$" in answer:
            assert "\\[" in text, f"{question!r}: display math not converted"
            n_display += 1
        elif "$" in answer:
            assert "\\(" in text, f"{question!r}: inline math not converted"
        if "$" in question:
            assert "\\(" in note["fields"]["Question"]
    assert n_display > 0


def test_converter_renders_myst_as_a_reader_sees_it() -> None:
    target = flashcards.Target("theorem", "09-gradient-descent", "Sufficient $L$ decrease")
    conv = flashcards.Converter({"02-what-is-a-neural-network": "2. What is a neural network?"},
                                {"thm-09-x": target}, {"k1": ("Smith", "2020"),
                                                        "k2": ("Doe and Roe", "2021")})
    out = conv.block(
        "::::{note} Look\n:class: dropdown\n\n"
        "By {prf:ref}`thm-09-x`, $a<b$ and {cite}`k1,k2`; {cite:t}`k1` says **so**, "
        "see {doc}`02-what-is-a-neural-network` and {ref}`here <sec-x>`.\n\n"
        "$$\nx^2\n$$ (eq-x)\n\n- `code`\n- two\n::::\n")
    assert "<b>Look</b>" in out and ":class:" not in out and "::::" not in out
    assert "By theorem “Sufficient \\(L\\) decrease” in chapter 9," in out
    assert "\\(a&lt;b\\)" in out
    assert "(Smith, 2020; Doe and Roe, 2021); Smith (2020) says <strong>so</strong>" in out
    assert "see 2. What is a neural network? and here." in out
    assert '<div class="math">\\[x^2\\]</div>' in out
    assert "<li><code>code</code></li>" in out
    assert conv.problems == []
    assert conv.inline("Exercise {ref}`ex-99-1`") == "Exercise in chapter 99"
    assert conv.inline("see {ref}`ex-99-1`.") == "see an exercise in chapter 99."
    assert conv.problems == ["label 'ex-99-1' is not defined in any chapter"] * 2
    assert flashcards._display_math("\\begin{align}a&=b\\end{align}") == (
        '<div class="math">\\[\\begin{aligned}a&amp;=b\\end{aligned}\\]</div>\n')


def test_same_notebooks_same_bytes(deck: tuple[bytes, list[str]], tmp_path: Path) -> None:
    again = tmp_path / "again.apkg"
    flashcards.write_deck(again, timestamp=TIMESTAMP)
    assert again.read_bytes() == deck[0]
    with zipfile.ZipFile(io.BytesIO(deck[0])) as zf:
        assert [i.date_time for i in zf.infolist()] == [flashcards.ZIP_DATE] * 2


def test_fixed_ids_and_timestamp(deck: tuple[bytes, list[str]], notes: list[dict],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, col = read_apkg(deck[0])
    assert str(flashcards.DECK_ID) in col["decks"]
    assert col["models"][str(flashcards.MODEL_ID)]["mod"] == TIMESTAMP
    assert [f["name"] for f in col["models"][str(flashcards.MODEL_ID)]["flds"]] == list(
        flashcards.FIELDS)
    assert {n["mod"] for n in notes} == {TIMESTAMP}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert flashcards.deck_timestamp() == 1800000000
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert flashcards.deck_timestamp() == flashcards.deck_timestamp() > 1_700_000_000


def test_revision_pages_offer_the_deck() -> None:
    """Both pages link the deck (test_revision.py checks they are up to date)."""
    for page in (revision.ANSWERS, revision.SELF_TEST):
        text = page.read_text(encoding="utf-8")
        assert f"{{download}}`Download the deck <{revision.DECK.name}>`" in text
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert revision.DECK.relative_to(ROOT).as_posix() in ignored
