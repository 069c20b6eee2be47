"""Fallback across named providers, and building them from configuration."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tailored.llm import (
    AllProvidersFailed,
    ChatMessage,
    LLMConfig,
    ProviderChain,
    ProviderConfig,
    Truncated,
    build_chain,
    build_providers,
)
from tailored.llm.anthropic_provider import AnthropicProvider
from tailored.llm.openai_provider import OpenAIProvider
from tailored.testing import AnthropicServer, OpenAIServer, ok, status, truncated
from tests.llm.conftest import MakeProvider

HELLO = [ChatMessage(role="user", content="hi")]


class TestProviderChain:
    async def test_falls_back_when_first_is_down(
        self,
        openai_server: OpenAIServer,
        anthropic_server: AnthropicServer,
        make_provider: MakeProvider,
    ) -> None:
        openai_server.default = status(503)
        anthropic_server.script(ok("from the backup"))
        chain = ProviderChain(
            [make_provider(openai_server, max_retries=1), make_provider(anthropic_server)]
        )
        result = await chain.complete(HELLO)
        assert (result.text, result.provider) == ("from the backup", "fake-anthropic")
        assert openai_server.count == 2
        assert chain.usage.requests == 1

    async def test_skips_open_circuit_without_a_request(
        self,
        openai_server: OpenAIServer,
        anthropic_server: AnthropicServer,
        make_provider: MakeProvider,
    ) -> None:
        first = make_provider(openai_server, max_retries=0, breaker_failures=1, breaker_reset_s=5)
        openai_server.script(status(500))
        chain = ProviderChain([first, make_provider(anthropic_server)])
        await chain.complete(HELLO)
        assert first.breaker.state == "open"
        await chain.complete(HELLO)
        assert openai_server.count == 1  # the second call went straight to the backup
        assert anthropic_server.count == 2

    async def test_stream_falls_back_before_any_text(
        self,
        openai_server: OpenAIServer,
        anthropic_server: AnthropicServer,
        make_provider: MakeProvider,
    ) -> None:
        openai_server.default = status(429, retry_after_ms="5")
        anthropic_server.script(ok("backup stream"))
        chain = ProviderChain([make_provider(openai_server), make_provider(anthropic_server)])
        assert "".join([p async for p in chain.stream(HELLO)]) == "backup stream"

    async def test_all_failing_reports_each(
        self,
        openai_server: OpenAIServer,
        anthropic_server: AnthropicServer,
        make_provider: MakeProvider,
    ) -> None:
        openai_server.default = status(503)
        anthropic_server.default = status(500)
        chain = ProviderChain(
            [
                make_provider(openai_server, max_retries=0),
                make_provider(anthropic_server, max_retries=0),
            ]
        )
        with pytest.raises(AllProvidersFailed) as info:
            await chain.complete(HELLO)
        assert [e.provider for e in info.value.errors] == ["fake-openai", "fake-anthropic"]

    async def test_truncation_does_not_fall_back(
        self,
        openai_server: OpenAIServer,
        anthropic_server: AnthropicServer,
        make_provider: MakeProvider,
    ) -> None:
        openai_server.script(truncated())
        chain = ProviderChain([make_provider(openai_server), make_provider(anthropic_server)])
        with pytest.raises(Truncated):
            await chain.complete(HELLO)
        assert anthropic_server.count == 0

    async def test_from_named_follows_order(
        self,
        openai_server: OpenAIServer,
        anthropic_server: AnthropicServer,
        make_provider: MakeProvider,
    ) -> None:
        named = {
            "a": make_provider(openai_server, name="a"),
            "b": make_provider(anthropic_server, name="b"),
        }
        chain = ProviderChain.from_named(named, ["b", "a"])
        assert (await chain.complete(HELLO)).provider == "b"
        with pytest.raises(ValueError, match="unknown"):
            ProviderChain.from_named(named, ["c"])


class TestBuildProviders:
    async def test_builds_each_kind_in_order(self) -> None:
        configs = [
            ProviderConfig(
                name="local", kind="openai", base_url="http://127.0.0.1:1/v1", model="llama3"
            ),
            ProviderConfig(
                name="claude", kind="anthropic", model="claude-x", api_key=SecretStr("k")
            ),
        ]
        providers = build_providers(configs)
        try:
            assert list(providers) == ["local", "claude"]
            assert isinstance(providers["local"].inner, OpenAIProvider)
            assert isinstance(providers["claude"].inner, AnthropicProvider)
        finally:
            for p in providers.values():
                await p.aclose()

    def test_rejects_duplicates_and_keyless_anthropic(self) -> None:
        local = ProviderConfig(name="x", kind="openai", model="m")
        with pytest.raises(ValueError, match="duplicate"):
            build_providers([local, local])
        with pytest.raises(ValueError, match="api_key"):
            build_providers([ProviderConfig(name="c", kind="anthropic", model="m")])


class TestLLMConfig:
    def test_parses_the_settings_block(self) -> None:
        config = LLMConfig.model_validate(
            {
                "providers": [
                    {
                        "name": "local",
                        "kind": "openai",
                        "model": "llama3",
                        "base_url": "http://127.0.0.1:11434/v1",
                    },
                    {
                        "name": "claude",
                        "kind": "anthropic",
                        "model": "claude-x",
                        "api_key_env": "TAILORED_TEST_ANTHROPIC_KEY",
                    },
                ],
                "fallback": ["claude", "local"],
            }
        )
        assert [p.name for p in config.providers] == ["local", "claude"]

    def test_rejects_unknown_fallback_and_duplicates(self) -> None:
        local = {"name": "local", "kind": "openai", "model": "m"}
        with pytest.raises(ValueError, match="unknown"):
            LLMConfig.model_validate({"providers": [local], "fallback": ["nope"]})
        with pytest.raises(ValueError, match="duplicate"):
            LLMConfig.model_validate({"providers": [local, local]})

    def test_api_key_from_named_environment_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TAILORED_TEST_ANTHROPIC_KEY", "sk-from-env")
        config = ProviderConfig(
            name="c", kind="anthropic", model="m", api_key_env="TAILORED_TEST_ANTHROPIC_KEY"
        )
        assert config.resolved_api_key() == "sk-from-env"
        assert "sk-from-env" not in repr(config)

    async def test_build_chain_in_fallback_order(
        self, openai_server: OpenAIServer, anthropic_server: AnthropicServer
    ) -> None:
        assert build_chain(LLMConfig()) is None
        config = LLMConfig(
            providers=[
                ProviderConfig(
                    name="local", kind="openai", model="m", base_url=openai_server.base_url
                ),
                ProviderConfig(
                    name="claude",
                    kind="anthropic",
                    model="m",
                    base_url=anthropic_server.base_url,
                    api_key=SecretStr("k"),
                ),
            ],
            fallback=["claude", "local"],
        )
        chain = build_chain(config)
        assert chain is not None
        try:
            assert [p.name for p in chain.providers] == ["claude", "local"]
            assert (await chain.complete(HELLO)).provider == "claude"
        finally:
            await chain.aclose()
