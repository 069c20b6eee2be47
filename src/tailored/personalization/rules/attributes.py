"""Attributes of an element's opening tag, read and edited as text.

The document model keeps JSX elements as protected blocks and gives us their line ranges, not
their attributes; the opening tag is the text from the block's first line up to its inner
range. Only string attributes (`name="…"`, `name='…'`) and bare flags (`default`) are read:
`{…}` expressions are opaque JS to us, so annotations written that way are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tailored.markdown import Block, Document

_TAG_NAME_RE = re.compile(r"\s*<[A-Za-z][\w.:-]*")
# name="value" | name='value' | name={expr} | name (a bare flag); stops at the closing `>`.
ATTRIBUTE_RE = re.compile(
    r"""([A-Za-z_:][\w:.-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|(\{[^{}]*\})))?"""
)
_DEFAULT_FLAG_RE = re.compile(r"\s+default(?:\s*=\s*\{\s*true\s*\})?(?=[\s/>])")


def opening_tag(doc: Document, block: Block) -> str:
    """Text of the opening tag lines of a JSX element block (the whole block when it has none)."""
    end = block.inner[0] if block.inner is not None else block.end
    return "".join(doc.lines[block.start : end])


def parse_attributes(tag: str) -> dict[str, str | None]:
    """`<TabItem value="py" default>` → `{"value": "py", "default": None}`.

    A `{…}` expression value is returned as its source text; a bare flag maps to None.
    """
    head = _TAG_NAME_RE.match(tag)
    if head is None:
        return {}
    end = _tag_end(tag, head.end())
    attrs: dict[str, str | None] = {}
    for match in ATTRIBUTE_RE.finditer(tag, head.end(), end):
        name, double, single, expression = match.groups()
        value = double if double is not None else single if single is not None else expression
        attrs.setdefault(name, value)
    return attrs


def _tag_end(tag: str, pos: int) -> int:
    """Offset of the `>` closing the opening tag (quotes and braces may hold a `>`)."""
    quote = ""
    braces = 0
    for index in range(pos, len(tag)):
        char = tag[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            braces += 1
        elif char == "}":
            braces -= 1
        elif char == ">" and braces <= 0:
            return index
    return len(tag)


def has_flag(attrs: Mapping[str, str | None], name: str) -> bool:
    """A JSX boolean prop: `default` or `default={true}`."""
    if name not in attrs:
        return False
    value = attrs[name]
    return value is None or value.replace(" ", "") in ("{true}", "true")


def remove_default_flag(tag: str) -> str:
    """The tag without its `default` prop (first occurrence only)."""
    return _DEFAULT_FLAG_RE.sub("", tag, count=1)


def add_default_flag(tag: str) -> str:
    """The tag with a bare `default` prop added just before its closing `>`."""
    end = _tag_end(tag, 0)
    insert_at = end - 1 if end > 0 and tag[end - 1] == "/" else end
    return f"{tag[:insert_at].rstrip()} default{tag[insert_at:]}"


def set_string_attribute(tag: str, name: str, value: str) -> str:
    """Replace the value of `name="…"` (the attribute must exist as a string attribute)."""
    pattern = re.compile(rf"""(\s{re.escape(name)}\s*=\s*)(?:"[^"]*"|'[^']*')""")
    return pattern.sub(lambda m: f'{m.group(1)}"{value}"', tag, count=1)
