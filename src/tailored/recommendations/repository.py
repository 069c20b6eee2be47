"""All SQL of recommendations: a learner's facts in one round trip.

The signals service offers each of these reads on its own (completed, skipped,
recently_served, item_scores), four round trips; a list must cost one to keep p99 within
10 ms (bench/bench_recommendations.py), so this reads the signals tables in one UNION ALL
(static SQL: the statement costs nothing to build per request).
It only reads, and only rows of the learner it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models.base import UTCDateTime
from tailored.models.signals import SignalEvent, SignalScore


@dataclass(frozen=True)
class LearnerFacts:
    completed: list[str]  # latest first
    skipped: list[str]
    served: list[str]
    engaged: list[str]  # highest score first (positive scores only)


# Static SQL (bound values only): no statement building or cache-key work per request.
_FACTS = (
    text(
        f"""
        SELECT type AS kind, content_id, max(occurred_at) AS at, 0.0 AS value
        FROM {SignalEvent.__tablename__}
        WHERE learner = :learner AND content_id IS NOT NULL
          AND (type = 'complete' OR type = 'skip' OR (type = 'served' AND occurred_at >= :since))
        GROUP BY type, content_id
        UNION ALL
        SELECT 'score', content_id, last_seen, scaled FROM (
          SELECT content_id, last_seen, scaled FROM {SignalScore.__tablename__}
          WHERE learner = :learner AND scaled > 0
          ORDER BY scaled DESC, content_id LIMIT :engaged
        ) AS top_scores
        """
    )
    .bindparams(bindparam("since", type_=UTCDateTime()))
    .columns(kind=String(), content_id=String(), at=UTCDateTime(), value=Float())
)


async def learner_facts(
    session: AsyncSession, learner: str, *, served_since: datetime, engaged: int
) -> LearnerFacts:
    """Completions, skips, what was served since `served_since`, the `engaged` best scores."""
    params = {"learner": learner, "since": served_since, "engaged": engaged}
    rows = (await session.execute(_FACTS, params)).all()
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
