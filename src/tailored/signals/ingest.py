"""Storing a batch of events in the caller's transaction: dedup, view collapsing, then the
event rows, per-item scores, rollups, popularity and outbox messages — whatever the batch's size,
one statement on PostgreSQL (pgbatch.py) and a handful on SQLite (`_store_rows`)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.config.signals import SignalsConfig
from tailored.models.base import utcnow
from tailored.signals import decay, pgbatch
from tailored.signals.identity import ANYONE, user_of
from tailored.signals.repository import SignalRepository
from tailored.signals.schemas import IngestResult, Signal

EVENTS_TOPIC = "events"


def _unique(signals: Sequence[Signal]) -> tuple[list[Signal], int]:
    """The first of each id in the batch; and how many repeats were dropped."""
    seen: set[str] = set()
    kept: list[Signal] = []
    for s in signals:
        if s.id not in seen:
            seen.add(s.id)
            kept.append(s)
    return kept, len(signals) - len(kept)


def _collapse_views(
    signals: list[Signal], last_views: Mapping[tuple[str, str], datetime], window: timedelta
) -> tuple[list[Signal], list[Signal]]:
    """Drop views within `window` of a kept view (stored or in this batch) of the same item;
    the kept events and the dropped views.

    Views are taken in time order per item, so a batch collapses the same way however it
    was ordered; a stored view counts whichever side of it the new one falls."""
    if window <= timedelta(0):
        return signals, []
    views: dict[tuple[str, str], list[Signal]] = defaultdict(list)
    for s in signals:
        if s.type == "view" and s.content_id is not None:
            views[(s.learner, s.content_id)].append(s)
    dropped: set[str] = set()
    for pair, items in views.items():
        kept: list[datetime] = [last_views[pair]] if pair in last_views else []
        for s in sorted(items, key=lambda x: (x.occurred_at, x.id)):
            if any(abs(s.occurred_at - k) < window for k in kept):
                dropped.add(s.id)
            else:
                kept.append(s.occurred_at)
    if not dropped:
        return signals, []
    kept_signals = [s for s in signals if s.id not in dropped]
    return kept_signals, [s for s in signals if s.id in dropped]


def _view_touches(
    views: Sequence[Signal], users: Mapping[str, uuid.UUID | None]
) -> list[dict[str, Any]]:
    """Score rows that only move last_view_at (and last_seen) forward: no weight, no count."""
    latest: dict[tuple[str, str], Signal] = {}
    for s in views:
        assert s.content_id is not None
        key = (s.learner, s.content_id)
        if key not in latest or latest[key].occurred_at < s.occurred_at:
            latest[key] = s
    return [
        {
            "learner": s.learner,
            "content_id": s.content_id,
            "user_id": users[s.learner],
            "content_type": s.content_type,
            "scaled": 0.0,
            "events": 0,
            "last_seen": s.occurred_at,
            "last_view_at": s.occurred_at,
        }
        for _, s in sorted(latest.items())
    ]


def event_payload(s: Signal, weight: float) -> dict[str, Any]:
    """The message the outbox relay publishes for an event (docs: the message format)."""
    return {
        "id": s.id,
        "learner": s.learner,
        "type": s.type,
        "content_id": s.content_id,
        "content_type": s.content_type,
        "occurred_at": s.occurred_at.isoformat(),
        "session_id": s.session_id,
        "metadata": s.metadata,
        "weight": weight,
        "source": s.source,
    }


async def store(
    session: AsyncSession,
    signals: Sequence[Signal],
    *,
    config: SignalsConfig,
    audiences: Mapping[str, str],
    now: datetime | None = None,
) -> IngestResult:
    """Store new events and everything derived from them; `audiences` maps learners to the
    audience their popularity counts in (learners not in it count only for everyone)."""
    now = now or utcnow()
    repo = SignalRepository(session)
    batch, repeats = _unique(signals)
    pairs = {(s.learner, s.content_id) for s in batch if s.type == "view" and s.content_id}
    last = await repo.last_views(pairs) if config.view_collapse_seconds else {}
    window = timedelta(seconds=config.view_collapse_seconds)
    batch, folded = _collapse_views(batch, last, window)
    if folded:
        # A retried view collapses against itself once stored: it is a duplicate, not a view
        # within the window (the cache's dedup set usually catches it first, not always).
        stored_already = await repo.existing_ids([s.id for s in folded])
        repeats += len(stored_already)
        folded = [s for s in folded if s.id not in stored_already]
    collapsed = len(folded)
    users = {s.learner: user_of(s.learner) for s in (*batch, *folded)}
    # A collapsed view is not an event, but it is still the latest thing the learner opened.
    touches = _view_touches(folded, users)
    if not batch:
        await repo.add_scores(touches)
        return IngestResult(duplicates=repeats, collapsed=collapsed)
    if repo.postgres:
        new_ids = await pgbatch.store_batch(
            session,
            _event_columns(batch, config=config, users=users, audiences=audiences),
            _touch_columns(touches),
            topic=EVENTS_TOPIC,
            received_at=now,
        )
        stored = [s for s in batch if s.id in new_ids]
    else:
        stored = await _store_rows(repo, batch, touches, config, users, audiences, now)
    return IngestResult(
        inserted=len(stored),
        duplicates=repeats + len(batch) - len(stored),
        collapsed=collapsed,
        stored=stored,
    )


async def derive_rows(
    repo: SignalRepository,
    stored: Sequence[Signal],
    touches: Sequence[dict[str, Any]],
    *,
    config: SignalsConfig,
    users: Mapping[str, uuid.UUID | None],
    audiences: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Write scores (with `touches`, the collapsed views) and rollups; return the popularity
    rows to add (shared by every learner: the caller writes them last, so their row locks are
    held the shortest time)."""
    weights = config.all_weights()
    half_life = config.half_life_days
    scores: dict[tuple[str, str], dict[str, Any]] = {}
    rollups: dict[tuple[str, str, str], dict[str, Any]] = {}
    popular: dict[tuple[str, str], dict[str, Any]] = {}
    for s in stored:
        w = weights[s.type]
        key = (s.learner, s.content_type, s.type)
        r = rollups.setdefault(
            key,
            {
                "learner": s.learner,
                "content_type": s.content_type,
                "signal_type": s.type,
                "user_id": users[s.learner],
                "count": 0,
                "total_weight": 0.0,
                "last_seen": s.occurred_at,
            },
        )
        r["count"] += 1
        r["total_weight"] += w
        r["last_seen"] = max(r["last_seen"], s.occurred_at)
        if s.content_id is None:
            continue
        scaled = decay.scaled(w, s.occurred_at, half_life)
        sc = scores.setdefault(
            (s.learner, s.content_id),
            {
                "learner": s.learner,
                "content_id": s.content_id,
                "user_id": users[s.learner],
                "content_type": s.content_type,
                "scaled": 0.0,
                "events": 0,
                "last_seen": s.occurred_at,
                "last_view_at": None,
            },
        )
        sc["scaled"] += scaled
        sc["events"] += 1
        sc["last_seen"] = max(sc["last_seen"], s.occurred_at)
        if s.type == "view":
            prev = sc["last_view_at"]
            sc["last_view_at"] = s.occurred_at if prev is None else max(prev, s.occurred_at)
        if w > 0:
            for audience in {ANYONE, audiences.get(s.learner, ANYONE)}:
                p = popular.setdefault(
                    (s.content_id, audience),
                    {"content_id": s.content_id, "audience": audience, "scaled": 0.0, "events": 0},
                )
                p["scaled"] += scaled
                p["events"] += 1
    for touch in touches:
        sc = scores.setdefault((touch["learner"], touch["content_id"]), touch)
        if sc is not touch:
            sc["last_seen"] = max(sc["last_seen"], touch["last_seen"])
            prev = sc["last_view_at"]
            sc["last_view_at"] = (
                touch["last_view_at"] if prev is None else max(prev, touch["last_view_at"])
            )
    # Rows in key order, and score rows written only after the events (the touches of collapsed
    # views too): a batch waiting on another's event ids then holds no row that one needs.
    await repo.add_scores([scores[k] for k in sorted(scores)])
    await repo.add_rollups([rollups[k] for k in sorted(rollups)])
    return [popular[k] for k in sorted(popular)]


