"""Tutor conversations: who owns them, their turns, limits, retention, export and figures.

Asking is slow work when a model answers, so the routes that ask take no request session:
the question is stored in one short transaction, answered outside any, and the answer
stored in another (the transaction rule, deps.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.tutor import TutorConfig
from tailored.errors import NotFound, TooManyAttempts
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models import TutorConversation, TutorMessage
from tailored.profiles import service as profiles
from tailored.tutor.engine import Learner, Outcome
from tailored.tutor.identity import Asker
from tailored.tutor.model import Turn
from tailored.tutor.repository import ConversationRepository
from tailored.tutor.schemas import (
    ChapterQuestions,
    ConversationOut,
    MessageOut,
    TutorStats,
)

T = TypeVar("T")
TITLE_LENGTH = 80
RATE_WINDOW = 60.0


class ConversationNotFound(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no such conversation"


class TooManyQuestions(TooManyAttempts):
    """A learner or an address asked more questions a minute than the tutor answers."""


def title_of(question: str) -> str:
    """A conversation's title: its first question on one line, cut at a word."""
    flat = " ".join(question.split())
    if len(flat) <= TITLE_LENGTH:
        return flat
    cut = flat[: TITLE_LENGTH - 1].rsplit(" ", 1)[0]
    return cut + "…"


async def check_rate(cache: Cache, config: TutorConfig, asker: Asker) -> None:
    """Count a question; TooManyQuestions past the per-learner or per-IP limit a minute."""
    window = int(time.time() // RATE_WINDOW)
    left = RATE_WINDOW - time.time() % RATE_WINDOW
    checks = [
        (f"tutor:rate:{asker.key}", config.per_learner_per_minute),
        (f"tutor:rate:ip:{asker.ip}", config.per_ip_per_minute),
    ]
    for key, limit in checks:
        if await cache.incr(f"{key}:{window}", ttl=RATE_WINDOW + 1) > limit:
            raise TooManyQuestions(left, f"too many questions; try again in {int(left) + 1} s")


async def adopt_anonymous(
    maker: async_sessionmaker[AsyncSession], anon_id: str, user_id: uuid.UUID
) -> int:
    """Move an anonymous reader's conversations to the account they signed in to."""
    async with transaction(maker, write=True) as session:
        return await ConversationRepository(session).adopt(anon_id, user_id)


async def learner_of(maker: async_sessionmaker[AsyncSession], user_id: uuid.UUID | None) -> Learner:
    if user_id is None:
        return Learner()
    async with transaction(maker) as session:
        profile = await profiles.get_profile(session, user_id)
    background = [*profile.languages, *profile.frameworks, *profile.interests]
    if profile.role is not None:
        background.insert(0, profile.role.value)
    level = profile.software_level.value if profile.software_level is not None else None
    return Learner(level, tuple(background[:12]))


async def start(
    maker: async_sessionmaker[AsyncSession], asker: Asker, title: str
) -> TutorConversation:
    async with transaction(maker, write=True) as session:
        conversation = TutorConversation(
            user_id=asker.user_id,
            anon_id=None if asker.user_id is not None else asker.anon_id,
            title=title,
        )
        session.add(conversation)
        await session.flush()
        return conversation


async def _at_the_end(add: Callable[[], Awaitable[T]]) -> T:
    """Run `add` again when another writer took the same position in the conversation first
    (two questions at once in one conversation, on PostgreSQL)."""
    for attempt in range(3):
        try:
            return await add()
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def ask(
    maker: async_sessionmaker[AsyncSession],
    asker: Asker,
    conversation_id: uuid.UUID,
    question: str,
    *,
    history_turns: int,
) -> tuple[TutorMessage, list[Turn]]:
    """Store the learner's question; the earlier turns (oldest first) for the answer."""
    return await _at_the_end(
        lambda: _ask(maker, asker, conversation_id, question, history_turns=history_turns)
    )


async def _ask(
    maker: async_sessionmaker[AsyncSession],
    asker: Asker,
    conversation_id: uuid.UUID,
    question: str,
    *,
    history_turns: int,
) -> tuple[TutorMessage, list[Turn]]:
    async with transaction(maker, write=True) as session:
        repo = ConversationRepository(session)
        conversation = await repo.get_owned(
            conversation_id, user_id=asker.user_id, anon_id=asker.anon_id, with_messages=True
        )
        if conversation is None:
            raise ConversationNotFound()
        earlier = [Turn(m.role, m.content) for m in conversation.messages]
        if not conversation.messages and conversation.title == "":
            conversation.title = title_of(question)
        message = TutorMessage(
            conversation_id=conversation.id,
            position=await repo.next_position(conversation.id),
            role="user",
            content=question,
            citations=[],
        )
        await repo.add_message(message, now=datetime.now(UTC))
    return message, earlier[-2 * history_turns :] if history_turns else []


async def answered(
    maker: async_sessionmaker[AsyncSession],
    conversation_id: uuid.UUID,
    outcome: Outcome,
    chapter_id: str | None,
) -> TutorMessage:
    """Store the tutor's answer (after the question, whatever happened meanwhile)."""
    return await _at_the_end(lambda: _answered(maker, conversation_id, outcome, chapter_id))


async def _answered(
    maker: async_sessionmaker[AsyncSession],
    conversation_id: uuid.UUID,
    outcome: Outcome,
    chapter_id: str | None,
) -> TutorMessage:
    async with transaction(maker, write=True) as session:
        repo = ConversationRepository(session)
        message = TutorMessage(
            conversation_id=conversation_id,
            position=await repo.next_position(conversation_id),
            role="assistant",
            content=outcome.text,
            citations=[c.as_dict() for c in outcome.citations],
            answered=outcome.answered,
            chapter_id=chapter_id
            or (outcome.citations[0].chapter_id if outcome.citations else None),
            mode=outcome.mode,
        )
        await repo.add_message(message, now=datetime.now(UTC))
        return message


async def get_conversation(
    session: AsyncSession, asker: Asker, conversation_id: uuid.UUID
) -> ConversationOut:
    conversation = await ConversationRepository(session).get_owned(
        conversation_id, user_id=asker.user_id, anon_id=asker.anon_id, with_messages=True
    )
    if conversation is None:
        raise ConversationNotFound()
    return conversation_out(conversation, conversation.messages)


def conversation_out(
    conversation: TutorConversation, messages: Sequence[TutorMessage]
) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        title=conversation.title,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        messages=[MessageOut.model_validate(m) for m in messages],
    )


