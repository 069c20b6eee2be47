"""Settings: one class, read from TAILORED_* environment variables and an optional TOML file.

Precedence, highest first: constructor arguments, environment, the TOML file named by
TAILORED_CONFIG_FILE (or passed to `load_settings`), defaults. `tailored.example.toml` at the
repository root documents every field.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tailored.config.flags import FlagsConfig, StreamConfig
from tailored.config.llm import LLMConfig
from tailored.config.recommendations import RecommendationsConfig
from tailored.config.signals import SignalsConfig
from tailored.config.translation import TranslationConfig
from tailored.config.tutor import TutorConfig

# A secret that works out of the box in development and is refused in production.
DEV_SECRET_KEY = "tailored-development-secret-do-not-use-in-production"


class Environment(enum.StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TAILORED_", extra="forbid")

    environment: Environment = Environment.development
    database_url: str = "sqlite+aiosqlite:///tailored.db"
    # Connections one API process keeps open (pool) and may open beyond them for a burst
    # (overflow, closed again when returned: that is connection churn). See tailored.example.toml.
    database_pool_size: int = Field(default=32, ge=1)
    database_max_overflow: int = Field(default=8, ge=0)
    cache_url: str = "memory://"
    cache_namespace: str = "tailored"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    token_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    password_min_length: int = Field(default=10, ge=8)
    # Argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    # Login throttling (accounts/throttle.py): failures per account before it backs off, per
    # IP address across accounts, and the first and longest lockout in seconds.
    login_max_failures: int = Field(default=5, ge=1)
    login_ip_max_failures: int = Field(default=50, ge=1)
    login_backoff_seconds: float = Field(default=2.0, gt=0)
    login_backoff_max_seconds: float = Field(default=300.0, gt=0)
    # Special-use email domains (RFC 6761: school.local, lab.test...) accepted at registration.
    email_allowed_special_domains: list[str] = Field(default_factory=list)
    # /docs, /redoc and /openapi.json; unset: on, except in production.
    api_docs: bool | None = None
    content_dir: Path | None = None
    # Personalization: which adapter, how long shared results live, how many are kept.
    adapter: str = "rules"
    personalization_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    personalization_max_entries: int = Field(default=100_000, ge=1)
    # A result whose model rewrite was rejected in some sections lives this long; the next
    # request after it retries just those sections.
    personalization_retry_seconds: int = Field(default=600, gt=0)
    # The least a single-flight lock lives; it always outlives llm_budget_seconds (plus a margin).
    personalization_lock_ttl_seconds: float = Field(default=30.0, gt=0)
    request_log_retention_days: int = Field(default=90, ge=1)
    # Language-model providers (none by default: everything works offline).
    llm: LLMConfig = Field(default_factory=LLMConfig)
    # A folder whose prompt files replace the built-in ones (see tailored/llm/prompts/).
    llm_prompts_dir: Path | None = None
    # The longest one LLM personalization may take; what is not ready by then is served as
    # the rules adapter wrote it (and not cached).
    llm_budget_seconds: float = Field(default=60.0, gt=0)
    # Chapters in other languages: human translations first, then machine translators.
    translation: TranslationConfig = Field(default_factory=TranslationConfig)
    # The tutor: answers from the textbook with cited sections (see README, "Tutor").
    tutor: TutorConfig = Field(default_factory=TutorConfig)
    # What to read next (recommendations/): sources, weights, exclusions, diversity.
    recommendations: RecommendationsConfig = Field(default_factory=RecommendationsConfig)
    # Learner events: weights, decay, batch size, the Segment event-name mapping.
    signals: SignalsConfig = Field(default_factory=SignalsConfig)
    # Feature flags and experiments; the outbox relay to a message broker.
    flags: FlagsConfig = Field(default_factory=FlagsConfig)
    stream: StreamConfig = Field(default_factory=StreamConfig)
    auto_migrate: bool | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        """Embedded SQLite migrates itself on start; a shared Postgres only when asked to."""
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    @model_validator(mode="after")
    def _adapter_known(self) -> Settings:
        if self.adapter not in ("rules", "llm"):
            raise ValueError(f"adapter must be 'rules' or 'llm', not {self.adapter!r}")
        if self.adapter == "llm" and not self.llm.providers:
            raise ValueError("adapter 'llm' needs at least one provider in llm.providers")
        return self

    @model_validator(mode="after")
    def _production_needs_real_secret(self) -> Settings:
        if self.environment is Environment.production:
            secret = self.secret_key.get_secret_value()
            if secret == DEV_SECRET_KEY or len(secret) < 32 or _guessable(secret):
                raise ValueError(
                    "TAILORED_SECRET_KEY must be set to a random value of at least 32 characters"
                    " in production (this one is the default, too short or too predictable);"
                    " generate one with: python3 -c 'import secrets;"
                    " print(secrets.token_urlsafe(48))'"
                )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = _CONFIG_FILE.get("path")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def _guessable(secret: str) -> bool:
    """A secret with under 128 bits by a simple estimate (its characters' Shannon entropy times
    its length), or one made of a repeated pattern ("abcabc..."). secrets.token_urlsafe(32) or
    longer clears it (none of 20,000 draws refused); a repeated character or pattern never
    does. It cannot spot every human-made key (a keyboard row of 32 characters passes)."""
    n = len(secret)
    # s repeats with period p exactly when s shifted by p equals itself.
    if any(secret[period:] == secret[:-period] for period in range(1, n // 2 + 1)):
        return True
    counts = Counter(secret).values()
    bits_per_char = -sum(c / n * math.log2(c / n) for c in counts)
    return bits_per_char * n < 128


# Set by load_settings for the duration of one construction; pydantic-settings offers no
# per-instance way to name the TOML file.
_CONFIG_FILE: dict[str, Path | None] = {"path": None}


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings, reading `config_file` (or $TAILORED_CONFIG_FILE) when given."""
    import os

    path = config_file or (Path(p) if (p := os.environ.get("TAILORED_CONFIG_FILE")) else None)
    if path is not None and not path.is_file():
        raise ValueError(f"config file not found: {path}")
    _CONFIG_FILE["path"] = path
    try:
        return Settings(**overrides)
    finally:
        _CONFIG_FILE["path"] = None
