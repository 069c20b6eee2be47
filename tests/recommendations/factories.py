"""Keyword-only helpers for the recommendation API tests: the textbook in the database, learner
events through the signals service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tailored.content import service as content
from tailored.signals import keys
from tailored.signals import service as signals
from tailored.signals.schemas import Signal
from tailored.state import AppState
from tests.recommendations.book import write_book


async def ingest_book(state: AppState, root: Path) -> None:
    async with state.sessionmaker() as session:
        report = await content.ingest(session, write_book(root))
        assert report.ok, report.errors
        await session.commit()


async def record(
    state: AppState,
    *,
    kind: str,
    content_ids: list[str],
    user_id: uuid.UUID | None = None,
    learner: str | None = None,
) -> None:
    """Events of one type by an account (or any learner key), a minute apart, the last one
    the latest."""
    start = datetime.now(UTC) - timedelta(minutes=len(content_ids))
    events = [
        Signal(
            id=uuid.uuid4().hex,
            learner=learner or signals.learner_for_user(user_id or uuid.uuid4()),
            type=kind,
            content_id=content_id,
            content_type="section" if "#" in content_id else "chapter",
            occurred_at=start + timedelta(minutes=i),
        )
        for i, content_id in enumerate(content_ids)
    ]
    async with state.sessionmaker() as session:
        await signals.record_events(session, events, config=state.settings.signals)
        await session.commit()


async def create_site_key(state: AppState) -> tuple[str, str]:
    """A new site API key: (its prefix, the key to send)."""
    async with state.sessionmaker() as session:
        row, plain = await keys.create_key(session, f"site-{uuid.uuid4().hex[:8]}")
        await session.commit()
        return row.prefix, plain
