from __future__ import annotations

from pathlib import Path

import pytest

from tailored.content.glossary import find_glossary, parse_glossary
from tailored.content.loader import load_docs
from tailored.personalization.adapter import ChapterInput, Library
from tailored.personalization.library import library_from

TEXTBOOK = Path(__file__).resolve().parents[3] / "examples" / "textbook"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def textbook() -> tuple[list[ChapterInput], Library]:
    """The annotated sample textbook as the service sees it: chapters and library."""
    loaded = load_docs(TEXTBOOK)
    assert loaded.errors == ()
    glossary_file = find_glossary(TEXTBOOK)
    assert glossary_file is not None
    glossary = parse_glossary(glossary_file.read_text(encoding="utf-8"))
    chapters = [
        ChapterInput(c.id, c.title, c.source, c.source_hash, c.front_matter)
        for c in loaded.chapters
    ]
    return chapters, library_from(glossary, loaded.chapters)


@pytest.fixture(scope="session")
def kitchen_sink() -> str:
    # Bytes decoded, not text mode: text mode would translate line endings.
    return (FIXTURES / "kitchen_sink.mdx").read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def big_source(textbook: tuple[list[ChapterInput], Library]) -> str:
    """Over 30 KB: every textbook chapter's text, one after another."""
    chapters, _ = textbook
    return "\n".join(doc.source for doc in chapters)
