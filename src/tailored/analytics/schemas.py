from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Latency(BaseModel):
    """Milliseconds, nearest-rank percentiles; null when there were no such requests."""

    requests: int
    p50: float | None
    p95: float | None
    p99: float | None


class ChapterCount(BaseModel):
    chapter_id: str
    requests: int


class PersonalizationStats(BaseModel):
    since: datetime
    requests: int
    by_status: dict[str, int]
    hit_rate: float | None
    cached: Latency
    uncached: Latency
    top_chapters: list[ChapterCount]
    distinct_audiences: int
    # Language-model tokens spent in the window (0 with the offline rules adapter).
    input_tokens: int = 0
    output_tokens: int = 0
    stored_entries: int
    stored_bytes: int


class ModelTokens(BaseModel):
    model: str
    input_tokens: int
    output_tokens: int


class ProviderUsageOut(BaseModel):
    name: str
    requests: int
    input_tokens: int
    output_tokens: int
    by_model: list[ModelTokens]
    # closed (calls go through) | open (resting after failures) | half_open (one trial call)
    circuit: str


class TimePoint(BaseModel):
    """One bucket of personalize requests: count, hit rate and latency percentiles (ms)."""

    start: datetime
    requests: int
    hit_rate: float | None
    p50: float | None
    p95: float | None
    p99: float | None


class TimeSeries(BaseModel):
    since: datetime
    bucket_seconds: int
    points: list[TimePoint]
