"""Named providers in fallback order, and building them from configuration."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence

from tailored.llm.base import (
    BadResponse,
    ChatMessage,
    Completion,
    LLMConfig,
    Provider,
    ProviderConfig,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    Usage,
)
from tailored.llm.resilience import ResilientProvider, aclose_stream

log = logging.getLogger(__name__)

# Failures another provider may not share. Truncated and 4xx errors are about the request
# (too long an answer, a bad key or model name), so they surface instead of falling through.
FALLBACK_ON: tuple[type[ProviderError], ...] = (
    ProviderUnavailable,  # includes CircuitOpen: an open circuit is skipped at no cost
    RateLimited,
    ProviderTimeout,
    BadResponse,
)


class AllProvidersFailed(ProviderUnavailable):
    """Every provider in the chain failed; `errors` holds each one's error, in order."""

    def __init__(self, errors: Sequence[ProviderError]) -> None:
        detail = "; ".join(str(e) for e in errors) or "no providers configured"
        super().__init__(f"all providers failed: {detail}", provider="chain")
        self.errors = list(errors)


def build_provider(config: ProviderConfig) -> ResilientProvider:
    """One SDK-backed provider wrapped in its retries, limit and breaker."""
    # SDKs are imported here, not at module load: importing openai costs ~1 s of CLI start-up
    # and nothing loads it unless a provider is configured.
    inner: Provider
    if config.kind == "openai":
        from tailored.llm.openai_provider import OpenAIProvider

        inner = OpenAIProvider(config)
    else:
        from tailored.llm.anthropic_provider import AnthropicProvider

        inner = AnthropicProvider(config)
    return ResilientProvider(inner, config)


def build_providers(configs: Iterable[ProviderConfig]) -> dict[str, ResilientProvider]:
    """Providers by name, in configuration order (which is the default fallback order)."""
    out: dict[str, ResilientProvider] = {}
    for config in configs:
        if config.name in out:
            raise ValueError(f"duplicate provider name {config.name!r}")
        out[config.name] = build_provider(config)
    return out


class ProviderChain:
    """A Provider that tries each of its providers in order until one answers."""

    def __init__(
        self, providers: Sequence[Provider], *, name: str = "chain", label: str | None = None
    ) -> None:
        if not providers:
            raise ValueError("a provider chain needs at least one provider")
        self._providers = list(providers)
        self._name = name
        self._usage = Usage()
        # What cached output depends on: providers and models in order (see build_chain).
        self.label = label or "+".join(p.name for p in self._providers)

    @classmethod
    def from_named(
        cls, providers: Mapping[str, Provider], order: Sequence[str] | None = None
    ) -> ProviderChain:
        """Chain `providers` in `order` (names), or in the mapping's order when None."""
        names = list(order) if order is not None else list(providers)
        unknown = [n for n in names if n not in providers]
        if unknown:
            raise ValueError(f"unknown providers in fallback order: {unknown}")
        return cls([providers[n] for n in names])

    @property
    def name(self) -> str:
        return self._name

    @property
    def providers(self) -> list[Provider]:
        return list(self._providers)

    @property
    def usage(self) -> Usage:
        """Totals over every provider in the chain (each keeps its own as well)."""
        total = Usage()
        for p in self._providers:
            u = p.usage
            total.requests += u.requests
            total.input_tokens += u.input_tokens
            total.output_tokens += u.output_tokens
            for model, (tin, tout) in u.by_model.items():
                seen_in, seen_out = total.by_model.get(model, (0, 0))
                total.by_model[model] = (seen_in + tin, seen_out + tout)
        return total

    async def aclose(self) -> None:
        for p in self._providers:
            await p.aclose()

    async def complete(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> Completion:
        """The first provider's answer that arrives without a fallback-worthy error."""
        errors: list[ProviderError] = []
        for p in self._providers:
            try:
                return await p.complete(messages, system=system)
            except FALLBACK_ON as exc:
                log.warning("llm provider %s failed, falling back: %s", p.name, exc)
                errors.append(exc)
        raise AllProvidersFailed(errors)

    async def stream(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> AsyncIterator[str]:
        """Deltas from the first provider that starts; no fallback once text has been sent."""
        errors: list[ProviderError] = []
        for p in self._providers:
            started = False
            stream = p.stream(messages, system=system)
            try:
                async for piece in stream:
                    started = True
                    yield piece
                return
            except FALLBACK_ON as exc:
                if started:
                    raise
                log.warning("llm provider %s failed, falling back: %s", p.name, exc)
                errors.append(exc)
            finally:
                await aclose_stream(stream)
        raise AllProvidersFailed(errors)


def build_chain(config: LLMConfig) -> ProviderChain | None:
    """The chain the app uses, or None when no provider is configured (LLM features off)."""
    if not config.providers:
        return None
    chain = ProviderChain.from_named(build_providers(config.providers), config.fallback)
    models = {p.name: p.model for p in config.providers}
    chain.label = "+".join(f"{p.name}={models[p.name]}" for p in chain.providers)
    return chain
