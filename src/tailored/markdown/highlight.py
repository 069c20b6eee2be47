"""Code blocks for the reader: highlighted on the server with Pygments, with the block's title.

Docusaurus reads a fence's info string as the language, then `title="talker.py"` and line
options (`{1,3}`, `showLineNumbers`). Highlighting here, not in the browser, keeps the page
light (no highlighter script) and works under the strict CSP: the output is `<span class>`
only, which the sanitizer keeps and `content.css` colours.
"""

from __future__ import annotations

import html
import re
from functools import cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

__all__ = ["code_block_html", "parse_info"]

_TITLE_RE = re.compile(r"""\btitle=(?:"([^"]*)"|'([^']*)'|(\S+))""")
_LANGUAGE_RE = re.compile(r"^[\w+#.-]+$")
# Blocks bigger than this are shown plain: highlighting megabytes would stall a render.
MAX_HIGHLIGHT_CHARS = 200_000


def parse_info(info: str) -> tuple[str, str | None]:
    """(language, title) from a fence's info string; language "" when none is given."""
    words = info.strip().split(maxsplit=1)
    language = words[0].lower() if words and _LANGUAGE_RE.match(words[0]) else ""
    if language.startswith("title="):
        language = ""
    match = _TITLE_RE.search(info)
    title = next((g for g in match.groups() if g is not None), None) if match else None
    return language, title or None


@cache
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@cache
def _formatter() -> HtmlFormatter[str]:
    # `nowrap`: just the token spans; the reader supplies its own <pre><code>.
    return HtmlFormatter(nowrap=True, classprefix="tok-")


def code_block_html(code: str, info: str) -> str:
    """`<div class="code-block">` holding an optional title and the highlighted `<pre>`."""
    language, title = parse_info(info)
    lexer = _lexer(language) if language and len(code) <= MAX_HIGHLIGHT_CHARS else None
    body = highlight(code, lexer, _formatter()) if lexer is not None else html.escape(code)
    lang_class = f' class="language-{html.escape(language)}"' if language else ""
    head = f'<p class="code-title">{html.escape(title)}</p>' if title else ""
    return f'<div class="code-block">{head}<pre><code{lang_class}>{body}</code></pre></div>\n'
