"""PostgreSQL's fast path for rows written outside a batch of events (merging a visitor into
an account, profile and trait messages): each table's rows go as one array per column in a
single `INSERT ... SELECT FROM unnest(...)` statement — one statement and one plan per table,
instead of one execution per row (asyncpg's executemany). A batch of events is one statement
of its own (pgbatch.py). SQLite uses executemany (repository.py); both give the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# table → (column, PostgreSQL type) in insert order; "json" columns travel as text.
SCORES = (
    ("learner", "text"),
    ("content_id", "text"),
    ("user_id", "uuid"),
    ("content_type", "text"),
    ("scaled", "float8"),
    ("events", "int4"),
    ("last_seen", "timestamptz"),
    ("last_view_at", "timestamptz"),
)
ROLLUPS = (
    ("learner", "text"),
    ("content_type", "text"),
    ("signal_type", "text"),
    ("user_id", "uuid"),
    ("count", "int4"),
    ("total_weight", "float8"),
    ("last_seen", "timestamptz"),
)
POPULARITY = (
    ("content_id", "text"),
    ("audience", "text"),
    ("scaled", "float8"),
    ("events", "int4"),
)
OUTBOX = (
    ("event_id", "text"),
    ("learner_key", "text"),
    ("topic", "text"),
    ("payload", "json"),
    ("created_at", "timestamptz"),
)

TAILS = {
    "signal_scores": (
        "ON CONFLICT (learner, content_id) DO UPDATE SET"
        " scaled = signal_scores.scaled + excluded.scaled,"
        " events = signal_scores.events + excluded.events,"
        " last_seen = greatest(signal_scores.last_seen, excluded.last_seen),"
        " last_view_at = greatest(signal_scores.last_view_at, excluded.last_view_at)"
    ),
    "signal_rollups": (
        "ON CONFLICT (learner, content_type, signal_type) DO UPDATE SET"
        " count = signal_rollups.count + excluded.count,"
        " total_weight = signal_rollups.total_weight + excluded.total_weight,"
        " last_seen = greatest(signal_rollups.last_seen, excluded.last_seen)"
    ),
    "content_popularity": (
        "ON CONFLICT (content_id, audience) DO UPDATE SET"
        " scaled = content_popularity.scaled + excluded.scaled,"
        " events = content_popularity.events + excluded.events"
    ),
    "outbox": "ON CONFLICT (event_id) DO NOTHING",
}
COLUMNS = {
    "signal_scores": SCORES,
    "signal_rollups": ROLLUPS,
    "content_popularity": POPULARITY,
    "outbox": OUTBOX,
}
_STATEMENTS: dict[str, Any] = {}


def _statement(table: str) -> Any:
    if table not in _STATEMENTS:
        columns = COLUMNS[table]
        names = ", ".join(f'"{c}"' for c, _ in columns)
        arrays = ", ".join(f"CAST(:{c} AS {'text' if t == 'json' else t}[])" for c, t in columns)
        picks = ", ".join(f'"{c}"::json' if t == "json" else f'"{c}"' for c, t in columns)
        _STATEMENTS[table] = text(
            f"INSERT INTO {table} ({names}) SELECT {picks}"
            f" FROM unnest({arrays}) AS t({names}) {TAILS[table]}"
        )
    return _STATEMENTS[table]


def _arrays(table: str, rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for column, kind in COLUMNS[table]:
        values = [r[column] for r in rows]
        out[column] = [json.dumps(v) for v in values] if kind == "json" else values
    return out


async def write(session: AsyncSession, table: str, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Insert (or upsert) `rows` into `table`; the RETURNING values, if the statement has any."""
    result = await session.execute(_statement(table), _arrays(table, rows))
    return list(result.scalars().all()) if "RETURNING" in TAILS[table] else []
