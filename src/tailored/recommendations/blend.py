"""Blend the sources' candidates into one list, leave out what must be left out, diversify.

An item proposed by several sources keeps the reason of the one that scored it highest and
gains a little for the agreement. Diversity is greedy: each pick lowers the next picks from
the same chapter and module, and a chapter never fills more than `max_per_chapter` places.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from tailored.recommendations.sources import Candidate

AGREEMENT = 0.15
SAME_CHAPTER = 0.6
SAME_MODULE = 0.85
# Candidates considered for diversity, per place asked for.
POOL_PER_ITEM = 5


@dataclass(frozen=True, slots=True)
class Pick:
    candidate: Candidate
    score: float


def blend(
    proposals: Iterable[Candidate],
    weights: Mapping[str, float],
    excluded: Callable[[str], bool],
) -> list[Pick]:
    """Each item once, best first, with its weighted score; excluded items are dropped."""
    best: dict[str, tuple[float, Candidate, float]] = {}
    for candidate in proposals:
        key = candidate.item.key
        weighted = candidate.score * weights.get(candidate.source, 0.0)
        if weighted <= 0 or excluded(key):
            continue
        found = best.get(key)
        if found is None:
            best[key] = (weighted, candidate, 0.0)
        elif weighted > found[0]:
            best[key] = (weighted, candidate, found[2] + found[0])
        else:
            best[key] = (found[0], found[1], found[2] + weighted)
    picks = [
        Pick(candidate, score + AGREEMENT * min(others, 1.0))
        for score, candidate, others in best.values()
    ]
    picks.sort(key=lambda p: (-p.score, p.candidate.item.index))
    return picks


def diversify(picks: list[Pick], n: int, *, max_per_chapter: int) -> list[Pick]:
    """Up to `n` picks, best first after the same-chapter and same-module discounts."""
    pool = picks[: max(n * POOL_PER_ITEM, n)]
    chosen: list[Pick] = []
    chapters: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    while pool and len(chosen) < n:
        best_at, best_score = -1, -1.0
        for at, pick in enumerate(pool):
            item = pick.candidate.item
            if chapters[item.chapter_id] >= max_per_chapter:
                continue
            score = (
                pick.score
                * SAME_CHAPTER ** chapters[item.chapter_id]
                * SAME_MODULE ** modules[item.module]
            )
            if score > best_score:
                best_at, best_score = at, score
        if best_at < 0:
            break
        pick = pool.pop(best_at)
        chosen.append(Pick(pick.candidate, round(best_score, 4)))
        chapters[pick.candidate.item.chapter_id] += 1
        modules[pick.candidate.item.module] += 1
    return chosen
