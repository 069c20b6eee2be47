"""All SQL for stored results, learner history and reader sessions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import (
    Chapter,
    PersonalizationHistory,
    PersonalizationSession,
    PersonalizedResult,
)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class ResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_live(self, key: str, now: datetime) -> PersonalizedResult | None:
        stmt = select(PersonalizedResult).where(
            PersonalizedResult.key == key, PersonalizedResult.expires_at > now
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def put(self, row: PersonalizedResult) -> None:
        """Insert, or refresh an entry another process wrote first (same key → same content)."""
        values = {c.key: getattr(row, c.key) for c in PersonalizedResult.__mapper__.column_attrs}
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(PersonalizedResult).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[PersonalizedResult.key],
            set_={
                "expires_at": stmt.excluded.expires_at,
                "last_used_at": stmt.excluded.last_used_at,
            },
        )
        await self.session.execute(stmt)

    async def delete_expired(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(PersonalizedResult).where(PersonalizedResult.expires_at <= now)
        )
        return _rowcount(result)

    async def delete_stale(self) -> int:
        """Entries made from a source the chapter no longer has."""
        current = select(Chapter.source_hash).where(Chapter.id == PersonalizedResult.chapter_id)
        result = await self.session.execute(
            delete(PersonalizedResult).where(
                PersonalizedResult.source_hash != current.scalar_subquery()
            )
        )
        return _rowcount(result)

    async def evict_beyond(self, cap: int) -> list[str]:
        """Delete the least recently used entries beyond `cap`; return their keys."""
        total = await self.count()
        if total <= cap:
            return []
        victims = (
            (
                await self.session.execute(
                    select(PersonalizedResult.key)
                    .order_by(PersonalizedResult.last_used_at, PersonalizedResult.key)
                    .limit(total - cap)
                )
            )
            .scalars()
            .all()
        )
        await self.session.execute(
            delete(PersonalizedResult).where(PersonalizedResult.key.in_(victims))
        )
        return list(victims)

    async def delete_all(self) -> int:
        return _rowcount(await self.session.execute(delete(PersonalizedResult)))

    async def count(self) -> int:
        return int(
            await self.session.scalar(select(func.count()).select_from(PersonalizedResult)) or 0
        )

    async def totals(self) -> tuple[int, int]:
        """(entries, stored bytes)."""
        row = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(PersonalizedResult.size_bytes), 0))
            )
        ).one()
        return int(row[0]), int(row[1])


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_user(
        self, user_id: uuid.UUID, *, limit: int, offset: int
    ) -> Sequence[PersonalizationHistory]:
        rows = await self.session.execute(
            select(PersonalizationHistory)
            .where(PersonalizationHistory.user_id == user_id)
            .order_by(PersonalizationHistory.created_at.desc(), PersonalizationHistory.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.scalars().all()

    async def top_profiles(self, limit: int) -> list[dict[str, Any]]:
        """The adapter-read profile fields of the most common audiences, most common first."""
        counted = (
            select(
                PersonalizationHistory.profile_hash,
                func.count().label("n"),
                func.max(PersonalizationHistory.id).label("last_id"),
            )
            .group_by(PersonalizationHistory.profile_hash)
            .order_by(func.count().desc(), PersonalizationHistory.profile_hash)
            .limit(limit)
            .subquery()
        )
        rows = await self.session.execute(
            select(PersonalizationHistory.profile_fields)
            .join(counted, counted.c.last_id == PersonalizationHistory.id)
            .order_by(counted.c.n.desc(), counted.c.profile_hash)
        )
        return [dict(r) for r in rows.scalars()]


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID, chapter_id: str) -> PersonalizationSession | None:
        return await self.session.get(PersonalizationSession, (user_id, chapter_id))

    async def set(self, user_id: uuid.UUID, chapter_id: str, active: bool) -> None:
        row = await self.get(user_id, chapter_id)
        if row is None:
            self.session.add(
                PersonalizationSession(user_id=user_id, chapter_id=chapter_id, active=active)
            )
        else:
            row.active = active
        await self.session.flush()


async def export_for_user(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Everything this domain keeps about one learner, JSON-ready (for account export)."""
    history = await session.execute(
        select(PersonalizationHistory)
        .where(PersonalizationHistory.user_id == user_id)
        .order_by(PersonalizationHistory.created_at, PersonalizationHistory.id)
    )
    modes = await session.execute(
        select(PersonalizationSession)
        .where(PersonalizationSession.user_id == user_id)
        .order_by(PersonalizationSession.chapter_id)
    )
    return (
        [
            {
                "chapter_id": h.chapter_id,
                "audience_key": h.audience_key,
                "profile_fields": h.profile_fields,
                "created_at": h.created_at.isoformat(),
            }
            for h in history.scalars()
        ],
        [
            {"chapter_id": m.chapter_id, "active": m.active, "updated_at": m.updated_at.isoformat()}
            for m in modes.scalars()
        ],
    )
