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

import asyncio
import hashlib
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from tailored.markdown._build import plain_text
from tailored.markdown._jsx_text import drop_component_tags, strip_jsx_tags
from tailored.markdown._parser import ADMONITION, ADMONITION_RE, new_parser, normalize
from tailored.markdown.anchors import Slugger, parse_heading_id
from tailored.markdown.document import split_lines
from tailored.markdown.highlight import code_block_html
from tailored.markdown.mathml import MATHML_ATTRIBUTES, MATHML_TAGS, math_html

__all__ = [
    "RenderCacheInfo",
    "render_cache_clear",
    "render_cache_info",
    "render_html",
    "render_html_async",
]

_LABEL_RE = re.compile(r"""\b(label|value)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ALIGN_RE = re.compile(r"text-align:\s*(left|right|center)")
_LINES = "tailored_lines"
_JSX_STACK = "tailored_jsx"

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"section"} | MATHML_TAGS
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
    **MATHML_ATTRIBUTES,
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
    source = _source(env, *token.map)
    name: str = token.meta["name"]
    if not name[0].isupper():
        # One-line HTML element: raw HTML for the sanitizer (unknown tags keep their text).
        return source
    # A one-line or self-closing component: its children as Markdown, its props nowhere.
    inner = strip_jsx_tags(source).strip()
    if not inner:
        return ""
    rendered = _renderer().renderInline(inner, env)
    return f'<div class="mdx mdx-{html.escape(name.lower())}">{rendered}</div>\n'


def _fence(
    _self: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: Any
) -> str:
    token = tokens[idx]
    return code_block_html(token.content, token.info)


def _math_inline(
    _self: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: Any
) -> str:
    return math_html(tokens[idx].content, display=False)


def _math_block(
    _self: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: Any
) -> str:
    return math_html(tokens[idx].content, display=True) + "\n"


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
    # The one parser configuration with rendering added, on an instance of its own so the
    # shared parser is never touched.
    md = new_parser()
    md.core.ruler.before("inline", "tailored_strip_heading_ids", _strip_heading_ids)
    md.core.ruler.push("tailored_heading_ids", _heading_ids)
    md.core.ruler.push("tailored_component_tags", drop_component_tags)
    md.add_render_rule(f"container_{ADMONITION}_open", _admonition)
    md.add_render_rule(f"container_{ADMONITION}_close", _admonition)
    md.add_render_rule("jsx_open", _jsx_open)
    md.add_render_rule("jsx_close", _jsx_close)
    md.add_render_rule("jsx_block", _jsx_block)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("math_inline", _math_inline)
    # `$$...$$` inside a paragraph is display math too.
    md.add_render_rule("math_inline_double", _math_block)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("math_block_label", _math_block)
    md.add_render_rule("mdx_esm", _nothing)
    md.add_render_rule("front_matter", _nothing)
    return md


def render_html(markdown: str) -> str:
    """Sanitized HTML for a chapter's Markdown/MDX (front matter, imports and exports left out).

    Relative links and image sources are kept as written: they are relative to the chapter's
    file (`ChapterSummary.path`), and the reader resolves them.
    """
    text = normalize(markdown)
    # Lines as markdown-it counts them (str.splitlines also splits at U+2028 and friends).
    env: dict[str, Any] = {_LINES: split_lines(text)}
    rendered = _renderer().render(text, env)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


# --- off the event loop, cached -------------------------------------------------------------

# A 20 MB chapter takes seconds to render; the same text (a chapter, a cached adaptation) is
# asked for again and again, so renders are kept, bounded by count and by total size.
CACHE_ENTRIES = 128
CACHE_CHARS = 64 * 1024 * 1024
# Hashing is cheap, but not free: above this size it runs in the worker thread too.
_HASH_ON_LOOP_MAX = 256 * 1024


@dataclass(frozen=True)
class RenderCacheInfo:
    hits: int
    misses: int
    entries: int
    chars: int


class _RenderCache:
    """A small LRU of rendered HTML keyed by a digest of the Markdown (thread-safe)."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._items: OrderedDict[bytes, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> str | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: bytes, value: str) -> None:
        if len(value) > self.max_chars:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._chars -= len(old)
            self._items[key] = value
            self._chars += len(value)
            while len(self._items) > self.max_entries or self._chars > self.max_chars:
                _, dropped = self._items.popitem(last=False)
                self._chars -= len(dropped)

    def info(self) -> RenderCacheInfo:
        with self._lock:
            return RenderCacheInfo(self.hits, self.misses, len(self._items), self._chars)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0
            self.hits = self.misses = 0


_cache = _RenderCache(CACHE_ENTRIES, CACHE_CHARS)


def _key(markdown: str) -> bytes:
    return hashlib.blake2b(markdown.encode("utf-8", "surrogatepass"), digest_size=32).digest()


async def render_html_async(markdown: str) -> str:
    """`render_html` in a worker thread, so a large chapter never blocks the event loop, and
    cached in-process: the same Markdown renders once."""
    if len(markdown) <= _HASH_ON_LOOP_MAX:
        key = _key(markdown)
    else:
        key = await asyncio.to_thread(_key, markdown)
    found = _cache.get(key)
    if found is not None:
        return found
    rendered = await asyncio.to_thread(render_html, markdown)
    _cache.put(key, rendered)
    return rendered


def render_cache_info() -> RenderCacheInfo:
    """Hits, misses and what the render cache holds now."""
    return _cache.info()


def render_cache_clear() -> None:
    """Empty the render cache and reset its counters."""
    _cache.clear()
