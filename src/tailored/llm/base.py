"""Provider contract: configuration, messages, results, usage and the error tree.

    ProviderError
     ├── ProviderUnavailable   connection refused/reset, 5xx, or the circuit is open
     │    └── CircuitOpen      the breaker refused the call; nothing was sent
     ├── RateLimited           429 (carries `retry_after` seconds when the server said)
     ├── ProviderTimeout       no answer within `timeout_s`
     ├── BadResponse           the body or stream did not parse as the wire format promises
     └── Truncated             the model stopped at max_tokens; `partial` holds what it wrote

Retries cover ProviderUnavailable (not CircuitOpen), RateLimited and ProviderTimeout; the
circuit breaker counts those and BadResponse; Truncated is the caller's problem, not the
provider's health.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from tailored.config.llm import LLMConfig, ProviderConfig, ProviderKind

__all__ = ["LLMConfig", "ProviderConfig", "ProviderKind"]


class ChatMessage(BaseModel):
    """One turn. The system prompt is passed separately because Anthropic takes it apart."""

    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: str


class Completion(BaseModel):
    """A finished, non-truncated answer and what it cost."""

    model_config = ConfigDict(frozen=True)

    text: str
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str | None = None
    truncated: bool = False


@dataclass
class Usage:
    """Running token totals for one provider (including truncated answers: they were paid for)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    by_model: dict[str, tuple[int, int]] = field(default_factory=dict)

    def record(self, model: str, input_tokens: int, output_tokens: int) -> None:
        self.requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        seen_in, seen_out = self.by_model.get(model, (0, 0))
        self.by_model[model] = (seen_in + input_tokens, seen_out + output_tokens)


class ProviderError(Exception):
    """Base of every provider failure; `provider` names the one that failed."""

    def __init__(
        self, message: str, *, provider: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"{provider}: {message}" if provider else message)
        self.provider = provider
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """Could not reach the provider, or it answered 5xx."""


class CircuitOpen(ProviderUnavailable):
    """The breaker is open: the provider failed repeatedly and is resting."""


class RateLimited(ProviderError):
    """429 from the provider (after our retries, when raised by the resilient wrapper)."""


class ProviderTimeout(ProviderError):
    """No complete answer within the configured timeout."""


class BadResponse(ProviderError):
    """The answer did not follow the provider's wire format."""


class Truncated(ProviderError):
    """The model hit its token limit; `partial` is the completion it did return."""

    def __init__(self, message: str, *, provider: str = "", partial: Completion) -> None:
        super().__init__(message, provider=provider)
        self.partial = partial


@runtime_checkable
class Provider(Protocol):
    """What the rest of Tailored calls. Implementations own their client and usage."""

    @property
    def name(self) -> str: ...

    @property
    def usage(self) -> Usage: ...

    async def complete(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> Completion:
        """Return the whole answer; raise Truncated when it stopped at max_tokens."""
        ...

    def stream(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> AsyncIterator[str]:
        """Yield text deltas; raise Truncated after the last delta when cut at max_tokens."""
        ...

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        ...


def finish_completion(
    provider: str,
    usage: Usage,
    *,
    text: str,
    model: str,
    tokens_in: int,
    tokens_out: int,
    reason: str | None,
    truncated: bool,
) -> Completion:
    """Record usage (truncated output costs tokens too) and raise Truncated when cut off."""
    usage.record(model, tokens_in, tokens_out)
    result = Completion(
        text=text,
        model=model,
        provider=provider,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        finish_reason=reason,
        truncated=truncated,
    )
    if truncated:
        raise Truncated("stopped at max_tokens", provider=provider, partial=result)
    return result
