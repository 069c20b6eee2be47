"""LLM providers: a typed Protocol, OpenAI-compatible and Anthropic SDK adapters, resilience.

In the app lifespan: `chain = build_chain(settings.llm)` (None when no provider is configured),
and `await chain.aclose()` on shutdown.
"""

from tailored.llm.base import (
    BadResponse,
    ChatMessage,
    CircuitOpen,
    Completion,
    LLMConfig,
    Provider,
    ProviderConfig,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    Truncated,
    Usage,
)
from tailored.llm.resilience import CircuitBreaker, ResilientProvider
from tailored.llm.router import (
    AllProvidersFailed,
    ProviderChain,
    build_chain,
    build_provider,
    build_providers,
)

__all__ = [
    "AllProvidersFailed",
    "BadResponse",
    "ChatMessage",
    "CircuitBreaker",
    "CircuitOpen",
    "Completion",
    "LLMConfig",
    "Provider",
    "ProviderChain",
    "ProviderConfig",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailable",
    "RateLimited",
    "ResilientProvider",
    "Truncated",
    "Usage",
    "build_chain",
    "build_provider",
    "build_providers",
]
