"""Fresh loopback servers per test, and a factory for providers pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from tailored.llm import ProviderConfig, ResilientProvider, build_provider
from tailored.testing import AnthropicServer, FakeServer, OpenAIServer

MakeProvider = Callable[..., ResilientProvider]


@pytest.fixture
async def openai_server() -> AsyncIterator[OpenAIServer]:
    server = OpenAIServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def anthropic_server() -> AsyncIterator[AnthropicServer]:
    server = AnthropicServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture(params=["openai", "anthropic"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[FakeServer]:
    """Either kind: tests of behaviour common to both run once against each."""
    fake: FakeServer = OpenAIServer() if request.param == "openai" else AnthropicServer()
    await fake.start()
    yield fake
    await fake.close()


def config_for(server: FakeServer, **overrides: Any) -> ProviderConfig:
    """Fast-failing defaults so the suite stays quick; tests override what they exercise."""
    kind = "openai" if isinstance(server, OpenAIServer) else "anthropic"
    base_url = server.base_url if isinstance(server, OpenAIServer | AnthropicServer) else ""
    values: dict[str, Any] = {
        "name": f"fake-{kind}",
        "kind": kind,
        "base_url": base_url,
        "model": f"{kind}-test-model",
        "api_key": SecretStr("sk-test"),
        "timeout_s": 2.0,
        "max_retries": 2,
        "backoff_base_s": 0.01,
        "retry_max_wait_s": 2.0,
        "concurrency": 4,
        "breaker_failures": 3,
        "breaker_reset_s": 0.3,
        "max_tokens": 64,
        "temperature": 0.0,
    }
    values.update(overrides)
    return ProviderConfig(**values)


@pytest.fixture
async def make_provider() -> AsyncIterator[MakeProvider]:
    """`make_provider(server, **config_overrides)`; every provider is closed after the test."""
    made: list[ResilientProvider] = []

    def make(server: FakeServer, **overrides: Any) -> ResilientProvider:
        provider = build_provider(config_for(server, **overrides))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()
