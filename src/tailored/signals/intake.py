"""What both intakes (POST /api/events and the Segment-compatible /v1/*) share: who sends,
which learner each item is for, which content it names, and storing the batch with the cache
fast path in front and the cache updates after commit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts import service as accounts
from tailored.config.signals import SignalsConfig
from tailored.content import service as content
from tailored.kit.cache import Cache
from tailored.kit.db import retry_in_savepoint
from tailored.models.signals import preferences_cache_key
from tailored.signals import service, structures
from tailored.signals.identity import (
    learner_for_anonymous,
    learner_for_site_user,
    learner_for_user,
    user_of,
)
from tailored.signals.keys import Site
from tailored.signals.schemas import IngestResult, Signal


@dataclass(frozen=True)
class Merge:
    """An anonymous visitor who signed in: their events move to `target`."""

    source: str
    target: str


@dataclass
class Accepted:
    result: IngestResult
    merged: int = 0
    # Run after the transaction committed (cache writes that must not outlive a rollback).
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def finish(self) -> None:
        for job in self.after_commit:
            await job()


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def site_learners(
    session: AsyncSession, site: Site, refs: Sequence[tuple[str | None, str | None]]
) -> list[str]:
    """The learner key of each (user id, anonymous id) a site sent; a user id that is a
    Tailored account's id names that account, any other a user of the site alone."""
    candidates = {u for uid, _ in refs if uid and (u := _as_uuid(uid)) is not None}
    accounts_found = await accounts.existing_user_ids(session, candidates)
    keys: list[str] = []
    for uid, anonymous in refs:
        if uid:
            as_uuid = _as_uuid(uid)
            if as_uuid is not None and as_uuid in accounts_found:
                keys.append(learner_for_user(as_uuid))
            else:
                keys.append(learner_for_site_user(site.prefix, uid))
        else:
            keys.append(learner_for_anonymous(site.prefix, anonymous or ""))
    return keys


async def known_content(session: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    """content id (a chapter id or slug, or "chapter#anchor" for a section) → the chapter's
    id, for the ids that name a stored chapter."""
    chapters = {i.split("#", 1)[0] for i in ids}
    found = await content.chapter_ids_for(session, sorted(chapters))
    out: dict[str, str] = {}
    for i in ids:
        chapter, sep, anchor = i.partition("#")
        if chapter in found:
            out[i] = found[chapter] + (sep + anchor if anchor else "")
    return out


async def accept(
    session: AsyncSession,
    cache: Cache,
    config: SignalsConfig,
    signals: Sequence[Signal],
    *,
    merges: Sequence[Merge] = (),
) -> Accepted:
    """Store a batch: ids the cache saw lately are duplicates without a database round trip;
    the rest go through service.record_events; then anonymous visitors who signed in move."""
    fresh, seen = await structures.drop_seen(cache, signals)
    # Concurrent batches that share ids or learners can deadlock on PostgreSQL; the batch is
    # idempotent (ids are unique), so it runs again in its savepoint.
    result = await retry_in_savepoint(
        session, lambda: service.record_events(session, fresh, config=config)
    )
    result.duplicates += seen
    accepted = Accepted(result=result)
    for merge in merges:
        accepted.merged += await service.merge_learner(session, merge.source, merge.target)
    stored = result.stored
    changed = set(result.inferred_for)

    async def update_cache() -> None:
        await structures.remember(cache, stored)
        for user_id in changed:
            await cache.delete(preferences_cache_key(user_id))
        for merge in merges:
            await structures.forget(cache, merge.source, None)
            if (target_user := user_of(merge.target)) is not None:
                await cache.delete(preferences_cache_key(target_user))

    accepted.after_commit.append(update_cache)
    return accepted
