"""Protected regions inside prose: mask them before a rewrite, restore them after.

`mask` swaps code, URLs, link targets, tags, math, footnote refs and heading ids for
placeholders like `⟦P0⟧`; `unmask` puts them back and refuses output in which any
placeholder went missing, was duplicated, altered or invented. Mathematical white
square brackets are rare in prose and survive LLM round trips and most MT systems.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

OPEN, CLOSE = "⟦", "⟧"
_PLACEHOLDER_RE = re.compile(r"⟦P(0|[1-9]\d*)⟧")
# Forms a rewrite tends to produce when it mangles a placeholder.
_MANGLED_RE = re.compile(r"[⟦⟧]|\[\[\s*P\s*\d+\s*\]\]")

_URL_CHARS = r"[^\s<>()\[\]]"
_PROTECTED_RE = re.compile(
    "|".join(
        (
            r"(?P<existing>⟦[^⟦⟧\n]*⟧)",
            # A fence inside a list item or quote: mask the fence, keep the line's prefix.
            r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:"
            r"(?P<fence>(?P<bt>`{3,})[^`\n]*(?:\n.*?)??(?:\n[ \t>]*(?P=bt)`*[ \t]*(?=\n|\Z)|\Z))"
            r"|(?P<tfence>(?P<tl>~{3,})[^\n]*(?:\n.*?)??(?:\n[ \t>]*(?P=tl)~*[ \t]*(?=\n|\Z)|\Z))"
            r")",
            r"(?P<refdef>^[ \t]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*\S[^\n]*)",
            r"(?P<mathblock>\$\$.+?\$\$)",
            r"(?P<code>(?<!`)(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))",
            r"(?P<comment><!--.*?-->)",
            r"(?P<autolink><(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>)",
            r"(?P<tag></?[A-Za-z][\w.:-]*(?:[^<>{}\"']|\"[^\"\n]*\"|'[^'\n]*'|\{[^{}]*\})*>)",
            r"(?P<expression>\{[^{}]*\})",
            r"(?P<math>(?<![\\$])\$(?![\s$])[^$\n]+?(?<![\s\\])\$(?!\d))",
            r"(?P<footnote>\[\^[^\]\s]+\])",
            r"(?<=\])(?P<target>\((?:<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
            r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\))",
            r"(?<=\])(?P<label>\[[^\[\]\n]*\])",
            r"(?P<shortcut>\[[^\[\]\n]+\](?:\[\])?(?![(\[:]))",
            r"(?P<admonition>^[ \t]*:{3,}[A-Za-z-]*)",
            rf"(?P<url>\b(?:https?|ftp)://{_URL_CHARS}*[^\s<>()\[\].,;:!?'\"])",
        )
    ),
    re.MULTILINE | re.DOTALL,
)
_WHITESPACE_RE = re.compile(r"\s+")


class PlaceholderError(ValueError):
    """A rewrite did not hand back every placeholder exactly once, unchanged."""

    def __init__(self, message: str, placeholders: tuple[str, ...]) -> None:
        super().__init__(message)
        self.placeholders = placeholders


class MissingPlaceholderError(PlaceholderError):
    """A placeholder of the input is absent from the rewrite."""


class DuplicatedPlaceholderError(PlaceholderError):
    """A placeholder occurs more than once in the rewrite."""


class AlteredPlaceholderError(PlaceholderError):
    """Something placeholder-like is in the rewrite but no longer a valid placeholder."""


class UnknownPlaceholderError(PlaceholderError):
    """The rewrite contains a well-formed placeholder that the input never had."""


@dataclass(frozen=True, slots=True)
class Masked:
    """Masked text and the original text of each placeholder, by number."""

    text: str
    originals: tuple[str, ...]

    @staticmethod
    def placeholder(number: int) -> str:
        """The placeholder string for one protected region."""
        return f"{OPEN}P{number}{CLOSE}"


def _normalize_label(label: str) -> str:
    # markdown-it's normalizeReference: collapse whitespace, case-fold.
    return _WHITESPACE_RE.sub(" ", label.strip()).lower().upper()


def _label(shortcut: str) -> str:
    """Normalized label of `[label]` or `[label][]`."""
    return _normalize_label(shortcut.removesuffix("[]")[1:-1])


def mask(text: str, *, reference_labels: Collection[str] = ()) -> Masked:
    """Replace the protected regions of a prose block with numbered placeholders.

    `reference_labels` (see `Document.reference_labels`) lets shortcut and collapsed
    reference links (`[label]`, `[label][]`) be masked whole, since their text is the key.
    """
    labels = {_normalize_label(label) for label in reference_labels}
    parts: list[str] = []
    originals: list[str] = []
    pos = 0
    search = _PROTECTED_RE.search
    while (match := search(text, pos)) is not None:
        group = match.lastgroup  # the outermost named group of the alternative that matched
        assert group is not None
        if group == "shortcut" and _label(match.group()) not in labels:
            parts.append(text[pos : match.start() + 1])
            pos = match.start() + 1
            continue
        start, end = match.span(group)
        parts.append(text[pos:start])
        parts.append(Masked.placeholder(len(originals)))
        originals.append(text[start:end])
        pos = end
    if not originals:
        return Masked(text, ())
    parts.append(text[pos:])
    return Masked("".join(parts), tuple(originals))


def unmask(masked_text: str, masked: Masked) -> str:
    """Restore the protected regions in a rewritten text, checking every placeholder."""
    found = _PLACEHOLDER_RE.findall(masked_text)
    mangled = _MANGLED_RE.findall(_PLACEHOLDER_RE.sub("", masked_text))
    if mangled:
        raise AlteredPlaceholderError(f"altered placeholders: {mangled}", tuple(mangled))
    counts = Counter(int(number) for number in found)
    total = len(masked.originals)
    unknown = tuple(Masked.placeholder(n) for n in sorted(counts) if n >= total)
    if unknown:
        raise UnknownPlaceholderError(f"unknown placeholders: {list(unknown)}", unknown)
    duplicated = tuple(Masked.placeholder(n) for n, count in sorted(counts.items()) if count > 1)
    if duplicated:
        raise DuplicatedPlaceholderError(f"duplicated placeholders: {list(duplicated)}", duplicated)
    missing = tuple(Masked.placeholder(n) for n in range(total) if n not in counts)
    if missing:
        raise MissingPlaceholderError(f"missing placeholders: {list(missing)}", missing)
    return _PLACEHOLDER_RE.sub(lambda m: masked.originals[int(m.group(1))], masked_text)
