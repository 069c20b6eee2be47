"""The real, un-annotated books in the shared corpus (test input only; nothing copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailored.content.loader import load_docs
from tailored.personalization.library import library_from
from tests.personalization.rules.helpers import adapt, profile

# The shared corpus sits beside the clone (CI too): ../shared/corpus.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
BOOKS = ["textbook-a", "textbook-b"]
BEGINNER = profile(
    software_level="beginner",
    hardware_level="none",
    hardware_available=["none"],
    difficulty_preference="gentle",
)
ADVANCED = profile(
    software_level="advanced",
    hardware_level="advanced",
    hardware_available=["jetson_kit"],
    difficulty_preference="challenging",
    languages=["c++", "python"],
)


@pytest.mark.parametrize("book", BOOKS)
def test_most_chapters_adapt_differently_and_all_verify(book: str) -> None:
    docs = CORPUS / book / "docs"
    loaded = load_docs(docs)
    lib = library_from((), loaded.chapters, docs_root=docs)
    assert len(lib.glossary) >= 5
    sample = loaded.chapters
    changed = {"beginner": 0, "advanced": 0}
    differ = 0
    for chapter in sample:
        # `adapt` runs the structure verifier on every output.
        beginner = adapt(chapter.source, BEGINNER, lib, chapter_id=chapter.id)
        advanced = adapt(chapter.source, ADVANCED, lib, chapter_id=chapter.id)
        changed["beginner"] += beginner.content != chapter.source
        changed["advanced"] += advanced.content != chapter.source
        differ += beginner.content != advanced.content
    assert changed["beginner"] >= 0.8 * len(sample)
    assert changed["advanced"] >= 0.8 * len(sample)
    assert differ >= 0.75 * len(sample)
