"""The `llm` block of settings: language-model providers and their fallback order."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

ProviderKind = Literal["openai", "anthropic"]


class ProviderConfig(BaseModel):
    """One named provider, as it appears in settings (`[[llm.providers]]` in the TOML)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: ProviderKind
    # None means the SDK's public endpoint; set it for vLLM, Ollama, llama.cpp, LiteLLM.
    base_url: str | None = None
    model: str = Field(min_length=1)
    api_key: SecretStr | None = None
    # Name of an environment variable holding the key, so the config file need not hold it.
    api_key_env: str | None = None
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    # First backoff step; later ones grow exponentially (with jitter) up to retry_max_wait_s.
    backoff_base_s: float = Field(default=0.5, gt=0)
    # Longest single wait, Retry-After included: a server asking for longer fails the call now
    # so the chain can fall back instead of holding a request open.
    retry_max_wait_s: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=4, ge=1)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_s: float = Field(default=30.0, gt=0)
    max_tokens: int = Field(default=1024, ge=1)
    temperature: float = Field(default=0.2, ge=0, le=2)

    def resolved_api_key(self) -> str | None:
        """`api_key`, else the variable named by `api_key_env` (read when the client is built)."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or None
        return None


class LLMConfig(BaseModel):
    """The `llm` block of settings: providers, and the order the chain tries them in."""

    model_config = ConfigDict(extra="forbid")

    providers: list[ProviderConfig] = Field(default_factory=list)
    # Names from `providers`; None means the order they are listed in.
    fallback: list[str] | None = None

    @model_validator(mode="after")
    def _names_known_and_unique(self) -> LLMConfig:
        names = [p.name for p in self.providers]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate provider names in {names}")
        unknown = [n for n in self.fallback or [] if n not in names]
        if unknown:
            raise ValueError(f"fallback names unknown providers: {unknown}")
        return self
