"""Sections: the one way a chapter is cut into parts.

Ingest stores them, the rewriter rewrites and streams them one by one, and human-translation
staleness hashes them, so all three agree on where a section starts and what it holds.

A section starts at each *top-level* heading and runs to the next one. A heading nested in a
JSX element, an admonition, a list or a quote does not start a section, although Docusaurus
lists it in the table of contents: the rewriter rewrites each section on its own, and a cut
there would separate `<div>` from its `</div>`. Such a heading keeps its anchor and is listed
in its enclosing section's `headings`, so a link to it still lands in that section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tailored.markdown.blocks import Block, Heading
from tailored.markdown.document import Document, parse_document

__all__ = ["Section", "SectionKind", "split_sections"]

# front_matter: the front matter, with the blank lines after it when no preamble follows (a
#   document opening with blank lines has one even without front matter); never content.
# preamble: what stands before the first heading, when any of it is not blank.
# heading: a top-level heading and everything up to the next one.
SectionKind = Literal["front_matter", "preamble", "heading"]


@dataclass(frozen=True, slots=True)
class Section:
    """Lines `[start_line, end_line)` of a document; a document's sections tile it exactly."""

    index: int
    kind: SectionKind
    anchor: str | None
    # The heading's text on one line ("" for front matter and preamble).
    heading: str
    # The heading's level, 1-6 (0 for front matter and preamble).
    level: int
    start_line: int
    end_line: int
    text: str
    blocks: tuple[Block, ...] = field(default=(), repr=False, compare=False)
    # Every heading inside, nested ones included; a section's own heading comes first.
    headings: tuple[Heading, ...] = field(default=(), repr=False, compare=False)

    @property
    def is_content(self) -> bool:
        """Whether a reader sees this section (front matter is metadata)."""
        return self.kind != "front_matter"


def _groups(blocks: tuple[Block, ...]) -> list[tuple[SectionKind, list[Block]]]:
    lead: list[Block] = []
    start = 0
    if blocks and blocks[0].kind == "front_matter":
        lead.append(blocks[0])
        start = 1
    first = next((i for i in range(start, len(blocks)) if blocks[i].kind == "heading"), None)
    stop = len(blocks) if first is None else first
    before = list(blocks[start:stop])
    groups: list[tuple[SectionKind, list[Block]]] = []
    if any(block.kind != "blank" for block in before):
        if lead:
            groups.append(("front_matter", lead))
        groups.append(("preamble", before))
    elif lead or before:
        groups.append(("front_matter", lead + before))
    for block in blocks[stop:]:
        if block.kind == "heading":
            groups.append(("heading", [block]))
        else:
            groups[-1][1].append(block)
    return groups


def split_sections(document: str | Document) -> tuple[Section, ...]:
    """The document's sections in order (pass a parsed Document to reuse it)."""
    doc = document if isinstance(document, Document) else parse_document(document)
    all_headings = doc.headings
    cursor = 0
    sections: list[Section] = []
    for kind, blocks in _groups(doc.blocks):
        start, end = blocks[0].start, blocks[-1].end
        inside: list[Heading] = []
        while cursor < len(all_headings) and all_headings[cursor].line < end:
            if all_headings[cursor].line >= start:
                inside.append(all_headings[cursor])
            cursor += 1
        own = blocks[0].heading if kind == "heading" else None
        sections.append(
            Section(
                index=len(sections),
                kind=kind,
                anchor=own.anchor if own is not None else None,
                heading=" ".join(own.text.split()) if own is not None else "",
                level=own.level if own is not None else 0,
                start_line=start,
                end_line=end,
                text="".join(doc.lines[start:end]),
                blocks=tuple(blocks),
                headings=tuple(inside),
            )
        )
    return tuple(sections)