async def _store_rows(
    repo: SignalRepository,
    batch: Sequence[Signal],
    touches: Sequence[dict[str, Any]],
    config: SignalsConfig,
    users: Mapping[str, uuid.UUID | None],
    audiences: Mapping[str, str],
    now: datetime,
) -> list[Signal]:
    """SQLite: a statement per table, the sums made here; the events that were new."""
    weights = config.all_weights()
    rows = [
        {
            "id": s.id,
            "learner": s.learner,
            "user_id": users[s.learner],
            "type": s.type,
            "content_id": s.content_id,
            "content_type": s.content_type,
            "session_id": s.session_id,
            "metadata": s.metadata,
            "weight": weights[s.type],
            "occurred_at": s.occurred_at,
            "received_at": now,
            "source": s.source,
        }
        for s in sorted(batch, key=lambda x: x.id)
    ]
    new_ids = await repo.insert_events(rows)
    stored = [s for s in batch if s.id in new_ids]
    popular = await derive_rows(
        repo, stored, touches, config=config, users=users, audiences=audiences
    )
    await repo.add_outbox(
        [
            {
                "event_id": s.id,
                "learner_key": s.learner,
                "topic": EVENTS_TOPIC,
                "payload": event_payload(s, weights[s.type]),
                "created_at": now,
            }
            for s in stored
        ]
    )
    await repo.add_popularity(popular)
    return stored


def _event_columns(
    batch: Sequence[Signal],
    *,
    config: SignalsConfig,
    users: Mapping[str, uuid.UUID | None],
    audiences: Mapping[str, str],
) -> dict[str, list[Any]]:
    """The batch as pgbatch.EVENT_COLUMNS: one list per column, in the batch's order."""
    weights = config.all_weights()
    half_life = config.half_life_days
    weight = [weights[s.type] for s in batch]
    return {
        "id": [s.id for s in batch],
        "learner": [s.learner for s in batch],
        "user_id": [users[s.learner] for s in batch],
        "type": [s.type for s in batch],
        "content_id": [s.content_id for s in batch],
        "content_type": [s.content_type for s in batch],
        "session_id": [s.session_id for s in batch],
        "metadata": [json.dumps(s.metadata) for s in batch],
        "weight": weight,
        "occurred_at": [s.occurred_at for s in batch],
        "source": [s.source for s in batch],
        "scaled": [
            decay.scaled(w, s.occurred_at, half_life) for s, w in zip(batch, weight, strict=True)
        ],
        "audience": [audiences.get(s.learner, ANYONE) for s in batch],
        "payload": [json.dumps(event_payload(s, w)) for s, w in zip(batch, weight, strict=True)],
    }


def _touch_columns(touches: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """Collapsed views' score rows as pgbatch.TOUCH_COLUMNS."""
    return {
        "t_learner": [t["learner"] for t in touches],
        "t_content_id": [t["content_id"] for t in touches],
        "t_user_id": [t["user_id"] for t in touches],
        "t_content_type": [t["content_type"] for t in touches],
        "t_at": [t["last_view_at"] for t in touches],
    }
