from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class SectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    anchor: str | None
    title: str
    level: int
    content: str


class ChapterSummary(BaseModel):
    id: str
    title: str
    slug: str | None
    path: str
    position: int
    source_hash: str
    section_count: int
    updated_at: datetime


class ChapterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    slug: str | None
    path: str
    position: int
    front_matter: dict[str, Any]
    source_hash: str
    source: str
    sections: list[SectionOut]
    updated_at: datetime


class LoadErrorOut(BaseModel):
    path: str
    message: str


class IngestOut(BaseModel):
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    removed: list[str]
    errors: list[LoadErrorOut]
