"""Small pieces of generated Markdown/MDX, escaped so that MDX never reads them as code."""

from __future__ import annotations

import re

# `{` starts a JS expression and `<` a tag in MDX; brackets would start links or footnotes.
_SPECIAL_RE = re.compile(r"([\\{}<>\[\]])")


def escape_text(text: str) -> str:
    """Plain text made safe for MDX prose (one line)."""
    return _SPECIAL_RE.sub(r"\\\1", " ".join(text.split()))
