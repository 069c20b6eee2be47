"""The `[translation]` block of settings (see tailored.example.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tailored.kit.languages import validate_language

MachineName = Literal["llm", "apertium"]
DEFAULT_MACHINE: tuple[MachineName, ...] = ("llm", "apertium")


class TranslationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The language the docs are written in; asking for it returns the original.
    source_language: str = "en"
    # Machine translators tried in this order after human translations. "llm" is used when
    # [[llm.providers]] are configured, "apertium" when the command and the pair are installed.
    # An empty list serves human translations only.
    machine: list[MachineName] = Field(default_factory=lambda: list(DEFAULT_MACHINE))
    apertium_command: str = "apertium"
    # Apertium's data folder (holding modes/); None: its default, /usr/share/apertium.
    apertium_data_dir: Path | None = None
    # Longest one Apertium call (one section) may take.
    apertium_timeout_s: float = Field(default=30.0, gt=0)
    # Longest one machine translation may take; sections not ready by then stay in the source
    # language, the log says timeout, and the result is not stored.
    budget_seconds: float = Field(default=120.0, gt=0)
    # How long a stored machine translation lives (default 30 days).
    ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    # How long one process may hold the lock that makes identical concurrent requests (from
    # any process sharing the cache) translate once. Keep it above budget_seconds.
    lock_ttl_seconds: float = Field(default=180.0, gt=0)

    @field_validator("source_language")
    @classmethod
    def _iso_639_1(cls, value: str) -> str:
        return validate_language(value)

    @field_validator("machine")
    @classmethod
    def _unique(cls, value: list[MachineName]) -> list[MachineName]:
        if len(set(value)) != len(value):
            raise ValueError(f"machine translators listed twice: {value}")
        return value
