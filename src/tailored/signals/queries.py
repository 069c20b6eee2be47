"""Reads other domains make of signals that need one statement each, not the service's
one-question-at-a-time functions: recommendations' facts about a learner (one round trip per
list, to keep p99 within 10 ms: bench/bench_recommendations.py) and an experiment's outcome
signals per variant (aggregates over learners, never one learner's events). Static SQL where
it is on a hot path: the statement costs nothing to build per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, Subquery, and_, bindparam, case, func, select, text
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


class ExperimentQueries:
    """Outcome signals per variant of a flag, read from the stored events (exposures are
    signals): aggregates over learners, never one learner's events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _exposed(self, flag: str, version: int) -> Subquery:
        e = SignalEvent
        # JSON paths are bound parameters: grouping by one only works on a plain column.
        rows = (
            select(
                e.learner.label("learner"),
                e.meta["variant"].as_string().label("variant"),
                e.occurred_at.label("at"),
            )
            .where(
                e.type == "exposure",
                e.meta["flag"].as_string() == flag,
                e.meta["version"].as_integer() == version,
            )
            .subquery()
        )
        return (
            select(rows.c.learner, rows.c.variant, func.min(rows.c.at).label("since"))
            .group_by(rows.c.learner, rows.c.variant)
            .subquery()
        )

    async def outcomes(self, flag: str, version: int) -> list[dict[str, Any]]:
        """Per variant: exposed learners, completions, bookmarks, view seconds after exposure."""
        x = self._exposed(flag, version)
        e = SignalEvent
        seconds = e.meta["seconds"].as_float()
        after = (
            select(
                x.c.variant,
                func.count(case((e.type == "complete", 1))).label("completions"),
                func.count(case((e.type == "bookmark", 1))).label("bookmarks"),
                func.avg(case((e.type == "view", seconds))).label("seconds"),
            )
            .join(e, and_(e.learner == x.c.learner, e.occurred_at >= x.c.since))
            .where(e.type.in_(("complete", "bookmark", "view")))
            .group_by(x.c.variant)
        )
        learners = select(x.c.variant, func.count().label("learners")).group_by(x.c.variant)
        counts: dict[str, int] = dict((await self.session.execute(learners)).all())
        found = {row.variant: row for row in (await self.session.execute(after)).all()}
        return [
            {
                "variant": variant,
                "learners": n,
                "completions": found[variant].completions if variant in found else 0,
                "bookmarks": found[variant].bookmarks if variant in found else 0,
                "seconds": found[variant].seconds if variant in found else None,
            }
            for variant, n in sorted(counts.items())
        ]
