from __future__ import annotations

from pydantic import BaseModel, Field

from tailored.recommendations.sources import SourceName


class RecommendationOut(BaseModel):
    """One thing to read next, and why."""

    content_id: str = Field(
        description="The chapter id, or `chapter_id#anchor` for a section (as signals name it)."
    )
    chapter_id: str
    title: str
    anchor: str | None = Field(description="The section's anchor; null for a whole chapter.")
    score: float
    source: SourceName = Field(description="The named source that chose the item.")
    reason: str = Field(description="Why, in words for the learner: 'Next in Module 2'.")


class RecommendationsOut(BaseModel):
    items: list[RecommendationOut]