async def list_conversations(session: AsyncSession, asker: Asker) -> Sequence[TutorConversation]:
    return await ConversationRepository(session).list_owned(
        user_id=asker.user_id, anon_id=asker.anon_id
    )


async def delete_conversation(
    session: AsyncSession, asker: Asker, conversation_id: uuid.UUID
) -> None:
    repo = ConversationRepository(session)
    conversation = await repo.get_owned(
        conversation_id, user_id=asker.user_id, anon_id=asker.anon_id
    )
    if conversation is None:
        raise ConversationNotFound()
    await repo.delete(conversation)


async def export_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every conversation of the learner, with its messages (GET /api/me/export)."""
    return [
        conversation_out(c, c.messages).model_dump(mode="json")
        for c in await ConversationRepository(session).for_user(user_id)
    ]


async def purge_anonymous(session: AsyncSession, retention_days: int) -> int:
    """Anonymous conversations untouched for `retention_days` (`tailored cleanup`)."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    return await ConversationRepository(session).purge_anonymous(cutoff)


async def stats(session: AsyncSession, *, days: int) -> TutorStats:
    """Questions and unanswered questions per chapter: where the book falls short."""
    since = datetime.now(UTC) - timedelta(days=days)
    rows = await ConversationRepository(session).answers_by_chapter(since)
    return TutorStats(
        since=since,
        questions=sum(n for _c, n, _u in rows),
        unanswered=sum(u for _c, _n, u in rows),
        by_chapter=[ChapterQuestions(chapter_id=c, questions=n, unanswered=u) for c, n, u in rows],
    )
