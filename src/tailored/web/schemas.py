from __future__ import annotations

from pydantic import BaseModel


class ChapterHtmlOut(BaseModel):
    chapter_id: str
    title: str
    # The chapter file's path in the content folder: relative links and images resolve from it.
    path: str
    html: str


class HeadingOut(BaseModel):
    chapter_id: str
    anchor: str | None
    heading: str
    level: int
