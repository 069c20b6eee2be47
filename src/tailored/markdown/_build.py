"""Turn a markdown-it block token stream into the block tree of a document."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from tailored.markdown._parser import ADMONITION, ADMONITION_RE, parse_inline
from tailored.markdown.anchors import Slugger, parse_heading_id
from tailored.markdown.blocks import Admonition, Block, BlockKind, Code, CodeKind, Heading

_LEAF_KINDS: dict[str, BlockKind] = {
    "front_matter": "front_matter",
    "fence": "fence",
    "code_block": "code_block",
    "html_block": "html",
    "hr": "hr",
    "math_block": "math",
    "math_block_label": "math",
    "jsx_block": "jsx",
}
_OPEN_KINDS: dict[str, BlockKind] = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "table_open": "table",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "blockquote_open": "blockquote",
    "footnote_reference_open": "footnote",
    f"container_{ADMONITION}_open": "admonition",
    "jsx_open": "jsx",
}
# Kinds whose trailing blank lines are content, not separators.
_KEEPS_TRAILING_BLANKS: frozenset[BlockKind] = frozenset({"fence", "code_block", "math"})


# `text_special` holds escapes and entities (`\*`, `&amp;`), which the core would join.
_TEXT_TYPES = frozenset(
    {"text", "text_special", "code_inline", "math_inline", "math_inline_double"}
)


def plain_text(tokens: Sequence[Token]) -> str:
    """Text of inline tokens the way mdast's toString sees it (code and image alt included)."""
    parts: list[str] = []
    for token in tokens:
        if token.type in _TEXT_TYPES:
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.children:
            parts.append(plain_text(token.children))
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Built:
    """Everything the document keeps from one parse."""

    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    code: tuple[Code, ...]


class _Builder:
    def __init__(self, tokens: list[Token], env: dict[str, Any], lines: Sequence[str]) -> None:
        self.tokens = tokens
        self.lines = lines
        self.blank = [not line.strip(" \t\r\n") for line in lines]
        self.closer: dict[int, int] = {}
        self.headings: dict[int, Heading] = {}
        self.code_at: list[int] = []
        self.code: list[Code] = []
        self._index(env)

    def _index(self, env: dict[str, Any]) -> None:
        """One pass: match open/close tokens, compute anchors in document order, find code."""
        stack: list[int] = []
        slugger = Slugger()
        for i, token in enumerate(self.tokens):
            if token.nesting == 1:
                stack.append(i)
            elif token.nesting == -1 and stack:
                self.closer[stack.pop()] = i
            if token.type == "heading_open":
                self.headings[i] = _heading(token, self.tokens[i + 1], slugger, env)
            elif token.type in ("fence", "code_block"):
                self.code_at.append(i)
                line = token.map[0] if token.map else 0
                kind: CodeKind = "fence" if token.type == "fence" else "code_block"
                self.code.append(Code(kind, token.info, token.content, line))

    def level(self, lo: int, hi: int, line_lo: int, line_hi: int) -> tuple[Block, ...]:
        """Blocks of tokens[lo:hi] at their top nesting level, tiling lines [line_lo, line_hi)."""
        blocks: list[Block] = []
        cursor = line_lo
        i = lo
        while i < hi:
            token = self.tokens[i]
            j = self.closer.get(i, i) if token.nesting == 1 else i
            block = self._block(i, j, line_hi) if token.map else None
            if block is not None and block.start >= cursor:
                blocks.extend(self._gap(cursor, block.start))
                blocks.append(block)
                cursor = block.end
            i = j + 1
        blocks.extend(self._gap(cursor, line_hi))
        return tuple(blocks)

    def _block(self, i: int, j: int, limit: int) -> Block | None:
        token = self.tokens[i]
        assert token.map is not None
        kind = _kind(token)
        start, end = token.map
        children: tuple[Block, ...] = ()
        inner: tuple[int, int] | None = None
        admonition = None
        if kind == "admonition":
            inner = (start + 1, end)
            # The map stops before the closing `:::`; an unclosed one ends with its parent.
            if end < limit and self.lines[end].lstrip(" \t").startswith(":::"):
                end += 1
            admonition = _admonition(token.info)
        elif token.type == "jsx_open":
            inner = token.meta["inner"]
        if inner is not None:
            children = self.level(i + 1, j, *inner)
        if kind not in _KEEPS_TRAILING_BLANKS and inner is None:
            while end > start + 1 and self.blank[end - 1]:
                end -= 1
        end = min(end, limit)
        if end <= start:
            return None
        code_lo, code_hi = bisect_left(self.code_at, i), bisect_right(self.code_at, j)
        return Block(
            kind=kind,
            start=start,
            end=end,
            text="".join(self.lines[start:end]),
            children=children,
            inner=inner,
            heading=self.headings.get(i),
            admonition=admonition,
            tag=token.meta.get("name") if kind == "jsx" else None,
            code=tuple(self.code[code_lo:code_hi]),
        )

    def _gap(self, start: int, end: int) -> list[Block]:
        """Lines no token claimed: blank runs, and link reference definitions."""
        blocks: list[Block] = []
        line = start
        while line < end:
            run_end = line + 1
            while run_end < end and self.blank[run_end] == self.blank[line]:
                run_end += 1
            kind: BlockKind = "blank" if self.blank[line] else "reference"
            blocks.append(Block(kind, line, run_end, "".join(self.lines[line:run_end])))
            line = run_end
        return blocks


def _kind(token: Token) -> BlockKind:
    if token.type == "mdx_esm":
        return "import" if token.info == "import" else "export"
    # Unknown constructs are treated as raw HTML: protected, so never rewritten.
    return _LEAF_KINDS.get(token.type) or _OPEN_KINDS.get(token.type) or "html"


def _admonition(params: str) -> Admonition:
    match = ADMONITION_RE.match(params)
    assert match is not None  # the container only opens on a valid admonition line
    kind, bracketed, rest = match.groups()
    return Admonition(kind, bracketed if bracketed is not None else rest or None)


def _heading(opening: Token, inline: Token, slugger: Slugger, env: dict[str, Any]) -> Heading:
    content, explicit_id = parse_heading_id(inline.content)
    text = plain_text(parse_inline(content, env)) if content else ""
    anchor = slugger.slug(text) if explicit_id is None else slugger.register(explicit_id)
    line = opening.map[0] if opening.map else 0
    return Heading(int(opening.tag[1]), text, anchor, explicit_id is not None, line)


def build(tokens: list[Token], env: dict[str, Any], lines: Sequence[str]) -> Built:
    """Build the block tree, headings and code samples of one parsed document."""
    builder = _Builder(tokens, env, lines)
    blocks = builder.level(0, len(tokens), 0, len(lines))
    return Built(blocks, tuple(builder.headings.values()), tuple(builder.code))
