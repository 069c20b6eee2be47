"""The recommender one process keeps: the catalogue and its similar-content neighbours, built
once per content generation, and short-lived copies of popular lists and cold-start picks.

A request reads the index and a few per-learner facts and does O(k) work; the index is
rebuilt off the event loop when the library changes (this process's ingest at once, another
process's within `refresh_seconds`, serving the old index meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from cachetools import LRUCache, TTLCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.recommendations import RecommendationsConfig
from tailored.content import service as content
from tailored.kit.db import transaction
from tailored.recommendations.blend import Pick, blend, diversify
from tailored.recommendations.catalog import Catalogue, build_catalogue, chapter_of
from tailored.recommendations.similarity import Neighbours, neighbours
from tailored.recommendations.sources import (
    COLD_START,
    Candidate,
    History,
    Interests,
    Popular,
    because_completed,
    cold_start,
    next_in_order,
    popular,
    similar,
)

log = logging.getLogger("tailored.recommendations")


@dataclass(frozen=True)
class Index:
    fingerprint: tuple[int, str]
    catalogue: Catalogue
    neighbours: Sequence[Neighbours]
    built_seconds: float


async def build_index(
    maker: async_sessionmaker[AsyncSession], config: RecommendationsConfig
) -> Index:
    """Read the library and compute every item's neighbours (in a worker thread)."""
    async with transaction(maker) as session:
        fingerprint = await content.library_fingerprint(session)
        chapters = await content.library_with_sections(session)
        catalogue = build_catalogue(chapters)
    started = time.perf_counter()
    texts = [item.text for item in catalogue.items]
    owners = [catalogue.chapter_rank[item.chapter_id] for item in catalogue.items]
    near = await asyncio.to_thread(
        neighbours, texts, owners, k=config.neighbours, min_score=config.min_similarity
    )
    return Index(fingerprint, catalogue, near, time.perf_counter() - started)


class Excluded:
    """What a list must leave out: exact content ids, and whole chapters (a completed,
    skipped or excluded chapter takes its sections with it)."""

    def __init__(self, history: History, exclude: Sequence[str]) -> None:
        whole = [*history.completed, *history.skipped, *exclude]
        self.chapters = {key for key in whole if "#" not in key}
        self.keys = {*whole, *history.served}

    def __call__(self, key: str) -> bool:
        return key in self.keys or chapter_of(key) in self.chapters


class Recommender:
    def __init__(self) -> None:
        self._index: Index | None = None
        self._generation = -1
        self._checked_at = 0.0
        self._lock = asyncio.Lock()
        self._rebuilding: asyncio.Task[None] | None = None
        self._popular: TTLCache[str, Popular] = TTLCache(256, 30.0)
        self._cold: LRUCache[Interests, list[Candidate]] = LRUCache(1024)

    async def index(
        self, maker: async_sessionmaker[AsyncSession], config: RecommendationsConfig
    ) -> Index:
        """The current index: built on first use and after this process's own ingest;
        another process's ingest is noticed within `refresh_seconds` and rebuilt behind."""
        current = self._index
        now = time.monotonic()
        if (
            current is not None
            and self._generation == content.generation()
            and now - self._checked_at < config.refresh_seconds
        ):
            return current
        if current is None or self._generation != content.generation():
            async with self._lock:
                if self._index is None or self._generation != content.generation():
                    generation = content.generation()
                    self._install(await build_index(maker, config), generation)
            assert self._index is not None
            return self._index
        self._checked_at = now
        async with transaction(maker) as session:
            fingerprint = await content.library_fingerprint(session)
        if fingerprint != current.fingerprint and self._rebuilding is None:
            self._rebuilding = asyncio.create_task(self._rebuild(maker, config))
        return current

    def _install(self, index: Index, generation: int) -> None:
        self._index = index
        self._generation = generation
        self._checked_at = time.monotonic()
        self._cold.clear()
        log.info(
            "recommendations index: %d items, neighbours in %.2f s",
            len(index.catalogue),
            index.built_seconds,
        )

    async def _rebuild(
        self, maker: async_sessionmaker[AsyncSession], config: RecommendationsConfig
    ) -> None:
        try:
            generation = content.generation()
            self._install(await build_index(maker, config), generation)
        except Exception:  # the old index keeps serving; the next check tries again
            log.exception("rebuilding the recommendations index failed")
        finally:
            self._rebuilding = None

    def cached_popular(self, audience: str) -> Popular | None:
        return self._popular.get(audience)

    def remember_popular(self, audience: str, ranked: Popular, ttl: float) -> None:
        if self._popular.ttl != ttl:
            self._popular = TTLCache(256, ttl)
        self._popular[audience] = ranked

    def recommend(
        self,
        index: Index,
        config: RecommendationsConfig,
        *,
        history: History,
        interests: Interests,
        ranked: Popular,
        exclude: Sequence[str],
        n: int,
    ) -> list[Pick]:
        """Up to `n` items for one learner, each with the source and reason that chose it."""
        catalogue = index.catalogue
        weights = config.weights.model_dump()
        if history.is_empty:
            weights[COLD_START] = config.weights.cold_start_alone
        proposals: list[Candidate] = [
            *next_in_order(catalogue, history),
            *because_completed(catalogue, index.neighbours, history),
            *similar(catalogue, index.neighbours, history),
            *popular(catalogue, ranked, limit=max(3 * n, 20)),
            *self._cold_start(catalogue, interests),
        ]
        picks = blend(proposals, weights, Excluded(history, exclude))
        return diversify(picks, n, max_per_chapter=config.max_per_chapter)

    def _cold_start(self, catalogue: Catalogue, interests: Interests) -> list[Candidate]:
        found = self._cold.get(interests)
        if found is None:
            found = self._cold[interests] = cold_start(catalogue, interests)
        return found
