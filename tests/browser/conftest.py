"""Fixtures for the browser tests (see harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import HTML, serve


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """Base URL of the built book, served on 127.0.0.1."""
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML} has no index.html: run `make book` first", pytrace=False)
    with serve(HTML) as base:
        yield base
