"""The reader's search box over the tutor's index: sections with a sentence to show."""

from __future__ import annotations

from typing import Any

from tailored.tutor.index import SectionIndex
from tailored.tutor.text import query_terms, sentences, words

SNIPPET = 200


def snippet(text: str, terms: list[str]) -> str:
    """The first sentence naming a term (a prefix of it, for stems), else the first one."""
    said = sentences(text)
    stems = [t[:5] for t in terms]
    chosen = next(
        (s for s in said if any(w.startswith(stem) for w in words(s) for stem in stems)),
        said[0] if said else " ".join(text.split()),
    )
    return chosen if len(chosen) <= SNIPPET else chosen[: SNIPPET - 1].rsplit(" ", 1)[0] + "…"


# Results a search can page through: a search box needs the first few.
DEEPEST = 1000


def search(index: SectionIndex, query: str, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    terms = query_terms(query)
    if offset >= DEEPEST:
        return []
    wanted = min(offset + limit, DEEPEST)
    return [
        {
            "chapter_id": hit.chapter_id,
            "anchor": hit.anchor,
            "heading": hit.heading or hit.chapter_title,
            "snippet": snippet(hit.text, terms),
            "score": hit.score,
        }
        for hit in index.search(terms, limit=wanted, candidates=max(40, wanted))[offset:]
    ]
