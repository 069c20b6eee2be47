"""All SQL for tutor conversations and messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from tailored.models import TutorConversation, TutorMessage


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_owned(
        self,
        conversation_id: uuid.UUID,
        *,
        user_id: uuid.UUID | None,
        anon_id: str | None,
        with_messages: bool = False,
    ) -> TutorConversation | None:
        """The conversation when it belongs to this learner or this anonymous reader."""
        owner = _owner(user_id, anon_id)
        if owner is None:
            return None
        stmt = select(TutorConversation).where(TutorConversation.id == conversation_id, owner)
        if with_messages:
            stmt = stmt.options(selectinload(TutorConversation.messages))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_owned(
        self, *, user_id: uuid.UUID | None, anon_id: str | None, limit: int = 200
    ) -> Sequence[TutorConversation]:
        owner = _owner(user_id, anon_id)
        if owner is None:
            return []
        stmt = (
            select(TutorConversation)
            .where(owner)
            .order_by(TutorConversation.updated_at.desc())
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def for_user(self, user_id: uuid.UUID) -> Sequence[TutorConversation]:
        stmt = (
            select(TutorConversation)
            .where(TutorConversation.user_id == user_id)
            .options(selectinload(TutorConversation.messages))
            .order_by(TutorConversation.created_at)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def add_message(self, message: TutorMessage, *, now: datetime) -> None:
        self.session.add(message)
        await self.session.execute(
            update(TutorConversation)
            .where(TutorConversation.id == message.conversation_id)
            .values(updated_at=now)
        )
        await self.session.flush()

    async def next_position(self, conversation_id: uuid.UUID) -> int:
        found = await self.session.scalar(
            select(func.max(TutorMessage.position)).where(
                TutorMessage.conversation_id == conversation_id
            )
        )
        return 0 if found is None else int(found) + 1

    async def delete(self, conversation: TutorConversation) -> None:
        await self.session.execute(
            delete(TutorConversation).where(TutorConversation.id == conversation.id)
        )

    async def adopt(self, anon_id: str, user_id: uuid.UUID) -> int:
        """Give an anonymous reader's conversations to their account."""
        result = await self.session.execute(
            update(TutorConversation)
            .where(TutorConversation.anon_id == anon_id, TutorConversation.user_id.is_(None))
            .values(user_id=user_id, anon_id=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_anonymous(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(TutorConversation).where(
                TutorConversation.user_id.is_(None), TutorConversation.updated_at < before
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def answers_by_chapter(self, since: datetime) -> list[tuple[str | None, int, int]]:
        """(chapter, answers, unanswered) since `since`, most asked first."""
        unanswered = func.sum(case((TutorMessage.answered.is_(False), 1), else_=0))
        rows = await self.session.execute(
            select(TutorMessage.chapter_id, func.count(), unanswered)
            .where(TutorMessage.role == "assistant", TutorMessage.created_at >= since)
            .group_by(TutorMessage.chapter_id)
            .order_by(func.count().desc())
        )
        return [(c, int(n), int(u or 0)) for c, n, u in rows]


def _owner(user_id: uuid.UUID | None, anon_id: str | None) -> ColumnElement[bool] | None:
    if user_id is not None:
        return TutorConversation.user_id == user_id
    if anon_id is not None:
        return and_(TutorConversation.anon_id == anon_id, TutorConversation.user_id.is_(None))
    return None
