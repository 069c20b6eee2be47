"""Learner signals: raw events, per-item decayed scores, rollups, popularity, site API keys and
the transactional outbox.

A *learner* is a string key: a Tailored account is its user id (str(uuid)); a site's own user
is "s:<site key prefix>:<user id>" and an anonymous visitor "a:<site key prefix>:<anonymous id>"
(tailored.signals.identity builds them). `user_id` is set for accounts so deleting the account
deletes its rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tailored.models.base import Base, UTCDateTime, new_id, utcnow

LEARNER_LEN = 255
CONTENT_LEN = 200


class SignalEvent(Base):
    """One learner event as received; the id is the client's (or Segment's messageId), so a
    retry of the same event is ignored."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_learner_occurred_at", "learner", "occurred_at"),)

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    learner: Mapped[str] = mapped_column(String(LEARNER_LEN))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    type: Mapped[str] = mapped_column(String(32))
    content_id: Mapped[str | None] = mapped_column(String(CONTENT_LEN), default=None)
    content_type: Mapped[str] = mapped_column(String(32), default="chapter")
    session_id: Mapped[str | None] = mapped_column(String(128), default=None)
    # "metadata" is reserved on declarative classes; the column keeps the API's name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Where it came from: "api" (POST /api/events), "segment", "internal".
    source: Mapped[str] = mapped_column(String(16), default="api")


class SignalScore(Base):
    """A learner's forward-decayed score for one item: sum of weight * 2^((t - landmark) / h).
    Reading it at time `now` multiplies by 2^(-(now - landmark) / h): O(1), and the sum does not
    depend on the order events arrived in."""

    __tablename__ = "signal_scores"

    learner: Mapped[str] = mapped_column(String(LEARNER_LEN), primary_key=True)
    content_id: Mapped[str] = mapped_column(String(CONTENT_LEN), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    content_type: Mapped[str] = mapped_column(String(32), default="chapter")
    scaled: Mapped[float] = mapped_column(Float, default=0.0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    # Last view, for collapsing repeated views within signals.view_collapse_seconds.
    last_view_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SignalRollup(Base):
    """Per (learner, content type, signal type): how many, their total weight, the latest."""

    __tablename__ = "signal_rollups"

    learner: Mapped[str] = mapped_column(String(LEARNER_LEN), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    signal_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    count: Mapped[int] = mapped_column(Integer, default=0)
    total_weight: Mapped[float] = mapped_column(Float, default=0.0)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class ContentPopularity(Base):
    """Forward-decayed popularity of one item, for everyone (audience "*") and per audience
    (tailored.signals.identity.audience_of)."""

    __tablename__ = "content_popularity"

    content_id: Mapped[str] = mapped_column(String(CONTENT_LEN), primary_key=True)
    audience: Mapped[str] = mapped_column(String(64), primary_key=True)
    scaled: Mapped[float] = mapped_column(Float, default=0.0)
    events: Mapped[int] = mapped_column(Integer, default=0)


class SiteKey(Base):
    """A site's API key (write key): only its SHA-256 is stored; `prefix` identifies it."""

    __tablename__ = "site_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Outbox(Base):
    """A change to publish, written in the same transaction as the change itself; the relay
    (tailored.flags) publishes rows in id order per learner and stamps published_at."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The broker's dedup id (the event id for events).
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    # Messages of one learner are published in order.
    learner_key: Mapped[str] = mapped_column(String(LEARNER_LEN))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True, default=None)


class SignalBasis(Base):
    """What the stored scores and rollups were computed with (weights, half-life, landmark):
    one row. A server started with other settings warns, and `tailored rollups rebuild`
    recomputes them from the raw events (signals.rebuild)."""

    __tablename__ = "signal_basis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    basis: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def preferences_cache_key(user_id: uuid.UUID) -> str:
    """The learner's preferences snapshot in the cache (a hash of high-confidence traits,
    tailored.signals.structures); profiles drop it on every change."""
    return f"prefs:{user_id}"


def user_cache_keys(user_id: uuid.UUID) -> tuple[str, ...]:
    """Every signals cache key of an account, for accounts to drop when the account goes
    (tailored.signals.structures names them; session lists go with their TTL)."""
    learner = str(user_id)
    return (
        preferences_cache_key(user_id),
        f"sig:seen:{learner}",
        f"sig:flags:{learner}",
        f"sig:embedding:{learner}",
    )
