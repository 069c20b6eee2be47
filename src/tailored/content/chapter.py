"""One doc file → a chapter: Docusaurus id, metadata, exact source and its sections."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from tailored.content.frontmatter import optional_string, read_front_matter
from tailored.content.ids import InvalidChapterId, doc_identity, validate_chapter_id
from tailored.content.problems import ChapterParseError
from tailored.markdown import Section, parse_document, split_sections

__all__ = ["ParsedChapter", "ParsedDoc", "decode", "parse_chapter", "parse_doc"]


@dataclass(frozen=True)
class ParsedChapter:
    """One doc file: its Docusaurus id, metadata, exact source and sections.

    ``sections`` are the document's content sections (`markdown.split_sections`, the front
    matter left out, `blocks` dropped); a section's position in the library is its place in
    this tuple.
    """

    id: str
    title: str
    slug: str | None
    path: str
    position: int
    front_matter: dict[str, Any]
    source: str
    source_hash: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class ParsedDoc:
    """A chapter with what the sidebar needs to place it."""

    chapter: ParsedChapter
    file_name: str
    sidebar_position: float | None


def parse_doc(text: str, *, rel_path: str, position: int, source_hash: str | None) -> ParsedDoc:
    """Parse one doc's text; ChapterParseError for bad front matter or an unusable id."""
    document = parse_document(text)
    front_matter = read_front_matter(document)

    doc_id, sidebar_position = doc_identity(rel_path, front_matter)
    try:
        validate_chapter_id(doc_id)
    except InvalidChapterId as exc:
        raise ChapterParseError(
            f"doc id {doc_id!r} cannot be used: {exc} (rename the file or set a front matter id)"
        ) from exc

    # Blocks are for rewriting; a library load keeps every chapter, so they are let go here.
    sections = tuple(replace(s, blocks=()) for s in split_sections(document) if s.is_content)
    title = optional_string(front_matter, "title")
    if title is None or not title.strip():
        # Docusaurus's contentTitle: the first top-level "# H1".
        title = next((s.heading for s in sections if s.level == 1), doc_id.rsplit("/", 1)[-1])

    chapter = ParsedChapter(
        id=doc_id,
        title=title,
        slug=optional_string(front_matter, "slug"),
        path=rel_path,
        position=position,
        front_matter=front_matter,
        source=text,
        source_hash=source_hash or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        sections=sections,
    )
    return ParsedDoc(chapter, PurePosixPath(rel_path).name, sidebar_position)


def parse_chapter(
    text: str, *, rel_path: str, position: int = 0, source_hash: str | None = None
) -> ParsedChapter:
    """Parse one doc's text as if it lay at ``rel_path`` (posix, relative to the docs root).

    ``source_hash`` defaults to the sha256 of ``text`` encoded as UTF-8. Raises
    ChapterParseError for invalid front matter or a doc id that cannot be used.
    """
    return parse_doc(text, rel_path=rel_path, position=position, source_hash=source_hash).chapter


def decode(data: bytes) -> str:
    """UTF-8 text of a file, or ChapterParseError naming the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ChapterParseError(f"not valid UTF-8 at byte {exc.start}") from exc
