"""The `[flags]` and `[stream]` blocks of settings (see tailored.example.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FlagsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # How long one API process serves flag definitions from memory before reading them again;
    # an edit is seen at once by the process that made it, by the others within this time.
    refresh_seconds: float = Field(default=2.0, ge=0)
    # Record each learner's first exposure to a flag's variant as a signal (experiments).
    record_exposures: bool = True
    # A multi-variant flag whose variant values name the personalization adapter ("rules",
    # "llm") per learner, sticky; absent, disabled or naming an adapter that is not configured:
    # the `adapter` setting's. Empty: no flag is read.
    personalization_flag: str = "personalization-adapter"


class StreamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Where the outbox relay publishes: redis://host:6379/0 (Redis Streams), nats://host:4222
    # (NATS JetStream) or memory:// (in-process, for tests and single-process demos). Unset:
    # the cache's Redis when the cache is Redis, else memory://.
    url: str | None = None
    # `tailored serve` runs the relay in-process; turn off when `tailored relay` runs apart.
    relay_in_serve: bool = True
    # Redis stream key / NATS subject prefix: a message goes to PREFIX.<topic> (tailored.events).
    prefix: str = "tailored"
    # Rows read and published per round, and the time from one read to the next while fewer
    # than batch_size rows wait (the round's own work counts toward it; a full round reads
    # again at once).
    batch_size: int = Field(default=500, ge=1, le=10_000)
    poll_seconds: float = Field(default=0.02, gt=0)
    # Redis Streams: approximate cap per stream (MAXLEN ~); 0 keeps everything. How long an
    # event id is remembered to drop a republished one (a key per message: ~100 bytes each).
    redis_maxlen: int = Field(default=1_000_000, ge=0)
    redis_duplicate_window_seconds: float = Field(default=600.0, gt=0)
    # `tailored cleanup` deletes outbox rows published longer ago than this (unpublished rows
    # are never deleted).
    retention_hours: float = Field(default=24.0, gt=0)
    # NATS JetStream: the stream (created when missing, on subjects PREFIX.>) and how long it
    # remembers message ids to drop a republished one.
    nats_stream: str = "TAILORED"
    nats_duplicate_window_seconds: float = Field(default=600.0, gt=0)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is not None and value.split("://", 1)[0] not in (
            "redis",
            "rediss",
            "nats",
            "memory",
        ):
            raise ValueError("stream url must start with redis://, nats:// or memory://")
        return value
