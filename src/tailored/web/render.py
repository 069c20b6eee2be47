"""Markdown/MDX → HTML for the reader, always sanitized.

Chapters are trusted-ish author content, but personalized and translated text passes through
adapters and models, so nothing reaches a browser without nh3 (Ammonia) cleaning it: scripts,
`<iframe>`s, event handlers, inline styles and `javascript:` URLs are gone whatever the
Markdown held.

Parsing uses the block rules of the document model (`tailored.markdown`), so the reader sees
the same blocks the personalization pipeline rewrites:

- `import`/`export` lines are dropped; `{...}` expressions (MDX comments) render as nothing.
- MDX components the reader cannot run (`<Tabs>`, `<TabItem>`, any capitalized tag) become a
  `<div class="mdx mdx-NAME">` around their Markdown content; a `<TabItem>` keeps its label.
  Lowercase HTML elements (`<div>`, `<details>`) pass through to the sanitizer.
- Headings get the anchor Docusaurus gives them: `## Title {#my-id}` renders as
  `<h2 id="my-id">Title</h2>` and other headings get their github-slugger slug, so links such
  as `./02-urdf.md#inertia` can land on them.
- Admonitions (`:::tip[Title]`) render as `<div class="admonition admonition-tip">` whose first
  paragraph (`class="title"`) holds the title, or the capitalized kind when there is none.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from tailored.content.anchors import Slugger, parse_heading_id
from tailored.markdown._build import plain_text
from tailored.markdown._mdx import mdx_plugin
from tailored.markdown._parser import ADMONITION, ADMONITION_RE

__all__ = ["render_html"]

_NEWLINES_RE = re.compile(r"\r\n?")
_LABEL_RE = re.compile(r"""\b(label|value)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ALIGN_RE = re.compile(r"text-align:\s*(left|right|center)")
_LINES = "tailored_lines"
_JSX_STACK = "tailored_jsx"

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"section"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href", "hreflang", "title", "id", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "pre": {"class"},
    "div": {"class"},
    "span": {"class"},
    "p": {"class"},
    "hr": {"class"},
    "ol": {"start", "class"},
    "li": {"id", "class"},
    "sup": {"id", "class"},
    "section": {"class"},
    "details": {"open"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _admonition(
    _self: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: Any
) -> str:
    token = tokens[idx]
    if token.nesting != 1:
        return "</div>\n"
    match = ADMONITION_RE.match(token.info)
    kind = match.group(1).lower() if match else "note"
    title = (match.group(2) or match.group(3)) if match else None
    label = html.escape(title or kind.capitalize())
    kind_class = html.escape(kind)
    return f'<div class="admonition admonition-{kind_class}">\n<p class="title">{label}</p>\n'


def _source(env: Any, start: int, end: int) -> str:
    lines: list[str] = env[_LINES]
    return "".join(lines[start:end])


def _jsx_open(
    _self: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, env: Any
) -> str:
    token = tokens[idx]
    name: str = token.meta["name"]
    stack: list[str] = env.setdefault(_JSX_STACK, [])
    assert token.map is not None
    opening = _source(env, token.map[0], token.meta["inner"][0])
    if not name[0].isupper():
        # A plain HTML element spanning blank lines: its tag goes to the sanitizer as written.
        stack.append(f"</{name}>\n")
        return opening
    stack.append("</div>\n")
    out = f'<div class="mdx mdx-{html.escape(name.lower())}">\n'
    if name == "TabItem":
        found = {key: double or single for key, double, single in _LABEL_RE.findall(opening)}
        if label := found.get("label") or found.get("value"):
            out += f'<p class="tab-label">{html.escape(label)}</p>\n'
    return out


def _jsx_close(
    _self: RendererHTML, _tokens: Sequence[Token], _idx: int, _options: OptionsDict, env: Any
) -> str:
    stack: list[str] = env.get(_JSX_STACK, [])
    return stack.pop() if stack else ""


def _jsx_block(
    _self: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, env: Any
) -> str:
    token = tokens[idx]
    if token.meta.get("name") is None or token.map is None:
        return ""  # a `{...}` expression, such as an MDX comment
    # One-line or self-closing element: raw HTML for the sanitizer (unknown tags keep their text).
    return _source(env, *token.map)


def _nothing(
    _self: RendererHTML, _tokens: Sequence[Token], _idx: int, _options: OptionsDict, _env: Any
) -> str:
    return ""


def _strip_heading_ids(state: StateCore) -> None:
    """Before inline parsing: move `{#id}` off the heading text into the heading's meta."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            inline = tokens[i + 1]
            inline.content, token.meta["explicit_id"] = parse_heading_id(inline.content)


def _heading_ids(state: StateCore) -> None:
    """Anchors as Docusaurus computes them (same slugger as the document model)."""
    slugger = Slugger()
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            explicit = token.meta.get("explicit_id")
            text = plain_text(tokens[i + 1].children or [])
            anchor = slugger.register(explicit) if explicit else slugger.slug(text)
            if anchor:
                token.attrSet("id", anchor)
        elif token.type in ("th_open", "td_open"):
            # Inline styles are stripped (and blocked by the reader's CSP); `align` survives.
            style = token.attrGet("style")
            if isinstance(style, str) and (match := _ALIGN_RE.search(style)):
                token.attrSet("align", match.group(1))
            if style is not None:
                token.attrs.pop("style", None)


@cache
def _renderer() -> MarkdownIt:
    # The same block rules as tailored.markdown._parser.parser(), with rendering added; a
    # separate instance so the shared parser's configuration is never touched.
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    front_matter_plugin(md)
    container_plugin(md, ADMONITION, validate=lambda p, *_: ADMONITION_RE.match(p) is not None)
    dollarmath_plugin(md, allow_space=False, allow_digits=False)
    footnote_plugin(md)
    mdx_plugin(md)
    md.core.ruler.before("inline", "tailored_strip_heading_ids", _strip_heading_ids)
    md.core.ruler.push("tailored_heading_ids", _heading_ids)
    md.add_render_rule(f"container_{ADMONITION}_open", _admonition)
    md.add_render_rule(f"container_{ADMONITION}_close", _admonition)
    md.add_render_rule("jsx_open", _jsx_open)
    md.add_render_rule("jsx_close", _jsx_close)
    md.add_render_rule("jsx_block", _jsx_block)
    md.add_render_rule("mdx_esm", _nothing)
    md.add_render_rule("front_matter", _nothing)
    return md


def render_html(markdown: str) -> str:
    """Sanitized HTML for a chapter's Markdown/MDX (front matter, imports and exports left out).

    Relative links and image sources are kept as written: they are relative to the chapter's
    file (`ChapterSummary.path`), and the reader resolves them.
    """
    text = _NEWLINES_RE.sub("\n", markdown).replace("\0", "\ufffd")
    env: dict[str, Any] = {_LINES: text.splitlines(keepends=True)}
    rendered = _renderer().render(text, env)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
