"""The revision pages (tools/revision.py) are generated from the chapters and up to date.

book/interview-answers.md holds every chapter's interview answer and book/self-test.md
every chapter's follow-up questions as dropdowns. Both are committed (tests run before
`make book`, which regenerates them), so they must match what the generator writes now.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import revision  # noqa: E402

CHAPTERS = revision.toc_chapters()
NOTEBOOKS = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))


@pytest.fixture(scope="module")
def pages() -> dict[Path, str]:
    return revision.generate()


@pytest.fixture(scope="module")
def chapters() -> dict[str, revision.Chapter]:
    return {name: revision.read_chapter(name) for name in CHAPTERS}


def test_every_notebook_is_a_chapter_of_the_revision_pages() -> None:
    assert CHAPTERS, "no chapters found in _toc.yml"
    assert sorted(CHAPTERS) == NOTEBOOKS


def test_committed_pages_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "revision.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, (
        f"{result.stderr.strip()}\n(regenerate with `python tools/revision.py`, or `make book`)")


def test_generation_is_deterministic(pages: dict[Path, str]) -> None:
    assert revision.generate() == pages


def test_pages_are_in_the_toc() -> None:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for page in (revision.ANSWERS, revision.SELF_TEST):
        assert f"file: book/{page.stem}\n" in toc, f"{page.name} is not in _toc.yml"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_contributes_answer_and_followups(
        name: str, chapters: dict[str, revision.Chapter], pages: dict[Path, str]) -> None:
    ch = chapters[name]
    assert ch.answer.startswith(":::{tip}") and ch.answer.rstrip().endswith(":::")
    assert len(ch.answer.splitlines()) > 2, f"{name}: empty interview answer"
    assert ch.followups, f"{name}: no follow-up questions found"
    for question, answer in ch.followups:
        assert question.endswith("?") or "?" in question, f"{name}: {question!r}"
        assert "\n" not in question
        assert answer.strip(), f"{name}: follow-up {question!r} has no answer"
    link = f"From {{doc}}`{name}`."
    answers, self_test = pages[revision.ANSWERS], pages[revision.SELF_TEST]
    assert f"## {ch.title}\n\n{ch.answer}\n\n{link}\n" in answers
    assert f"## {ch.title}\n\n{link}\n" in self_test
    for question, _ in ch.followups:
        assert re.search(rf"^:{{3,}}\{{dropdown\}} {re.escape(question)}$", self_test, re.M)


def test_counts_match_the_chapters(
        chapters: dict[str, revision.Chapter], pages: dict[Path, str]) -> None:
    answers, self_test = pages[revision.ANSWERS], pages[revision.SELF_TEST]
    n_chapters = len(CHAPTERS)
    assert len(re.findall(r"^## ", answers, re.M)) == n_chapters
    assert len(re.findall(r"^:{3,}\{tip\}", answers, re.M)) == n_chapters
    assert len(re.findall(r"^## ", self_test, re.M)) == n_chapters
    n_followups = sum(len(ch.followups) for ch in chapters.values())
    assert len(re.findall(r"^:{3,}\{dropdown\}", self_test, re.M)) == n_followups
    # in toc order
    titles = [chapters[name].title for name in CHAPTERS]
    assert re.findall(r"^## (.*)$", answers, re.M) == titles
    assert re.findall(r"^## (.*)$", self_test, re.M) == titles


def test_no_glue_role_is_left(pages: dict[Path, str]) -> None:
    """{glue:text} resolves only in its own notebook: the generator pastes the value."""
    for path, text in pages.items():
        assert "{glue" not in text, f"{path.name} still has a glue role"


def test_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     pages: dict[Path, str]) -> None:
    stale = tmp_path / "self-test.md"
    stale.write_text(pages[revision.SELF_TEST] + "edited by hand\n", encoding="utf-8")
    fresh = tmp_path / "interview-answers.md"
    fresh.write_text(pages[revision.ANSWERS], encoding="utf-8")
    monkeypatch.setattr(revision, "generate",
                        lambda: {fresh: pages[revision.ANSWERS],
                                 stale: pages[revision.SELF_TEST]})
    monkeypatch.setattr(revision, "ROOT", tmp_path)
    assert revision.main(["--check"]) == 1
    assert revision.main([]) == 0
    assert revision.main(["--check"]) == 0


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_follow_up_answer_ends_by_leading_into_a_missing_output(
        name: str, chapters: dict[str, revision.Chapter]) -> None:
    """An answer whose text ends "...:" leads into its code's printed output, which the
    revision pages and the deck must then include."""
    for question, answer in chapters[name].followups:
        assert not answer.rstrip().endswith(":"), f"{name}: {question!r} ends with ':'"


def test_printed_output_joins_an_answer_that_leads_into_it() -> None:
    cells = [{"cell_type": "markdown", "source": "**Why?** Run it:"},
             {"cell_type": "code", "source": "print(1)", "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": ["one\n", "two\n"]}]},
             {"cell_type": "markdown", "source": "**And this?** See below."},
             {"cell_type": "code", "source": "print(2)", "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": "three\n"}]}]
    assert revision.followups(cells, "test") == [
        ("Why?", "Run it:\n\n```text\none\ntwo\n```"), ("And this?", "See below.")]
