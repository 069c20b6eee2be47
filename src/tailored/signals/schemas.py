"""API shapes for learner events, progress and site keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# A Segment messageId or a client's UUID; printable, no whitespace.
EVENT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$"


class EventIn(BaseModel):
    """One event of `POST /api/events`. `user_id` / `anonymous_id` name the site's user when a
    site sends with its API key; a learner's token ignores neither: it refuses them."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=EVENT_ID)
    type: str = Field(min_length=1, max_length=32)
    content_id: str | None = Field(default=None, min_length=1, max_length=200)
    content_type: str = Field(default="chapter", pattern=r"^(chapter|section)$")
    occurred_at: AwareDatetime
    session_id: str | None = Field(default=None, min_length=1, max_length=128)
    metadata: dict[str, Any] = Field(default_factory=dict)
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    anonymous_id: str | None = Field(default=None, min_length=1, max_length=128)


class EventBatch(BaseModel):
    """The envelope; items are validated one by one so one bad item does not sink the rest."""

    events: list[Any]


class ItemError(BaseModel):
    index: int
    detail: list[dict[str, Any]]


class IngestOut(BaseModel):
    inserted: int
    duplicates: int
    # Repeated views of the same content within signals.view_collapse_seconds.
    collapsed: int = 0
    errors: list[ItemError] = Field(default_factory=list)


class ProgressOut(BaseModel):
    completed: list[str]
    last_viewed: str | None


class ScoreOut(BaseModel):
    content_id: str
    content_type: str
    score: float
    events: int
    last_seen: datetime


class RollupOut(BaseModel):
    content_type: str
    signal_type: str
    count: int
    total_weight: float
    last_seen: datetime


class SiteKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Signal:
    """An event resolved to its learner, ready to store (service.record_events)."""

    id: str
    learner: str
    type: str
    occurred_at: datetime
    content_id: str | None = None
    content_type: str = "chapter"
    session_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = "api"


@dataclass
class IngestResult:
    inserted: int = 0
    duplicates: int = 0
    collapsed: int = 0
    # What the caller does after commit: remember these ids in the dedup set, per learner,
    # and the content each session saw.
    stored: list[Signal] = field(default_factory=list)
    # Accounts whose inferred traits changed (their preferences snapshot is dropped).
    inferred_for: set[uuid.UUID] = field(default_factory=set)
