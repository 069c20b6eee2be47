"""What inference derives from a book: mined terms and per-chapter hints, each with evidence.

Everything here is plain data that round-trips through JSON (`to_json` / `from_json`), so the
library can carry it in the cache and its hash moves when any of it changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Bump when inference would derive something different from the same book; part of the rules
# adapter's version, so cached results made with older inference are not reused.
VERSION = "1"


@dataclass(frozen=True)
class MinedTerm:
    """A term the book defines: where, how we know, and how sure we are."""

    term: str
    definition: str
    chapter_id: str
    anchor: str | None
    evidence: str  # acronym | bold-definition | defining-sentence | what-is | glossary-table
    confidence: float
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionHint:
    """A section (by heading anchor) inference marked, and the heading that says so."""

    anchor: str
    heading: str
    value: str  # "advanced" | "beginner" for depth; a hardware target for hardware


@dataclass(frozen=True)
class TermLink:
    """A term this chapter uses that an earlier chapter defines."""

    term: str
    chapter_id: str
    anchor: str | None


@dataclass(frozen=True)
class KeyPoint:
    sentence: str  # verbatim from the chapter
    anchor: str | None
    heading: str


@dataclass(frozen=True)
class ChapterHints:
    depth: tuple[SectionHint, ...] = ()
    hardware: tuple[SectionHint, ...] = ()
    prerequisites: tuple[TermLink, ...] = ()
    key_points: tuple[KeyPoint, ...] = ()
    code_languages: tuple[str, ...] = ()  # languages of equivalent consecutive code samples
    defines: tuple[str, ...] = ()  # mined terms this chapter defines
    uses: tuple[str, ...] = ()  # mined terms defined elsewhere that this chapter's prose uses

    @property
    def empty(self) -> bool:
        kinds = (self.depth, self.hardware, self.prerequisites, self.key_points, self.uses)
        return not any(kinds) and not self.code_languages and not self.defines


@dataclass(frozen=True)
class BookInference:
    glossary: tuple[MinedTerm, ...] = ()
    chapters: dict[str, ChapterHints] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    order_source: str = "folders"  # "sidebars" when sidebars.js/.ts gave the order


def to_json(book: BookInference) -> dict[str, Any]:
    return {
        "version": VERSION,
        "order_source": book.order_source,
        "order": list(book.order),
        "glossary": [
            [
                t.term,
                t.definition,
                t.chapter_id,
                t.anchor,
                t.evidence,
                t.confidence,
                list(t.aliases),
            ]
            for t in book.glossary
        ],
        "chapters": {cid: _hints_json(h) for cid, h in book.chapters.items() if not h.empty},
    }


def _hints_json(h: ChapterHints) -> dict[str, Any]:
    return {
        "depth": [[s.anchor, s.heading, s.value] for s in h.depth],
        "hardware": [[s.anchor, s.heading, s.value] for s in h.hardware],
        "prerequisites": [[t.term, t.chapter_id, t.anchor] for t in h.prerequisites],
        "key_points": [[k.sentence, k.anchor, k.heading] for k in h.key_points],
        "code_languages": list(h.code_languages),
        "defines": list(h.defines),
        "uses": list(h.uses),
    }


def from_json(data: dict[str, Any]) -> BookInference:
    glossary = tuple(
        MinedTerm(t, d, c, a, e, float(conf), tuple(al))
        for t, d, c, a, e, conf, al in data["glossary"]
    )
    chapters = {
        cid: ChapterHints(
            depth=tuple(SectionHint(*s) for s in h["depth"]),
            hardware=tuple(SectionHint(*s) for s in h["hardware"]),
            prerequisites=tuple(TermLink(*t) for t in h["prerequisites"]),
            key_points=tuple(KeyPoint(*k) for k in h["key_points"]),
            code_languages=tuple(h["code_languages"]),
            defines=tuple(h["defines"]),
            uses=tuple(h.get("uses", ())),
        )
        for cid, h in data["chapters"].items()
    }
    return BookInference(glossary, chapters, tuple(data["order"]), data["order_source"])
