"""Learner signals: what other domains call (recommendations, flags, privacy) and what the
endpoints use. Every read takes the learner it is for; endpoints pass the token's owner, so a
request can never name another learner. Services only flush; the caller commits.

Learner keys come from tailored.signals.identity (`learner_for_user(user.id)` for accounts).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.config.signals import SignalsConfig
from tailored.models.base import utcnow
from tailored.profiles import service as profiles
from tailored.signals import decay, ingest, queries, traits
from tailored.signals import merge as merging
from tailored.signals.identity import ANYONE, audience_of, learner_for_user, user_of
from tailored.signals.queries import LearnerFacts
from tailored.signals.repository import SignalRepository
from tailored.signals.schemas import IngestResult, ProgressOut, RollupOut, ScoreOut, Signal

__all__ = [
    "ANYONE",
    "audience_for",
    "completed",
    "experiment_outcomes",
    "export_for_user",
    "forget_user",
    "item_scores",
    "learner_facts",
    "learner_for_user",
    "merge_learner",
    "popularity",
    "progress",
    "recently_served",
    "record_events",
    "rollups",
    "skipped",
]


class UnknownEventType(ValueError):
    """An event type neither built in nor declared in signals.weights."""


async def record_events(
    session: AsyncSession,
    signals: Sequence[Signal],
    *,
    config: SignalsConfig,
    now: datetime | None = None,
) -> IngestResult:
    """Store events (ids already stored are counted as duplicates, repeated views collapse),
    with their scores, rollups, popularity and outbox messages, in the caller's transaction.

    Other domains record what they showed a learner this way, e.g. recommendations:
    `Signal(id=..., learner=learner_for_user(uid), type="served", content_id=..., occurred_at=...)`
    and flags: `type="exposure"`, metadata {"flag", "variant"}."""
    weights = config.all_weights()
    for s in signals:
        if s.type not in weights:
            raise UnknownEventType(s.type)
    audiences = await audiences_for(session, {s.learner for s in signals})
    result = await ingest.store(session, signals, config=config, audiences=audiences, now=now)
    result.inferred_for = await traits.infer(session, result.stored)
    return result


async def audiences_for(session: AsyncSession, learners: set[str]) -> dict[str, str]:
    """The audience each account's popularity counts in (other learners count only for
    everyone, so they are left out)."""
    users = {u for learner in learners if (u := user_of(learner)) is not None}
    found = await profiles.profiles_for(session, users)
    return {
        learner: audience_of(found.get(u))
        for learner in learners
        if (u := user_of(learner)) is not None
    }


# --- reads for other domains -----------------------------------------------------------------


async def completed(session: AsyncSession, learner: str) -> list[str]:
    """Content the learner completed, most recent first."""
    return [c for c, _ in await SignalRepository(session).content_with_type(learner, "complete")]


async def skipped(session: AsyncSession, learner: str) -> list[str]:
    """Content the learner skipped, most recent first."""
    return [c for c, _ in await SignalRepository(session).content_with_type(learner, "skip")]


async def recently_served(
    session: AsyncSession,
    learner: str,
    *,
    within: timedelta = timedelta(days=1),
    now: datetime | None = None,
) -> list[str]:
    """Content shown to the learner (events of type "served") in the last `within`."""
    since = (now or utcnow()) - within
    rows = await SignalRepository(session).content_with_type(learner, "served", since=since)
    return [c for c, _ in rows]


async def item_scores(
    session: AsyncSession,
    learner: str,
    *,
    config: SignalsConfig,
    now: datetime | None = None,
    content_ids: Sequence[str] | None = None,
) -> dict[str, float]:
    """The learner's decayed score per item (sum of weight * 2^(-age / half-life))."""
    now = now or utcnow()
    rows = await SignalRepository(session).scores(learner, content_ids)
    return {r.content_id: decay.value_at(r.scaled, now, config.half_life_days) for r in rows}


