"""The glossary the tutor reads: the author's `glossary.yml` today.

One small seam (`Term`, `load_*`) so the mined glossary can replace or extend it later
without the tutor changing: answers only need a term, its other names and a definition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.content import service as content
from tailored.content.glossary import GlossaryError, find_glossary, parse_glossary
from tailored.tutor.text import query_terms, words


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


async def load_stored(session: AsyncSession) -> tuple[Term, ...]:
    """The glossary of the ingested library."""
    return tuple(Term(t, d, tuple(a)) for t, d, a in await content.glossary_entries(session))


def load_folder(root: Path) -> tuple[Term, ...]:
    """The glossary of a docs folder (offline use); a broken file gives none."""
    path = find_glossary(root)
    if path is None:
        return ()
    try:
        return tuple(
            Term(t.term, t.definition, t.aliases) for t in parse_glossary(path.read_text("utf-8"))
        )
    except (GlossaryError, UnicodeDecodeError):
        return ()


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def expand(question: str, glossary: Sequence[Term]) -> list[str]:
    """Terms of the other names of glossary terms the question names ("URDF" → "unified
    robot description format")."""
    said = words(question)
    out: list[str] = []
    for term in glossary:
        if any(_contains(said, words(name)) for name in term.names):
            for name in term.names:
                out += [w for w in query_terms(name) if w not in out]
    return out


def defined_in(text: str, glossary: Sequence[Term], most: int = 3) -> list[Term]:
    """Glossary terms `text` uses, in order of first use (at most `most`)."""
    found: list[tuple[int, Term]] = []
    for term in glossary:
        positions = [
            m.start()
            for name in term.names
            if (m := re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)) is not None
        ]
        if positions:
            found.append((min(positions), term))
    return [t for _p, t in sorted(found, key=lambda pair: pair[0])][:most]
