"""The `[recommendations]` block of settings (see tailored.example.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SourceWeights(BaseModel):
    """How much each named source counts when the lists are blended (scores are 0..1)."""

    model_config = ConfigDict(extra="forbid")

    next_in_order: float = Field(default=1.0, ge=0)
    because_completed: float = Field(default=0.8, ge=0)
    similar: float = Field(default=0.6, ge=0)
    popular: float = Field(default=0.5, ge=0)
    # Profile-based picks; a learner with no history gets `cold_start_alone` instead.
    cold_start: float = Field(default=0.3, ge=0)
    cold_start_alone: float = Field(default=1.0, ge=0)


class RecommendationsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Similar items kept per item, computed once per content generation (TF-IDF, cosine).
    neighbours: int = Field(default=20, ge=1, le=200)
    # Pairs less similar than this are not "similar content".
    min_similarity: float = Field(default=0.08, ge=0, le=1)
    # An item served to a learner is left out of their lists for this long.
    served_window_seconds: int = Field(default=3600, ge=1)
    # Diversity: at most this many items from one chapter in one list.
    max_per_chapter: int = Field(default=2, ge=1)
    # How often a process checks whether the library changed under it (another process ingested).
    refresh_seconds: float = Field(default=5.0, gt=0)
    # Popular lists per audience are read at most this often per process.
    popular_ttl_seconds: float = Field(default=30.0, gt=0)
    weights: SourceWeights = Field(default_factory=SourceWeights)
