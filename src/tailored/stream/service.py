"""The event stream's housekeeping (the relay itself is relay.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.stream.repository import OutboxRepository


async def cleanup(session: AsyncSession, *, retention_hours: float) -> int:
    """Delete outbox rows published more than `retention_hours` ago; how many."""
    cutoff = datetime.now(UTC) - timedelta(hours=retention_hours)
    return await OutboxRepository(session).delete_published_before(cutoff)
