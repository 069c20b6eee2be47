"""The `[signals]` block of settings: learner events, their weights and decay (see
tailored.example.toml)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The event types every install knows, with their default weights. "served" (a recommendation
# shown) and "exposure" (a feature-flag variant shown) are recorded by Tailored itself.
BUILTIN_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "complete": 5.0,
    "bookmark": 3.0,
    "share": 4.0,
    "skip": -2.0,
    "rate": 2.0,
    "served": 0.0,
    "exposure": 0.0,
}
# Segment event names (lower-cased) mapped to signal types; `page` calls are views.
DEFAULT_SEGMENT_EVENTS: dict[str, str] = {
    "chapter viewed": "view",
    "content viewed": "view",
    "chapter completed": "complete",
    "content completed": "complete",
    "bookmark added": "bookmark",
    "content bookmarked": "bookmark",
    "content shared": "share",
    "content skipped": "skip",
    "content rated": "rate",
}
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class SignalsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Weight of each event type in a learner's per-item score; entries here replace the
    # built-in weights, and new names declare custom event types.
    weights: dict[str, float] = Field(default_factory=dict)
    # A signal loses half its weight every half_life_days (forward decay, so reads are O(1)).
    half_life_days: float = Field(default=14.0, gt=0)
    # Views of the same content by the same learner closer together than this count once.
    view_collapse_seconds: int = Field(default=1800, ge=0)
    # The most events one POST /api/events or /v1/batch may carry.
    max_batch: int = Field(default=1000, ge=1, le=10000)
    # Segment `track` event names (compared lower-cased) → signal types; merged over the
    # defaults. Names that map nowhere are stored as the custom type "track" only if declared.
    segment_events: dict[str, str] = Field(default_factory=dict)
    # Inferred traits below this confidence are not put in the preferences snapshot.
    snapshot_min_confidence: float = Field(default=0.7, ge=0, le=1)

    @field_validator("weights")
    @classmethod
    def _names(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if not _TYPE_NAME.match(name):
                raise ValueError(f"event type {name!r}: use lower-case letters, digits and _")
        return value

    @model_validator(mode="after")
    def _mapped_types_exist(self) -> SignalsConfig:
        known = self.all_weights()
        for event, kind in self.segment_events.items():
            if kind not in known:
                raise ValueError(f"segment_events[{event!r}] = {kind!r} is not an event type")
        return self

    def all_weights(self) -> dict[str, float]:
        return {**BUILTIN_WEIGHTS, **self.weights}

    def segment_mapping(self) -> dict[str, str]:
        return {**DEFAULT_SEGMENT_EVENTS, **{k.lower(): v for k, v in self.segment_events.items()}}
