"""The cache structures signals keep, with the original design's lifetimes, on either cache
backend. All are copies: losing one costs a database read, never an answer.

| key                                   | type       | TTL  | what                                |
|---------------------------------------|------------|------|-------------------------------------|
| sig:seen:{learner}                    | sorted set | 48 h | event ids stored lately (dedup)     |
| sig:recent:{learner}:{session}        | list ≤ 50  | 24 h | content a session opened, newest 1st|
| prefs:{user id} (profiles.service)    | hash       | 7 d  | high-confidence traits              |
| sig:flags:{learner}                   | hash       | 24 h | feature-flag assignments            |
| sig:embedding:{learner}               | string     | 6 h  | the learner's content embedding     |

The dedup set is written only after the events' transaction committed, so it never claims an
event the database does not have; the database's unique id stays the real guard.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.signals import SignalsConfig
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models.signals import preferences_cache_key
from tailored.profiles import service as profiles
from tailored.signals.schemas import Signal

log = logging.getLogger("tailored.signals")

DEDUP_TTL = 48 * 3600.0
RECENT_TTL = 24 * 3600.0
RECENT_MAX = 50
PREFERENCES_TTL = 7 * 24 * 3600.0
FLAGS_TTL = 24 * 3600.0
EMBEDDING_TTL = 6 * 3600.0


# The same names models.signals.user_cache_keys lists for accounts to drop.
def seen_key(learner: str) -> str:
    return f"sig:seen:{learner}"


def recent_key(learner: str, session_id: str) -> str:
    return f"sig:recent:{learner}:{session_id}"


def flag_assignments_key(learner: str) -> str:
    """Where tailored.flags keeps a learner's variant per flag (a hash, FLAGS_TTL)."""
    return f"sig:flags:{learner}"


def embedding_key(learner: str) -> str:
    return f"sig:embedding:{learner}"


# --- dedup ---------------------------------------------------------------------------------


async def drop_seen(cache: Cache, signals: Sequence[Signal]) -> tuple[list[Signal], int]:
    """The events whose ids the dedup set does not hold, and how many it did: a retried batch
    costs one cache round trip and no database work."""
    if not signals:
        return [], 0
    since = time.time() - DEDUP_TTL
    # One score per event (not each learner's whole set): the reply is as long as the batch.
    scores = await cache.zscore_many([(seen_key(s.learner), s.id) for s in signals])
    fresh = [s for s, at in zip(signals, scores, strict=True) if at is None or at < since]
    return fresh, len(signals) - len(fresh)


async def remember(cache: Cache, stored: Sequence[Signal]) -> None:
    """After commit: add stored ids to each learner's dedup set and each session's recent
    content list (two round trips for the whole batch)."""
    now = time.time()
    ids: dict[str, dict[str, float]] = defaultdict(dict)
    recent: dict[str, list[bytes]] = defaultdict(list)
    for s in sorted(stored, key=lambda x: x.occurred_at):
        ids[seen_key(s.learner)][s.id] = now
        if s.session_id and s.content_id and s.type == "view":
            recent[recent_key(s.learner, s.session_id)].append(s.content_id.encode())
    await cache.zadd_many(ids, drop_below=now - DEDUP_TTL, ttl=DEDUP_TTL)
    await cache.list_push_many(recent, max_len=RECENT_MAX, ttl=RECENT_TTL)


async def session_recent(cache: Cache, learner: str, session_id: str) -> list[str]:
    """Content this session viewed, newest first (at most 50, for 24 h)."""
    return [v.decode() for v in await cache.list_range(recent_key(learner, session_id))]


# --- preferences snapshot ---------------------------------------------------------------------


async def preferences(
    cache: Cache, session: AsyncSession, user_id: uuid.UUID, *, config: SignalsConfig
) -> dict[str, Any]:
    """The learner's high-confidence traits, from the cache or built and cached (7 d)."""
    key = preferences_cache_key(user_id)
    found = await cache.hash_get_all(key)
    if found:
        return {k: json.loads(v) for k, v in found.items() if k != "#"}
    return await _build_preferences(cache, session, user_id, config=config)


async def _build_preferences(
    cache: Cache, session: AsyncSession, user_id: uuid.UUID, *, config: SignalsConfig
) -> dict[str, Any]:
    traits = await profiles.list_traits(session, user_id)
    snapshot = {t.key: t.value for t in traits if t.confidence >= config.snapshot_min_confidence}
    key = preferences_cache_key(user_id)
    # "#" marks a built snapshot, so a learner with no such traits is cached too.
    mapping = {"#": b"1", **{k: json.dumps(v).encode() for k, v in snapshot.items()}}
    await cache.hash_set(key, mapping)
    await cache.expire(key, PREFERENCES_TTL)
    return snapshot


async def warm(
    sessionmaker: async_sessionmaker[AsyncSession],
    cache: Cache,
    user_id: uuid.UUID,
    *,
    config: SignalsConfig,
) -> None:
    """At sign-in: build the preferences snapshot so the first personalized read is a hit.
    Best effort: it runs after the response, and a failure only costs that first hit."""
    try:
        async with transaction(sessionmaker) as session:
            await _build_preferences(cache, session, user_id, config=config)
    except Exception:  # noqa: BLE001 - nothing to report to; the next read builds it
        log.warning("could not warm the cache for %s", user_id, exc_info=True)


# --- embedding -------------------------------------------------------------------------------


async def store_embedding(cache: Cache, learner: str, vector: Sequence[float]) -> None:
    await cache.set(embedding_key(learner), json.dumps(list(vector)).encode(), ttl=EMBEDDING_TTL)


async def cached_embedding(cache: Cache, learner: str) -> list[float] | None:
    raw = await cache.get(embedding_key(learner))
    return None if raw is None else [float(x) for x in json.loads(raw)]


async def forget(cache: Cache, learner: str, user_id: uuid.UUID | None) -> None:
    """Drop every structure of a learner (account deleted, or merged into another)."""
    await cache.delete(seen_key(learner), flag_assignments_key(learner), embedding_key(learner))
    await cache.delete_prefix(f"sig:recent:{learner}:")
    if user_id is not None:
        await cache.delete(preferences_cache_key(user_id))
