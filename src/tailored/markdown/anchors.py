"""Heading anchors as Docusaurus computes them (github-slugger plus ``{#explicit-id}``)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["Slugger", "parse_heading_id", "slugify"]

# github-slugger removes the General Categories No, Ps, Pe, Pi, Pf, Po, Pd, S*, Cc, Cf, Co, Cn
# and Z*, sparing ' ', '-' and Alphabetic code points; what survives is L*, M*, plus these.
_KEPT_CATEGORIES = frozenset({"Nd", "Nl", "Pc", "Cs"})

# Alphabetic code points outside the letter and mark categories (circled and squared Latin
# letters, General Category So); github-slugger keeps them.
_OTHER_ALPHABETIC_RANGES = (
    (0x24B6, 0x24E9),
    (0x1F130, 0x1F149),
    (0x1F150, 0x1F169),
    (0x1F170, 0x1F189),
)

# Docusaurus's parseMarkdownHeadingId, anchored at the very end of the heading text.
_HEADING_ID_RE = re.compile(r"\s*\{#((?:[^\n\r\u2028\u2029](?!\{#|\}))*[^\n\r\u2028\u2029])\}\Z")


def _keep(char: str) -> bool:
    if char == " " or char == "-":
        return True
    category = unicodedata.category(char)
    if category[0] in "LM" or category in _KEPT_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _OTHER_ALPHABETIC_RANGES)


def slugify(value: str, *, maintain_case: bool = False) -> str:
    """Slug of one heading text, without duplicate tracking (github-slugger's ``slug()``)."""
    if not maintain_case:
        value = value.lower()
    return "".join(char for char in value if _keep(char)).replace(" ", "-")


def parse_heading_id(text: str) -> tuple[str, str | None]:
    """Split ``"Title {#my-id}"`` into ``("Title", "my-id")``; no explicit id gives None."""
    match = _HEADING_ID_RE.search(text)
    if match is None:
        return text, None
    return text[: match.start()] + text[match.end() :], match.group(1)


class Slugger:
    """Stateful slugger for one document: repeated slugs get ``-1``, ``-2``… suffixes."""

    def __init__(self) -> None:
        self._occurrences: dict[str, int] = {}

    def reset(self) -> None:
        """Forget every slug seen so far."""
        self._occurrences.clear()

    def slug(self, value: str, *, maintain_case: bool = False) -> str:
        """Slugify ``value`` and make it unique within this document."""
        return self._unique(slugify(value, maintain_case=maintain_case))

    def register(self, anchor: str) -> str:
        """Claim an explicit anchor as is, suffixed only if this document already used it."""
        return self._unique(anchor)

    def _unique(self, original: str) -> str:
        result = original
        while result in self._occurrences:
            self._occurrences[original] += 1
            result = f"{original}-{self._occurrences[original]}"
        self._occurrences[result] = 0
        return result
