"""Moving one learner's signals to another (anonymous visitor → account at sign-in) and
exporting them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import SignalRollup, SignalScore
from tailored.models.base import utcnow
from tailored.signals.repository import SignalRepository

MERGE_TOPIC = "learners"


def _score_rows(
    rows: Sequence[SignalScore], target: str, user_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    return [
        {
            "learner": target,
            "content_id": r.content_id,
            "user_id": user_id,
            "content_type": r.content_type,
            "scaled": r.scaled,
            "events": r.events,
            "last_seen": r.last_seen,
            "last_view_at": r.last_view_at,
        }
        for r in rows
    ]


def _rollup_rows(
    rows: Sequence[SignalRollup], target: str, user_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    return [
        {
            "learner": target,
            "content_type": r.content_type,
            "signal_type": r.signal_type,
            "user_id": user_id,
            "count": r.count,
            "total_weight": r.total_weight,
            "last_seen": r.last_seen,
        }
        for r in rows
    ]


async def merge(session: AsyncSession, source: str, target: str, user_id: uuid.UUID | None) -> int:
    """Events change owner; scores and rollups are added into the target's (sums, so exact)."""
    repo = SignalRepository(session)
    moved = await repo.move_events(source, target, user_id)
    if not moved:
        return 0
    await repo.add_scores(_score_rows(await repo.take_scores(source), target, user_id))
    await repo.add_rollups(_rollup_rows(await repo.take_rollups(source), target, user_id))
    now = utcnow()
    await repo.add_outbox(
        [
            {
                "event_id": f"merge:{source}:{target}:{now.timestamp()}",
                "learner_key": target,
                "topic": MERGE_TOPIC,
                "payload": {"kind": "merged", "from": source, "into": target, "events": moved},
                "created_at": now,
            }
        ]
    )
    return moved


async def export(session: AsyncSession, learner: str) -> dict[str, Any]:
    repo = SignalRepository(session)
    events = await repo.events(learner)
    scores = await repo.scores(learner)
    rollups = await repo.rollups(learner)
    return {
        "events": [
            {
                "id": e.id,
                "type": e.type,
                "content_id": e.content_id,
                "content_type": e.content_type,
                "occurred_at": e.occurred_at.isoformat(),
                "session_id": e.session_id,
                "metadata": e.meta,
                "source": e.source,
            }
            for e in events
        ],
        "scores": [
            {
                "content_id": s.content_id,
                "content_type": s.content_type,
                "events": s.events,
                "last_seen": s.last_seen.isoformat(),
            }
            for s in scores
        ],
        "rollups": [
            {
                "content_type": r.content_type,
                "signal_type": r.signal_type,
                "count": r.count,
                "total_weight": r.total_weight,
                "last_seen": r.last_seen.isoformat(),
            }
            for r in rollups
        ],
    }
