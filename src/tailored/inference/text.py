"""Prose out of a parsed chapter: paragraphs and list items with the section they sit in."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from tailored.markdown import Document, Heading

_LINK_RE = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*(?:\([^()]*\))?[^()]*\)")
_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_CODE_RE = re.compile(r"`([^`]*)`")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+", re.MULTILINE)
_SENTENCE_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z*_`\[\"(])")
# Abbreviations that end in a period without ending the sentence.
_ABBREV_RE = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Ms|Fig|approx|cf)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Passage:
    """One paragraph or list item, as written (`raw`), and where it is."""

    raw: str
    anchor: str | None
    heading: str
    in_list: bool
    line: int


def plain(raw: str) -> str:
    """Markdown inline markup removed: link text kept, emphasis and code marks dropped."""
    text = _LINK_RE.sub(r"\1", raw)
    text = _CODE_RE.sub(r"\1", text)
    text = _TAG_RE.sub("", text)
    for _ in range(2):
        text = _EMPHASIS_RE.sub(r"\2", text)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SENTENCE_RE.split(text):
        if pieces and _ABBREV_RE.search(pieces[-1]):
            pieces[-1] = pieces[-1] + " " + piece
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if p.strip()]


def heading_at(headings: tuple[Heading, ...], lines: list[int], line: int) -> Heading | None:
    index = bisect_right(lines, line) - 1
    return headings[index] if index >= 0 else None


def passages(doc: Document) -> Iterator[Passage]:
    """Prose blocks (paragraphs; list items one by one), outside code, JSX and tables."""
    headings = doc.headings
    lines = [h.line for h in headings]
    for block in doc.walk():
        if block.kind not in ("paragraph", "list"):
            continue
        heading = heading_at(headings, lines, block.start)
        anchor = heading.anchor if heading else None
        title = " ".join(heading.text.split()) if heading else ""
        if block.kind == "paragraph":
            yield Passage(block.text.strip(), anchor, title, False, block.start)
            continue
        starts = [m.start() for m in _ITEM_RE.finditer(block.text)]
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(block.text)
            item = _ITEM_RE.sub("", block.text[start:end], count=1).strip()
            if item:
                yield Passage(item, anchor, title, True, block.start)
