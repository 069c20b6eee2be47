"""API shapes of the tutor (the reader's tutor panel and search box use them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_MESSAGE = 10_000


class CitationOut(BaseModel):
    chapter_id: str
    anchor: str | None
    heading: str
    score: float


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    role: str
    content: str
    citations: list[CitationOut]
    # Answers: whether the textbook covered the question; null for the learner's turns.
    answered: bool | None
    created_at: datetime


class ConversationOut(BaseModel):
    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]


class ConversationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime


class ConversationList(BaseModel):
    conversations: list[ConversationSummary]


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The first question (optional: a conversation may start empty).
    question: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE)
    # The chapter being read: retrieval favours it.
    chapter_id: str | None = Field(default=None, min_length=1, max_length=200)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=MAX_MESSAGE)
    chapter_id: str | None = Field(default=None, min_length=1, max_length=200)


class SearchResult(BaseModel):
    chapter_id: str
    anchor: str | None
    heading: str
    snippet: str
    score: float


class SearchOut(BaseModel):
    results: list[SearchResult]


class ChapterQuestions(BaseModel):
    chapter_id: str | None
    questions: int
    unanswered: int


class TutorStats(BaseModel):
    since: datetime
    questions: int
    unanswered: int
    by_chapter: list[ChapterQuestions]
