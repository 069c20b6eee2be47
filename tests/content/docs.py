"""Helpers for tests that load a docs folder: write files, read ids, anchors and errors."""

from __future__ import annotations

from pathlib import Path

from tailored.content.loader import LoadResult, ParsedChapter

EXAMPLE_TEXTBOOK = Path(__file__).resolve().parents[2] / "examples" / "textbook"


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def ids(result: LoadResult) -> list[str]:
    return [chapter.id for chapter in result.chapters]


def by_id(result: LoadResult, chapter_id: str) -> ParsedChapter:
    return next(chapter for chapter in result.chapters if chapter.id == chapter_id)


def errors(result: LoadResult) -> dict[str, str]:
    return {error.path: error.message for error in result.errors}


def anchors(chapter: ParsedChapter) -> list[str | None]:
    return [section.anchor for section in chapter.sections]
