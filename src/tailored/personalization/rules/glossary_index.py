"""One compiled matcher per glossary, cached by the library's context hash.

Matching each term separately would scan a chapter once per term; a single pattern built
as a trie of all names scans it once, whatever the glossary's size.

Case: a name with a capital letter after its first character (`URDF`, `ROS 2`, `TensorRT`,
`Isaac Sim`) is an acronym or proper name and matches with that exact case; any other name
(`point cloud`, `Gazebo`) matches in any case. A plural `s`/`es` may follow any name.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from threading import Lock
from typing import TypeAlias

from tailored.personalization.adapter import GlossaryTerm, Library

_CACHE_SIZE = 16
_LABEL_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class GlossaryIndex:
    terms: tuple[GlossaryTerm, ...]
    pattern: re.Pattern[str]
    # Footnote label suffix per term (unique, derived from the term).
    slugs: tuple[str, ...]
    _exact: dict[str, int]
    _folded: dict[str, int]

    def lookup(self, matched: str) -> int | None:
        """Index of the term a match of `pattern` names (plural endings tried off)."""
        text = " ".join(matched.split())
        for candidate in (text, text[:-1], text[:-2]):
            found = self._exact.get(candidate)
            if found is None:
                found = self._folded.get(candidate.lower())
            if found is not None:
                return found
        return None


_cache: OrderedDict[Hashable, GlossaryIndex | None] = OrderedDict()
_lock = Lock()


def glossary_index(library: Library) -> GlossaryIndex | None:
    """The matcher for the library's glossary; None when it has no terms."""
    key: Hashable = library.context_hash or library.glossary
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    index = build_index(library.glossary)
    with _lock:
        _cache[key] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def case_sensitive(name: str) -> bool:
    return any(char.isupper() for char in name[1:])


def build_index(terms: tuple[GlossaryTerm, ...]) -> GlossaryIndex | None:
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}
    for number, term in enumerate(terms):
        for name in (term.term, *term.aliases):
            normal = " ".join(name.split())
            if not normal:
                continue
            if case_sensitive(normal):
                exact.setdefault(normal, number)
            else:
                folded.setdefault(normal.lower(), number)
    if not exact and not folded:
        return None
    branches = []
    if exact:
        branches.append(_trie_pattern(exact))
    if folded:
        branches.append(f"(?i:{_trie_pattern(folded)})")
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(branches) + r")(?:[eE]?[sS])?(?![\w-])")
    return GlossaryIndex(terms, pattern, _slugs(terms), exact, folded)


def _slugs(terms: tuple[GlossaryTerm, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    slugs: list[str] = []
    for number, term in enumerate(terms):
        slug = _LABEL_RE.sub("-", term.term.lower()).strip("-") or f"term-{number}"
        if slug in seen:
            slug = f"{slug}-{number}"
        seen.add(slug)
        slugs.append(slug)
    return tuple(slugs)


_Trie: TypeAlias = dict[str, "_Trie"]


def _trie_pattern(names: dict[str, int]) -> str:
    trie: _Trie = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here
    return _node_pattern(trie)


def _node_pattern(node: _Trie) -> str:
    branches = [_atom(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A name ending here is optional: greedy `?` tries the longer names first.
    return f"(?:{body})?" if "" in node else body


def _atom(char: str) -> str:
    # Multi-word names may break across lines or use several spaces.
    return r"\s+" if char == " " else re.escape(char)
