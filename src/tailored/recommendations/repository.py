"""All SQL of recommendations: a learner's facts in one round trip.

The signals service offers each of these reads on its own (completed, skipped,
recently_served, item_scores), four round trips; a list must cost one to keep p99 within
10 ms (bench/bench_recommendations.py), so this reads the signals tables in one UNION ALL.
It only reads, and only rows of the learner it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, cast, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models.signals import SignalEvent, SignalScore


@dataclass(frozen=True)
class LearnerFacts:
    completed: list[str]  # latest first
    skipped: list[str]
    served: list[str]
    engaged: list[str]  # highest score first (positive scores only)


async def learner_facts(
    session: AsyncSession, learner: str, *, served_since: datetime, engaged: int
) -> LearnerFacts:
    events = (
        select(
            SignalEvent.type.label("kind"),
            SignalEvent.content_id.label("content_id"),
            func.max(SignalEvent.occurred_at).label("at"),
            cast(literal(0.0), Float).label("value"),
        )
        .where(
            SignalEvent.learner == learner,
            SignalEvent.content_id.is_not(None),
            or_(
                SignalEvent.type.in_(("complete", "skip")),
                and_(SignalEvent.type == "served", SignalEvent.occurred_at >= served_since),
            ),
        )
        .group_by(SignalEvent.type, SignalEvent.content_id)
    )
    # Every score of a learner decays by the same factor, so the stored (scaled) values
    # already rank them as their decayed values would.
    top = (
        select(
            literal("score").label("kind"),
            SignalScore.content_id.label("content_id"),
            SignalScore.last_seen.label("at"),
            SignalScore.scaled.label("value"),
        )
        .where(SignalScore.learner == learner, SignalScore.scaled > 0)
        .order_by(SignalScore.scaled.desc(), SignalScore.content_id)
        .limit(engaged)
        .subquery()
    )
    stmt = union_all(events, select(top.c.kind, top.c.content_id, top.c.at, top.c.value))
    rows = (await session.execute(stmt)).all()
    done: list[tuple[datetime, str]] = []
    scores: list[tuple[float, str]] = []
    skipped: list[str] = []
    served: list[str] = []
    for kind, content_id, at, value in rows:
        if kind == "complete":
            done.append((at, str(content_id)))
        elif kind == "score":
            scores.append((-float(value), str(content_id)))
        else:
            (skipped if kind == "skip" else served).append(str(content_id))
    return LearnerFacts(
        completed=[c for _, c in sorted(done, reverse=True)],
        skipped=skipped,
        served=served,
        engaged=[c for _, c in sorted(scores)],
    )
