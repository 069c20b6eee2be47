"""The one markdown-it configuration shared by the document model and the verifier."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from tailored.markdown._mdx import mdx_plugin

ADMONITION = "admonition"
# Docusaurus: `:::tip`, `:::tip[Title]`, legacy `:::tip Title`.
ADMONITION_RE = re.compile(r"\s*([A-Za-z][\w-]*)(?:\[(.*)\])?\s*(.*?)\s*$")
_NEWLINES_RE = re.compile(r"\r\n?")


def _is_admonition(params: str, *_: Any) -> bool:
    return ADMONITION_RE.match(params) is not None


@cache
def parser() -> MarkdownIt:
    """The configured parser, built on first use (building costs a few milliseconds)."""
    md = MarkdownIt("commonmark").enable("table")
    front_matter_plugin(md)
    container_plugin(md, ADMONITION, validate=_is_admonition)
    dollarmath_plugin(md, allow_space=False, allow_digits=False)
    footnote_plugin(md)
    mdx_plugin(md)
    return md


def parse_blocks(text: str) -> tuple[list[Token], dict[str, Any]]:
    """Block-level tokens and the parse env (reference definitions) of `text`.

    Inline content is parsed lazily by callers that need it: block parsing alone is what
    every adaptation pays for.
    """
    src = _NEWLINES_RE.sub("\n", text).replace("\0", "\ufffd")
    md = parser()
    env: dict[str, Any] = {}
    tokens: list[Token] = []
    md.block.parse(src, md, env, tokens)
    return tokens, env


def parse_inline(content: str, env: dict[str, Any]) -> list[Token]:
    """Inline tokens of one block's inline content."""
    md = parser()
    children: list[Token] = []
    md.inline.parse(content, md, env, children)
    return children
