"""All SQL for learner history and reader sessions (stored results: derived/repository.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import (
    PersonalizationHistory,
    PersonalizationSession,
)


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
