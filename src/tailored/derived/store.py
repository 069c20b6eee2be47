"""Stored derived results: the database row is the truth, the cache holds a hot copy.

Every cache key a derived result uses starts with one of `PREFIXES`, so an operator (and the
next engineer) finds them in one place; `tags` lets a whole kind be dropped at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic

from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.derived.outcome import Outcome, Transformation
from tailored.derived.repository import DerivedRepository, Row
from tailored.kit.cache import Cache, set_until
from tailored.kit.db import transaction
from tailored.models import Base, RequestStatus

# Cache-key prefixes of everything derived from a chapter, by kind (tag = the kind's name).
PREFIXES: Mapping[str, str] = {
    "personalized": "pz",  # a personalized chapter (hot copy of personalized_results)
    "translated": "tr",  # a machine translation (hot copy of machine_translations)
    "adapted-human": "trh:rules",  # the offline adapter over a human translation (cache only)
    "human-report": "trh:report",  # staleness and structure of a human translation (cache only)
}
# A hot copy lives at most this long (the row may live longer; it is copied again on use).
HOT_TTL = 24 * 3600.0
# The nearest copy: each process keeps the hottest results in memory for a few seconds. A key
# names exactly what its result depends on, so a whole result never changes under its key;
# what a near copy can miss is only a removal (`cache clear`, eviction), seen within NEAR_TTL.
# Partial results are never kept near (a retry may replace them).
NEAR_TTL = 5.0
NEAR_ENTRIES = 512


def encode(outcome: Outcome) -> bytes:
    return json.dumps(
        {
            "content": outcome.content,
            "applied": [[t.name, t.detail] for t in outcome.applied],
            "status": outcome.status.value,
            "unfinished": list(outcome.unfinished),
        }
    ).encode()


def decode(raw: bytes) -> Outcome:
    data = json.loads(raw)
    return Outcome(
        data["content"],
        tuple(Transformation(n, d) for n, d in data["applied"]),
        status=RequestStatus(data["status"]),
        unfinished=tuple(data["unfinished"]),
    )


@dataclass(frozen=True)
class Found:
    live: Outcome | None
    # An expired partial result: the sections it got right need not be made again.
    previous: Outcome | None


@dataclass(frozen=True)
class Lifetimes:
    """How long a stored result lives: whole, or partial (a retry might do better)."""

    full: timedelta
    partial: timedelta


class ResultStore(Generic[Row]):
    """One kind of derived result in the database (`model`) with hot copies in the cache."""

    def __init__(
        self,
        kind: str,
        model: type[Row],
        *,
        cache: Cache,
        sessionmaker: async_sessionmaker[AsyncSession],
        lifetimes: Lifetimes,
    ) -> None:
        self.kind = kind
        self.prefix = PREFIXES[kind]
        self.model = model
        self.cache = cache
        self.sessionmaker = sessionmaker
        self.lifetimes = lifetimes
        self.near: TTLCache[str, Outcome] = TTLCache(NEAR_ENTRIES, NEAR_TTL)

    def hot_key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    async def hot(self, key: str) -> Outcome | None:
        """The near or hot copy only (no database read)."""
        if (near := self.near.get(key)) is not None:
            return near
        raw = await self.cache.get(self.hot_key(key))
        if raw is None:
            return None
        outcome = decode(raw)
        if not outcome.partial:
            self.near[key] = outcome
        return outcome

    async def lookup(self, key: str) -> Found:
        """The hot copy, else the stored row: live (copied to the cache again), or an expired
        partial one that a retry can build on. One database read."""
        if (outcome := await self.hot(key)) is not None:
            return Found(outcome, None)
        async with transaction(self.sessionmaker) as db:
            row = await DerivedRepository(db, self.model).get_any(key)
        if row is None:
            return Found(None, None)
        outcome = _outcome(row)
        fields: Any = row
        if fields.expires_at <= datetime.now(UTC):
            return Found(None, outcome if outcome.partial else None)
        await self._hot_copy(key, fields.chapter_id, outcome, fields.expires_at)
        return Found(outcome, None)

    async def save(
        self, key: str, chapter_id: str, outcome: Outcome, columns: Mapping[str, Any]
    ) -> None:
        """Store `outcome` under `key`, in a short transaction of its own; `columns` are the
        kind's own (the shared ones come from the outcome)."""
        now = datetime.now(UTC)
        life = self.lifetimes.partial if outcome.partial else self.lifetimes.full
        values: dict[str, Any] = {
            "key": key,
            "chapter_id": chapter_id,
            "content": outcome.content,
            "status": outcome.status.value,
            "unfinished": list(outcome.unfinished),
            "size_bytes": len(outcome.content.encode()),
            "created_at": now,
            "expires_at": now + life,
            **columns,
        }
        async with transaction(self.sessionmaker, write=True) as db:
            await DerivedRepository(db, self.model).put(values)
        # After the commit: a process that waited on the lock finds the hot copy or the row.
        await self._hot_copy(key, chapter_id, outcome, values["expires_at"])

    async def forget(self, keys: list[str]) -> None:
        for key in keys:
            self.near.pop(key, None)
        if keys:
            await self.cache.delete(*(self.hot_key(k) for k in keys))

    async def forget_all(self) -> None:
        """Drop every hot copy of this kind; stored rows stay and are found again."""
        self.near.clear()
        await self.cache.invalidate_tags(self.kind)

    async def _hot_copy(
        self, key: str, chapter_id: str, outcome: Outcome, expires_at: datetime
    ) -> None:
        await set_until(
            self.cache,
            self.hot_key(key),
            encode(outcome),
            expires_at=expires_at,
            max_ttl=HOT_TTL,
            tags=(f"chapter:{chapter_id}", self.kind),
        )


def _outcome(stored: Base) -> Outcome:
    row: Any = stored
    return Outcome(
        row.content,
        tuple(Transformation(a["name"], a["detail"]) for a in getattr(row, "applied", ())),
        status=RequestStatus(row.status),
        unfinished=tuple(row.unfinished),
    )
