"""The named sources a list is blended from; each proposes candidates with a reason.

Every source is O(k) in what it reads (a few history items, their precomputed neighbours, a
popular list), never O(catalogue); only the cold start scores chapters, once per profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from tailored.recommendations.catalog import Catalogue, Item, normalize_tag
from tailored.recommendations.similarity import Neighbours

SourceName = Literal["next_in_order", "because_completed", "similar", "popular", "cold_start"]
NEXT_IN_ORDER: Final = "next_in_order"
BECAUSE_COMPLETED: Final = "because_completed"
SIMILAR: Final = "similar"
POPULAR: Final = "popular"
COLD_START: Final = "cold_start"
SOURCES: tuple[SourceName, ...] = get_args(SourceName)

# How many of the latest completions / most engaged items seed the similarity sources.
SEEDS = 3
NEXT_STEPS = 3
COLD_START_ITEMS = 20


@dataclass(frozen=True, slots=True)
class Candidate:
    item: Item
    score: float  # 0..1 within its source
    source: SourceName
    reason: str


@dataclass(frozen=True)
class History:
    """What one learner did, as the sources read it (content ids, see catalog.Item.key)."""

    completed: Sequence[str] = ()  # latest first
    engaged: Sequence[str] = ()  # highest decayed score first (views, bookmarks...)
    skipped: frozenset[str] = frozenset()
    served: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.completed and not self.engaged


@dataclass(frozen=True)
class Popular:
    """Most popular content ids first with their popularity; `audience` False: everyone's."""

    items: Sequence[tuple[str, float]] = ()
    audience: bool = False


def next_in_order(catalogue: Catalogue, history: History) -> list[Candidate]:
    """What follows the learner's latest completion in the book: the rest of a chapter after a
    section, then the chapters after it."""
    latest = next((i for k in history.completed if (i := catalogue.get(k)) is not None), None)
    if latest is None:
        return []
    steps: list[tuple[Item, str]] = []
    if not latest.is_chapter:
        rest = catalogue.sections.get(latest.chapter_id, ())
        following = [s for s in rest if s.index > latest.index]
        steps += [(s, f"Next in '{s.chapter_title}'") for s in following]
    rank = catalogue.chapter_rank[latest.chapter_id]
    for chapter in catalogue.chapters[rank + 1 : rank + 1 + NEXT_STEPS]:
        steps.append((chapter, f"Next in {catalogue.module_name(chapter)}"))
    return [
        Candidate(item, 1.0 - 0.15 * i, NEXT_IN_ORDER, reason)
        for i, (item, reason) in enumerate(steps[:NEXT_STEPS])
    ]


def _around(
    catalogue: Catalogue,
    neighbours: Sequence[Neighbours],
    seeds: Sequence[str],
    source: SourceName,
    reason: str,
) -> list[Candidate]:
    found: list[Candidate] = []
    used = 0
    for key in seeds:
        seed = catalogue.get(key)
        if seed is None:
            continue
        near = neighbours[seed.index]
        if near:
            best = near[0][1]
            recency = 1.0 - 0.15 * used
            for index, similarity in near:
                item = catalogue.items[index]
                found.append(
                    Candidate(item, recency * similarity / best, source, reason.format(seed.title))
                )
        used += 1
        if used == SEEDS:
            break
    return found


def because_completed(
    catalogue: Catalogue, neighbours: Sequence[Neighbours], history: History
) -> list[Candidate]:
    """Content like what the learner completed last."""
    return _around(
        catalogue, neighbours, history.completed, BECAUSE_COMPLETED, "Because you completed '{}'"
    )


def similar(
    catalogue: Catalogue, neighbours: Sequence[Neighbours], history: History
) -> list[Candidate]:
    """Content like what the learner engaged with most (read, bookmarked) lately."""
    return _around(catalogue, neighbours, history.engaged, SIMILAR, "Similar to '{}'")


def popular(catalogue: Catalogue, ranked: Popular, limit: int) -> list[Candidate]:
    """The most popular items of the learner's audience (or of everyone)."""
    reason = "Popular with learners like you" if ranked.audience else "Popular with learners"
    found: list[Candidate] = []
    top = ranked.items[0][1] if ranked.items else 0.0
    for key, value in ranked.items:
        item = catalogue.get(key)
        if item is not None and top > 0 and value > 0:
            found.append(Candidate(item, value / top, POPULAR, reason))
        if len(found) == limit:
            break
    return found


@dataclass(frozen=True)
class Interests:
    """The profile fields the cold start reads, normalized."""

    terms: frozenset[str] = frozenset()
    level: str | None = None  # beginner / intermediate / advanced
    gentle: bool = False
    # normalized term → as the learner said it (a tuple: interests key a cache)
    labels: tuple[tuple[str, str], ...] = ()

    def label(self, term: str) -> str:
        return dict(self.labels).get(term, term)

    @classmethod
    def from_profile(cls, profile: dict[str, Any] | None) -> Interests:
        if not profile:
            return cls()
        labels: dict[str, str] = {}
        for name in ("interests", "hardware_domains", "frameworks", "languages"):
            for value in profile.get(name) or ():
                if isinstance(value, str) and value.strip() and value != "none":
                    labels.setdefault(normalize_tag(value), value)
        level = profile.get("software_level")
        return cls(
            terms=frozenset(labels),
            level=level if isinstance(level, str) else None,
            gentle=profile.get("difficulty_preference") == "gentle",
            labels=tuple(sorted(labels.items())),
        )


_LEVELS = {"beginner": 0, "intermediate": 1, "advanced": 2}


def cold_start(catalogue: Catalogue, interests: Interests) -> list[Candidate]:
    """Chapters for a profile: those tagged with the learner's interests, at their level, with
    prerequisites they can start without; the start of the book for a profile that says little."""
    scored: list[tuple[float, int, Item, str]] = []
    total = max(len(catalogue.chapters), 1)
    reader_level = _LEVELS.get(interests.level or "", 0)
    if interests.gentle:
        reader_level = max(reader_level - 1, 0)
    for rank, chapter in enumerate(catalogue.chapters):
        matched = sorted(interests.terms & chapter.tags)
        score = 0.5 * min(len(matched), 2)
        gap = _LEVELS.get(chapter.difficulty or "", reader_level) - reader_level
        score += 0.3 if gap == 0 else (-0.3 if gap > 1 else 0.0)
        if not chapter.prerequisites:
            score += 0.2
        score += 0.1 * (1 - rank / total)  # earlier in the book: a gentler start
        if matched:
            reason = f"Matches your interest in {interests.label(matched[0])}"
        elif rank == 0 or not chapter.prerequisites:
            reason = "A good place to start"
        elif gap == 0 and chapter.difficulty:
            reason = f"At your level ({chapter.difficulty})"
        else:
            reason = "Suggested for your profile"
        scored.append((score, -rank, chapter, reason))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scored[0][0] if scored and scored[0][0] > 0 else 1.0
    return [
        Candidate(item, max(score, 0.0) / best, COLD_START, reason)
        for score, _, item, reason in scored[:COLD_START_ITEMS]
    ]
