"""The Markdown/MDX document model: parse once, edit blocks, copy every other byte.

No Markdown library round-trips a file byte for byte, so a Document never re-renders
what it did not change: `render` and `splice` rebuild the text from the original lines
and substitute only the edited line ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markdown_it.token import Token

from tailored.markdown._build import build
from tailored.markdown._facts import InlineFacts, collect
from tailored.markdown._parser import parse_blocks
from tailored.markdown.blocks import Block, Code, Heading

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_EOL_RE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Splice:
    """Replace lines `[start, end)` of the original with `text` (`start == end` inserts)."""

    start: int
    end: int
    text: str

    @classmethod
    def replace(cls, block: Block, text: str) -> Splice:
        """Replace a block (at any depth) with `text`."""
        return cls(block.start, block.end, text)

    @classmethod
    def delete(cls, block: Block) -> Splice:
        """Remove a block entirely."""
        return cls(block.start, block.end, "")

    @classmethod
    def insert_before(cls, block: Block, text: str) -> Splice:
        """Insert `text` as new lines just before a block."""
        return cls(block.start, block.start, text)

    @classmethod
    def insert_after(cls, block: Block, text: str) -> Splice:
        """Insert `text` as new lines just after a block."""
        return cls(block.end, block.end, text)


@dataclass(frozen=True)
class Document:
    """A parsed document: original text and lines, top-level blocks, headings, code.

    `tokens` (block level; inline content unparsed) and `env` are markdown-it's own
    objects, kept for lazy inline analysis: read them, never mutate them.
    """

    text: str
    lines: tuple[str, ...]
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    code: tuple[Code, ...]
    newline: str
    tokens: list[Token] = field(repr=False, compare=False)
    env: dict[str, Any] = field(repr=False, compare=False)

    @property
    def front_matter(self) -> str | None:
        """Raw YAML of the front matter, or None when the document has none."""
        first = self.blocks[0] if self.blocks else None
        if first is None or first.kind != "front_matter":
            return None
        return self.tokens[0].content

    @cached_property
    def reference_labels(self) -> frozenset[str]:
        """Normalized labels of the link reference definitions."""
        return frozenset(self.env.get("references", {}))

    @cached_property
    def facts(self) -> InlineFacts:
        """Link targets and tag balance, parsed from inline content on first use."""
        return collect(self.tokens, self.env)

    def walk(self) -> Iterator[Block]:
        """Every block, nested ones included, in document order."""
        for block in self.blocks:
            yield from block.walk()

    def render(
        self,
        replacements: Mapping[int, str | None] | None = None,
        *,
        insert_before: Mapping[int, str] | None = None,
        insert_after: Mapping[int, str] | None = None,
    ) -> str:
        """Rebuild the text, replacing (str) or deleting (None) top-level blocks by index."""
        edits: list[Splice] = []
        for index, text in (replacements or {}).items():
            block = self.blocks[index]
            edits.append(Splice.delete(block) if text is None else Splice.replace(block, text))
        for index, text in (insert_before or {}).items():
            edits.append(Splice.insert_before(self.blocks[index], text))
        for index, text in (insert_after or {}).items():
            edits.append(Splice.insert_after(self.blocks[index], text))
        return self.splice(edits)

    def splice(self, edits: Iterable[Splice]) -> str:
        """Rebuild the text with line-range edits applied; all other bytes are copied.

        New text gets the document's line endings, and a final line ending when lines
        follow it, so an edit can never glue itself onto the next line. Edits must not
        overlap; inserts at the same position keep their given order.
        """
        ordered = sorted(edits, key=lambda edit: (edit.start, edit.end > edit.start))
        parts: list[str] = []
        cursor = 0
        for edit in ordered:
            if edit.start < cursor or edit.end < edit.start or edit.end > len(self.lines):
                raise ValueError(f"overlapping or invalid edit of lines {edit.start}-{edit.end}")
            parts.extend(self.lines[cursor : edit.start])
            parts.append(self._normalize(edit.text, followed=edit.end < len(self.lines)))
            cursor = edit.end
        if not parts:
            return self.text
        parts.extend(self.lines[cursor:])
        return "".join(parts)

    def _normalize(self, text: str, *, followed: bool) -> str:
        if self.newline != "\n":
            text = _EOL_RE.sub(self.newline, text)
        if text and followed and not text.endswith(("\n", "\r")):
            text += self.newline
        return text


def split_lines(text: str) -> list[str]:
    """Lines with their original endings (`\\r\\n`, `\\r` or `\\n`), as markdown-it counts them."""
    return _LINE_RE.findall(text)


def parse_document(text: str) -> Document:
    """Parse Markdown/MDX text into a Document; `doc.render() == text` always holds."""
    lines = split_lines(text)
    tokens, env = parse_blocks(text)
    built = build(tokens, env, lines)
    first_eol = _EOL_RE.search(text)
    return Document(
        text=text,
        lines=tuple(lines),
        blocks=built.blocks,
        headings=built.headings,
        code=built.code,
        newline=first_eol.group(0) if first_eol else "\n",
        tokens=tokens,
        env=env,
    )
