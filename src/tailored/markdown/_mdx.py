"""Block rules for MDX: JSX/HTML elements spanning blank lines, and ESM import/export lines.

CommonMark ends an HTML block at the first blank line, so `<Tabs>` ... `</Tabs>` with
Markdown inside falls apart into unrelated blocks. These rules run before `html_block`
and keep a whole element, up to its matching close tag, as one block whose inner lines
are still parsed as Markdown (like a container).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.html_blocks import block_names
from markdown_it.ruler import RuleOptionsType
from markdown_it.rules_block import StateBlock

_OPEN_RE = re.compile(r"<([A-Za-z][\w.:-]*)(?=[\s/>]|$)")
_FENCE_RE = re.compile(r"(`{3,}|~{3,})")
_ESM_RE = re.compile(
    r"import\s*(?:['\"{*]|[\w$]+\s*(?:,|from\b))"
    r"|export\s+(?:const|let|var|function|class|default|async|\{|\*)"
)
# Void elements never have a close tag; looking for one would scan to the end of the file.
_VOID = frozenset(
    {"area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input", "link"}
    | {"menuitem", "meta", "param", "source", "track", "wbr"}
)
_BLOCK_TAGS = frozenset(block_names) - _VOID


@lru_cache(maxsize=256)
def _tag_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/)?{re.escape(name)}(?=[\s/>]|$)")


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _tag_end(state: StateBlock, line: int, pos: int, end_line: int) -> tuple[int, int, bool] | None:
    """Find the `>` ending a tag opened before `pos`: (line, offset after it, self-closing).

    Quotes and `{...}` JSX expressions may contain `>`, and a tag may span lines.
    """
    src = state.src
    quote = ""
    braces = 0
    prev = ""
    while line < end_line:
        stop = state.eMarks[line]
        while pos < stop:
            ch = src[pos]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                braces += 1
            elif ch == "}":
                braces -= 1
            elif ch == ">" and braces <= 0:
                return line, pos + 1, prev == "/"
            if not ch.isspace():
                prev = ch
            pos += 1
        line += 1
        if line >= end_line or state.isEmpty(line):
            return None
        pos = state.bMarks[line] + state.tShift[line]
    return None


def _expression_end(
    state: StateBlock, line: int, pos: int, end_line: int
) -> tuple[int, int] | None:
    """End (line, offset after `}`) of the `{...}` expression whose `{` is at `pos`."""
    src = state.src
    depth = 0
    quote = ""
    comment = False
    while line < end_line:
        stop = state.eMarks[line]
        while pos < stop:
            ch = src[pos]
            if comment:
                if src.startswith("*/", pos):
                    comment = False
                    pos += 1
            elif quote:
                if ch == "\\":
                    pos += 1
                elif ch == quote:
                    quote = ""
            elif src.startswith("/*", pos):
                comment = True
                pos += 1
            elif src.startswith("//", pos):
                break
            elif ch in "\"'`":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return line, pos + 1
            pos += 1
        line += 1
        pos = state.bMarks[line] + state.tShift[line]
    return None


def mdx_expression(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A `{...}` expression standing alone, such as an MDX comment `{/* ... */}`."""
    if state.is_code_block(start_line):
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[pos : pos + 1] != "{":
        return False
    found = _expression_end(state, start_line, pos, end_line)
    if found is None or state.src[found[1] : state.eMarks[found[0]]].strip():
        return False
    if silent:
        return True
    token = state.push("jsx_block", "", 0)
    token.map = [start_line, found[0] + 1]
    token.meta = {"name": None}
    token.block = True
    state.line = found[0] + 1
    return True


