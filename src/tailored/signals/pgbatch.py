"""PostgreSQL's path for a whole batch of events: ONE statement stores the events and derives
everything else from the rows that were new — scores, rollups, popularity and outbox messages —
inside the server, in one round trip.

Python sends each event once, as one array per column (`unnest`), with the figures only it
defines (the decayed weight, the learner's audience, the message text); grouping and upserts run
in PostgreSQL. Only the events the `INSERT ... ON CONFLICT DO NOTHING` actually inserted feed
the derived tables: a concurrent batch that stored the same id first has counted it already.

Messages are queued in the order the batch listed its events (the relay publishes each
learner's in that order); rows are locked in key order, so two batches touching the same rows
wait for each other instead of deadlocking (what is left is retried by intake.accept). SQLite
takes repository.py's statements; both give the same rows (tests/signals run on both).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# One array per column of the events, and what Python adds: the landmark-scaled weight, the
# learner's audience, the message text.
EVENT_COLUMNS = (
    ("id", "text"),
    ("learner", "text"),
    ("user_id", "uuid"),
    ("type", "text"),
    ("content_id", "text"),
    ("content_type", "text"),
    ("session_id", "text"),
    ("metadata", "text"),
    ("weight", "float8"),
    ("occurred_at", "timestamptz"),
    ("source", "text"),
    ("scaled", "float8"),
    ("audience", "text"),
    ("payload", "text"),
)
# Collapsed views: not events, but they move last_view_at (and last_seen) forward.
TOUCH_COLUMNS = (
    ("t_learner", "text"),
    ("t_content_id", "text"),
    ("t_user_id", "uuid"),
    ("t_content_type", "text"),
    ("t_at", "timestamptz"),
)


def _unnest(columns: Sequence[tuple[str, str]], *, numbered: bool = False) -> str:
    arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in columns)
    names = ", ".join(name for name, _ in columns)
    if numbered:
        return f"unnest({arrays}) WITH ORDINALITY AS t({names}, position)"
    return f"unnest({arrays}) AS t({names})"


_STATEMENT = text(
    f"""
WITH input AS (SELECT * FROM {_unnest(EVENT_COLUMNS, numbered=True)}),
inserted AS (
  INSERT INTO events (id, learner, user_id, type, content_id, content_type, session_id,
                      metadata, weight, occurred_at, received_at, source)
  SELECT id, learner, user_id, type, content_id, content_type, session_id,
         metadata::json, weight, occurred_at, :received_at, source
  FROM input ORDER BY id
  ON CONFLICT (id) DO NOTHING
  RETURNING id
),
new AS MATERIALIZED (SELECT input.* FROM input JOIN inserted USING (id)),
touch AS (
  SELECT t_learner AS learner, t_content_id AS content_id, t_user_id AS user_id,
         t_content_type AS content_type, t_at AS at
  FROM {_unnest(TOUCH_COLUMNS)}
),
scores AS (
  INSERT INTO signal_scores (learner, content_id, user_id, content_type, scaled, events,
                             last_seen, last_view_at)
  SELECT learner, content_id, (array_agg(user_id))[1], min(content_type), sum(scaled),
         sum(n), max(at), max(view_at)
  FROM (
    SELECT learner, content_id, user_id, content_type, scaled, 1 AS n, occurred_at AS at,
           CASE WHEN type = 'view' THEN occurred_at END AS view_at
    FROM new WHERE content_id IS NOT NULL
    UNION ALL
    SELECT learner, content_id, user_id, content_type, 0.0, 0, at, at FROM touch
  ) AS s
  GROUP BY learner, content_id ORDER BY learner, content_id
  ON CONFLICT (learner, content_id) DO UPDATE SET
    scaled = signal_scores.scaled + excluded.scaled,
    events = signal_scores.events + excluded.events,
    last_seen = greatest(signal_scores.last_seen, excluded.last_seen),
    last_view_at = greatest(signal_scores.last_view_at, excluded.last_view_at)
),
rollups AS (
  INSERT INTO signal_rollups (learner, content_type, signal_type, user_id, count,
                              total_weight, last_seen)
  SELECT learner, content_type, type, (array_agg(user_id))[1], count(*), sum(weight),
         max(occurred_at)
  FROM new GROUP BY learner, content_type, type ORDER BY learner, content_type, type
  ON CONFLICT (learner, content_type, signal_type) DO UPDATE SET
    count = signal_rollups.count + excluded.count,
    total_weight = signal_rollups.total_weight + excluded.total_weight,
    last_seen = greatest(signal_rollups.last_seen, excluded.last_seen)
),
popularity AS (
  INSERT INTO content_popularity (content_id, audience, scaled, events)
  SELECT content_id, a.audience, sum(scaled), count(*)
  FROM new CROSS JOIN LATERAL (SELECT DISTINCT unnest(ARRAY['*', new.audience])) AS a(audience)
  WHERE content_id IS NOT NULL AND weight > 0
  GROUP BY content_id, a.audience ORDER BY content_id, a.audience
  ON CONFLICT (content_id, audience) DO UPDATE SET
    scaled = content_popularity.scaled + excluded.scaled,
    events = content_popularity.events + excluded.events
),
messages AS (
  INSERT INTO outbox (event_id, learner_key, topic, payload, created_at)
  SELECT id, learner, :topic, payload::json, :received_at FROM new ORDER BY position
  ON CONFLICT (event_id) DO NOTHING
)
SELECT id FROM inserted
"""
)


async def store_batch(
    session: AsyncSession,
    events: dict[str, list[Any]],
    touches: dict[str, list[Any]],
    *,
    topic: str,
    received_at: datetime,
) -> set[str]:
    """Store the events (`EVENT_COLUMNS`, one list each) with everything derived from them,
    and the collapsed views' `touches` (`TOUCH_COLUMNS`); the ids that were new."""
    connection = await session.connection()
    result = await connection.execute(
        _STATEMENT, {**events, **touches, "topic": topic, "received_at": received_at}
    )
    return set(result.scalars().all())
