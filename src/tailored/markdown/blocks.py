"""Value types of the document model: blocks, headings, code samples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal[
    "front_matter",
    "heading",
    "paragraph",
    "fence",
    "code_block",
    "html",
    "jsx",
    "import",
    "export",
    "admonition",
    "table",
    "list",
    "blockquote",
    "hr",
    "math",
    "footnote",
    "reference",
    "blank",
]

# Never handed to a transformer: rewriting any byte of these breaks code, metadata or MDX.
PROTECTED_KINDS: frozenset[BlockKind] = frozenset(
    {
        "front_matter",
        "fence",
        "code_block",
        "html",
        "jsx",
        "import",
        "export",
        "math",
        "reference",
        "hr",
        "blank",
    }
)
CodeKind = Literal["fence", "code_block"]


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading's level, plain text (without `{#id}`) and anchor as Docusaurus renders it."""

    level: int
    text: str
    anchor: str
    explicit_id: bool
    line: int


@dataclass(frozen=True, slots=True)
class Code:
    """A fenced or indented code sample: its info string and exact content."""

    kind: CodeKind
    info: str
    content: str
    line: int


@dataclass(frozen=True, slots=True)
class Admonition:
    """A Docusaurus admonition's type (`tip`) and optional title."""

    type: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a document: kind, line range `[start, end)` and exact source text.

    `inner` is the line range of nested Markdown for admonitions and JSX elements, whose
    `children` are the blocks of that range. `code` lists every code sample inside.
    """

    kind: BlockKind
    start: int
    end: int
    text: str
    children: tuple[Block, ...] = ()
    inner: tuple[int, int] | None = None
    heading: Heading | None = None
    admonition: Admonition | None = None
    tag: str | None = None
    code: tuple[Code, ...] = ()

    @property
    def protected(self) -> bool:
        """Whether this block must be copied verbatim, never given to a transformer."""
        return self.kind in PROTECTED_KINDS

    def walk(self) -> Iterator[Block]:
        """This block and its nested blocks, depth first in document order."""
        yield self
        for child in self.children:
            yield from child.walk()
