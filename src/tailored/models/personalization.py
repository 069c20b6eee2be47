from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tailored.models.base import Base, UTCDateTime, utcnow


class PersonalizedResult(Base):
    """One adapted chapter, shared by every learner whose audience key matches."""

    __tablename__ = "personalized_results"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    chapter_id: Mapped[str] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    source_hash: Mapped[str] = mapped_column(String(64))
    # "llm@rules@1+<provider>=<model>+...+prompt@<hash>": long with several providers.
    adapter: Mapped[str] = mapped_column(String(300))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    content: Mapped[str] = mapped_column(Text)
    applied: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # success, or rejected: some sections were left as they were (named in `unfinished`); such
    # a partial result lives only until a retry (see derived/store.py).
    status: Mapped[str] = mapped_column(String(16), default="success", server_default="success")
    unfinished: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    size_bytes: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PersonalizationHistory(Base):
    """Which chapter a learner personalized, when, and with which key (private to them)."""

    __tablename__ = "personalization_history"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    chapter_id: Mapped[str] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    audience_key: Mapped[str] = mapped_column(String(64))
    # The adapter-read profile fields at the time: `cache warm` ranks audiences by these.
    profile_fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class PersonalizationSession(Base):
    """A learner's per-chapter toggle, so the reader reopens a chapter in the mode they left."""

    __tablename__ = "personalization_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    chapter_id: Mapped[str] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RequestStatus(enum.StrEnum):
    success = "success"
    failure = "failure"
    timeout = "timeout"
    rejected = "rejected"


class RequestLog(Base):
    """One personalization or translation request (`kind`), for analytics. Kept 90 days."""

    __tablename__ = "request_logs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), default="personalize")
    # Logs outlive accounts and chapters: no cascade, the user is nulled on account deletion.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    chapter_id: Mapped[str] = mapped_column(String(200), index=True)
    # "llm@rules@1+<provider>=<model>+...+prompt@<hash>": long with several providers.
    adapter: Mapped[str] = mapped_column(String(300))
    audience_key: Mapped[str | None] = mapped_column(String(64), default=None)
    cached: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float] = mapped_column(Float)
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=16, name="request_status")
    )
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # Language-model tokens this request paid for (null: no model was called).
    input_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    output_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
