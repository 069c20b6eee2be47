"""The one markdown-it configuration: document model, sections, verifier and reader all parse
with it (`new_parser` is the only place a MarkdownIt is constructed)."""

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


def new_parser() -> MarkdownIt:
    """A fresh instance of the configuration; the reader adds its render rules to its own.

    CommonMark plus what Docusaurus v3 reads: GFM tables and strikethrough, front matter,
    admonitions, math, footnotes and MDX (JSX elements, `import`/`export`, `{...}`).
    """
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    front_matter_plugin(md)
    container_plugin(md, ADMONITION, validate=_is_admonition)
    dollarmath_plugin(md, allow_space=False, allow_digits=False)
    footnote_plugin(md)
    mdx_plugin(md)
    return md


@cache
def parser() -> MarkdownIt:
    """The shared parser, built on first use (building costs a few milliseconds)."""
    return new_parser()


def normalize(text: str) -> str:
    """What markdown-it reads: LF line ends, no NUL, and no leading byte order mark.

    Dropping the BOM leaves every line number as it was, so block line ranges still index
    the original lines (which keep it): front matter after a BOM is still front matter.
    """
    return _NEWLINES_RE.sub("\n", text.removeprefix("\ufeff")).replace("\0", "\ufffd")


def parse_blocks(text: str) -> tuple[list[Token], dict[str, Any]]:
    """Block-level tokens and the parse env (reference definitions) of `text`.

    Inline content is parsed lazily by callers that need it: block parsing alone is what
    every adaptation pays for.
    """
    src = normalize(text)
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
