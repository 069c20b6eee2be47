"""Keyword-only helpers for the recommendation API tests: the textbook in the database, learner
events through the signals service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tailored.content import service as content
from tailored.signals import service as signals
from tailored.signals.schemas import Signal
from tailored.state import AppState
from tests.recommendations.book import write_book


async def ingest_book(state: AppState, root: Path) -> None:
    async with state.sessionmaker() as session:
        report = await content.ingest(session, write_book(root))
        assert report.ok, report.errors
        await session.commit()


async def record(state: AppState, *, user_id: uuid.UUID, kind: str, content_ids: list[str]) -> None:
    """Events of one type by an account, a minute apart, the last one the latest."""
    start = datetime.now(UTC) - timedelta(minutes=len(content_ids))
    events = [
        Signal(
            id=uuid.uuid4().hex,
            learner=signals.learner_for_user(user_id),
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
