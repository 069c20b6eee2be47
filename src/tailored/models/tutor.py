"""Tutor conversations: a learner's (or an anonymous reader's) questions and the answers,
each answer with the sections it drew on (`citations`, the platform's `context_refs`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tailored.models.base import Base, UTCDateTime, new_id, utcnow


class TutorConversation(Base):
    """Owned by an account (`user_id`) or by an anonymous reader's signed cookie (`anon_id`);
    an anonymous one moves to the account at sign-in and is purged after the retention."""

    __tablename__ = "tutor_conversations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    anon_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    messages: Mapped[list[TutorMessage]] = relationship(
        back_populates="conversation",
        order_by="TutorMessage.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class TutorMessage(Base):
    """One turn: the learner's question or the tutor's answer."""

    __tablename__ = "tutor_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("tutor_conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    # [{"chapter_id", "anchor", "heading", "score"}], best first (answers only).
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Answers: whether the book covered the question (false: "does not seem to cover this").
    answered: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # The chapter the question named, else the answer's first citation (analytics per chapter).
    chapter_id: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    # "extractive" or "llm" for answers; "question" for the learner's turns.
    mode: Mapped[str] = mapped_column(String(16), default="question")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    conversation: Mapped[TutorConversation] = relationship(back_populates="messages")
