"""MDX components inside text, for the reader: the tags go, the children stay.

A component the reader cannot run (`<Highlight color="red">word</Highlight>`, a self-closing
`<Quiz questions={[...]} />`) must never show its props as text. CommonMark does not know
JSX attributes (`{...}` values), so such tags reach the renderer as plain text; this scanner
finds a capitalized tag's closing `>` past quotes and `{...}` expressions and cuts the tag out.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

__all__ = ["drop_component_tags", "strip_jsx_tags"]

_START_RE = re.compile(r"</?[A-Z][\w.]*(?=[\s/>]|$)|<>|</>")


def _tag_end(text: str, pos: int) -> int | None:
    """Index just past the `>` that closes the tag whose name ends at `pos`."""
    quote = ""
    braces = 0
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == quote:
                quote = ""
        elif braces:
            if ch in "\"'`":
                quote = ch
            elif ch == "{":
                braces += 1
            elif ch == "}":
                braces -= 1
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            braces += 1
        elif ch == ">":
            return pos + 1
        pos += 1
    return None


def strip_jsx_tags(text: str) -> str:
    """`text` without its capitalized JSX tags (and fragments); unclosed tags are kept."""
    out: list[str] = []
    pos = 0
    while (match := _START_RE.search(text, pos)) is not None:
        end = _tag_end(text, match.end()) if match.group() not in ("<>", "</>") else match.end()
        if end is None:
            break
        out.append(text[pos : match.start()])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def drop_component_tags(state: StateCore) -> None:
    """Core rule (reader only): strip component tags from inline text and inline HTML."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type in ("text", "html_inline") and "<" in child.content:
                child.content = strip_jsx_tags(child.content)