async def score_details(
    session: AsyncSession, learner: str, *, config: SignalsConfig, now: datetime | None = None
) -> list[ScoreOut]:
    now = now or utcnow()
    return [
        ScoreOut(
            content_id=r.content_id,
            content_type=r.content_type,
            score=decay.value_at(r.scaled, now, config.half_life_days),
            events=r.events,
            last_seen=r.last_seen,
        )
        for r in await SignalRepository(session).scores(learner)
    ]


async def popularity(
    session: AsyncSession,
    *,
    config: SignalsConfig,
    audience: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> dict[str, float]:
    """Decayed popularity per content id (positive signals only), most popular first; for
    everyone, or for one audience (`audience_for`)."""
    now = now or utcnow()
    rows = await SignalRepository(session).popularity(audience or ANYONE, limit)
    return {c: decay.value_at(s, now, config.half_life_days) for c, s in rows}


async def audience_for(session: AsyncSession, user_id: uuid.UUID) -> str:
    """The audience a learner's popularity counts in (software/hardware level)."""
    found = await profiles.profiles_for(session, [user_id])
    return audience_of(found.get(user_id))


async def progress(session: AsyncSession, learner: str) -> ProgressOut:
    """Completed content (most recent first) and the content viewed last."""
    repo = SignalRepository(session)
    done = [c for c, _ in await repo.content_with_type(learner, "complete")]
    return ProgressOut(completed=done, last_viewed=await repo.last_viewed(learner))


async def rollups(session: AsyncSession, learner: str) -> list[RollupOut]:
    return [
        RollupOut(
            content_type=r.content_type,
            signal_type=r.signal_type,
            count=r.count,
            total_weight=r.total_weight,
            last_seen=r.last_seen,
        )
        for r in await SignalRepository(session).rollups(learner)
    ]


async def recomputed_rollups(session: AsyncSession, learner: str | None = None) -> list[Any]:
    """Rollups recomputed from raw events (what the incremental ones must equal)."""
    return await SignalRepository(session).recomputed_rollups(learner)


async def refresh_rollup_view(session: AsyncSession) -> None:
    """Recompute the user_signal_rollups view (PostgreSQL; a plain view on SQLite)."""
    await SignalRepository(session).refresh_rollup_view()


async def rollup_view(session: AsyncSession, learner: str) -> list[dict[str, Any]]:
    """One learner's rows of the dashboards' view, as of its last refresh."""
    return await SignalRepository(session).view_rows(learner)


async def recent_events(
    session: AsyncSession, learner: str, *, limit: int = 100, offset: int = 0
) -> list[Any]:
    """The learner's events, newest first."""
    return await SignalRepository(session).events(learner, limit=limit, offset=offset)


async def learner_facts(
    session: AsyncSession, learner: str, *, served_since: datetime, engaged: int
) -> LearnerFacts:
    """Completions, skips, what was served since `served_since` and the `engaged` best scores
    of one learner, in one round trip (what a recommendation list reads)."""
    return await queries.learner_facts(session, learner, served_since=served_since, engaged=engaged)


async def experiment_outcomes(session: AsyncSession, flag: str, version: int) -> list[Any]:
    """Per variant of a flag's version: exposed learners, completions, bookmarks and view
    seconds after their first exposure."""
    return await queries.ExperimentQueries(session).outcomes(flag, version)


# --- accounts ----------------------------------------------------------------------------------


async def merge_learner(session: AsyncSession, source: str, target: str) -> int:
    """Move an anonymous visitor's events, scores and rollups to another learner (an account,
    or a site's user) when they sign in; the number of events moved. Scores add up: forward
    decay makes that exact."""
    if source == target:
        return 0
    return await merging.merge(session, source, target, user_of(target))


async def export_for_user(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """This domain's part of an account export: every event, score and rollup."""
    return await merging.export(session, learner_for_user(user_id))


async def forget_user(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Delete every event, score, rollup and unpublished message of an account."""
    return await SignalRepository(session).delete_learner(learner_for_user(user_id))
