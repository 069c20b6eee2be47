"""The `tutor` block of settings: retrieval, answers, conversations and their limits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TutorConfig(BaseModel):
    """`[tutor]` in the TOML; TAILORED_TUTOR='{"retention_days": 7}' from the environment."""

    model_config = ConfigDict(extra="forbid")

    # Sections retrieved for an answer (and handed to a model).
    sections: int = Field(default=4, ge=1, le=20)
    # Sentences an offline (extractive) answer quotes at most.
    sentences: int = Field(default=3, ge=1, le=10)
    # "auto": a model when providers are configured, else extractive; "extractive": never a model.
    mode: str = Field(default="auto", pattern="^(auto|extractive)$")
    # The longest a model answer may take before the extractive answer is served instead.
    budget_seconds: float = Field(default=20.0, gt=0)
    # Anonymous conversations are purged this long after their last message (`tailored cleanup`).
    anonymous_retention_days: int = Field(default=30, ge=1)
    # Questions per minute, per learner (or anonymous cookie) and per IP address.
    per_learner_per_minute: int = Field(default=20, ge=1)
    per_ip_per_minute: int = Field(default=60, ge=1)
    # Earlier turns a follow-up question reads.
    history_turns: int = Field(default=6, ge=0, le=50)