def _close_line(state: StateBlock, name: str, line: int, pos: int, end_line: int) -> int | None:
    """Line holding the close tag matching an element opened before `pos`, skipping fences."""
    pattern = _tag_re(name)
    depth = 1
    fence = ""
    text = state.src[pos : state.eMarks[line]]
    while True:
        if fence:
            if text.startswith(fence) and not text.strip(fence[0] + " \t"):
                fence = ""
        elif (fence_match := _FENCE_RE.match(text)) is not None:
            fence = fence_match.group(1)
        elif name in text:
            for match in pattern.finditer(text):
                if match.group(1):
                    depth -= 1
                    if depth == 0:
                        return line
                else:
                    gt = text.find(">", match.end())
                    if gt < 0 or text[gt - 1] != "/":
                        depth += 1
        line += 1
        if line >= end_line:
            return None
        if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
            return None  # the element would leave its enclosing list item or quote
        text = _line(state, line)


def _inner_indent(state: StateBlock, start: int, end: int) -> int:
    counts = [state.sCount[line] for line in range(start, end) if not state.isEmpty(line)]
    return max(state.blkIndent, min(counts, default=state.blkIndent))


def jsx_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """An element (`<Tabs>`, `<TabItem ...>`, `<details>`, `<div>`) up to its matching close."""
    if state.is_code_block(start_line):
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[pos : pos + 1] != "<":
        return False
    opened = _OPEN_RE.match(state.src, pos, state.eMarks[start_line])
    if opened is None:
        return False
    name = opened.group(1)
    if not (name[0].isupper() or name in _BLOCK_TAGS):
        return False
    found = _tag_end(state, start_line, opened.end(), end_line)
    if found is None:
        return False
    tag_line, tag_end, self_closing = found
    if silent and state.src[tag_end : state.eMarks[tag_line]].strip():
        return False  # interrupt a paragraph only when the opening tag stands alone
    close = tag_line if self_closing else _close_line(state, name, tag_line, tag_end, end_line)
    if close is None:
        return False
    if close == tag_line and not self_closing:
        # `<Highlight>x</Highlight> more text` is inline JSX inside a paragraph.
        line_end = state.eMarks[close]
        closing = state.src.rfind("</" + name, tag_end, line_end)
        if state.src[state.src.find(">", closing, line_end) + 1 : line_end].strip():
            return False
    if silent:
        return True
    if close == tag_line:
        token = state.push("jsx_block", "", 0)
        token.map = [start_line, close + 1]
        token.meta = {"name": name}
        token.block = True
        state.line = close + 1
        return True
    inner = (tag_line + 1, close)
    token = state.push("jsx_open", "", 1)
    token.map = [start_line, close + 1]
    token.meta = {"name": name, "inner": inner}
    token.block = True
    old_parent, old_max, old_indent = state.parentType, state.lineMax, state.blkIndent
    state.parentType = "jsx"
    state.lineMax = close
    # Indentation inside JSX is not significant in MDX; parse relative to the shallowest line.
    state.blkIndent = _inner_indent(state, *inner)
    state.md.block.tokenize(state, inner[0], inner[1])
    state.parentType, state.lineMax, state.blkIndent = old_parent, old_max, old_indent
    token = state.push("jsx_close", "", -1)
    token.map = [close, close + 1]
    token.block = True
    state.line = close + 1
    return True


def mdx_esm(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Top-level `import`/`export` statements, which run to the next blank line in MDX."""
    # `state.level`, not `parentType`: lheading leaks parentType "paragraph" on failure.
    if state.level or state.blkIndent or state.sCount[start_line]:
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    matched = _ESM_RE.match(state.src, pos, state.eMarks[start_line])
    if matched is None:
        return False
    if silent:
        return True
    line = start_line + 1
    while line < end_line and not state.isEmpty(line):
        line += 1
    token = state.push("mdx_esm", "", 0)
    token.map = [start_line, line]
    token.info = "import" if matched.group(0).startswith("import") else "export"
    token.content = state.getLines(start_line, line, 0, True)
    token.block = True
    state.line = line
    return True


def mdx_plugin(md: MarkdownIt) -> None:
    """Register the JSX element and ESM block rules."""
    alt: RuleOptionsType = {"alt": ["paragraph", "reference", "blockquote"]}
    md.block.ruler.before("html_block", "jsx_block", jsx_block, alt)
    md.block.ruler.before("html_block", "mdx_expression", mdx_expression)
    md.block.ruler.before("table", "mdx_esm", mdx_esm)
