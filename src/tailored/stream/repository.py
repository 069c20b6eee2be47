"""All SQL for the outbox relay (the table is written by the signals layer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Integer, Row, Text, any_, bindparam, cast, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models.signals import Outbox


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unpublished(
        self, limit: int, *, skip: tuple[int, int] | None = None
    ) -> Sequence[Row[int, str, str, str, str, datetime]]:
        """The oldest unpublished rows, in id order (the index on published_at finds them):
        plain rows with the payload's JSON text, not ORM objects (the relay's hot loop).
        `skip` (lowest, highest id): leave out that range, a batch whose mark is in flight."""
        o = Outbox
        query = (
            select(o.id, o.event_id, o.learner_key, o.topic, cast(o.payload, Text), o.created_at)
            .where(o.published_at.is_(None))
            .order_by(o.id)
            .limit(limit)
        )
        if skip is not None:
            query = query.where(or_(o.id < skip[0], o.id > skip[1]))
        return (await self.session.execute(query)).all()

    async def mark_published(self, ids: list[int], at: datetime) -> None:
        """One statement; on PostgreSQL `id = ANY(array)`, one prepared statement whatever the
        batch's length (an IN list renders new SQL, so a new prepare, for each length)."""
        if self.session.get_bind().dialect.name == "postgresql":
            match = Outbox.id == any_(bindparam("ids", ids, type_=ARRAY(Integer())))
        else:
            match = Outbox.id.in_(ids)
        await self.session.execute(update(Outbox).where(match).values(published_at=at))

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many rows wait, and when the oldest of them was written."""
        row = (
            await self.session.execute(
                select(func.count(), func.min(Outbox.created_at)).where(
                    Outbox.published_at.is_(None)
                )
            )
        ).one()
        oldest = row[1]
        if isinstance(oldest, str):  # SQLite's MIN may come back as text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(row[0]), oldest

    async def delete_published_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(Outbox)
            .where(Outbox.published_at.is_not(None), Outbox.published_at < cutoff)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
