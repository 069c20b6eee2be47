"""Each SDK adapter against a loopback server speaking its wire protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tailored.llm import (
    BadResponse,
    ChatMessage,
    ProviderTimeout,
    ProviderUnavailable,
    Truncated,
)
from tailored.testing import (
    AnthropicServer,
    FakeServer,
    OpenAIServer,
    disconnect,
    malformed,
    ok,
    slow,
    stall,
    truncated,
    wrong_shape,
)
from tests.llm.conftest import MakeProvider

HELLO = [ChatMessage(role="user", content="Explain recursion")]


async def drain(stream: AsyncIterator[str], into: list[str]) -> None:
    """Read a stream to its end, keeping what arrived even if it then raises."""
    async for piece in stream:
        into.append(piece)


class TestComplete:
    async def test_returns_text_and_usage(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(ok("Recursion is self-reference.", input_tokens=12, output_tokens=5))
        provider = make_provider(server)
        result = await provider.complete(HELLO, system="Be brief.")
        assert result.text == "Recursion is self-reference."
        assert (result.input_tokens, result.output_tokens) == (12, 5)
        assert result.provider == provider.name
        assert result.model.endswith("test-model")
        assert not result.truncated
        assert provider.usage.requests == 1
        assert (provider.usage.input_tokens, provider.usage.output_tokens) == (12, 5)

    async def test_openai_request_body(
        self, openai_server: OpenAIServer, make_provider: MakeProvider
    ) -> None:
        await make_provider(openai_server, max_tokens=33).complete(HELLO, system="Be brief.")
        req = openai_server.last
        assert (req.method, req.path) == ("POST", "/v1/chat/completions")
        assert req.headers["authorization"] == "Bearer sk-test"
        assert req.body["model"] == "openai-test-model"
        assert req.body["max_tokens"] == 33
        assert req.body["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Explain recursion"},
        ]

    async def test_anthropic_request_body(
        self, anthropic_server: AnthropicServer, make_provider: MakeProvider
    ) -> None:
        await make_provider(anthropic_server, max_tokens=33).complete(HELLO, system="Be brief.")
        req = anthropic_server.last
        assert (req.method, req.path) == ("POST", "/v1/messages")
        # Which auth header carries the key depends on the SDK release; the key must arrive.
        assert "sk-test" in (req.headers.get("x-api-key"), req.headers.get("authorization", "")[7:])
        assert "anthropic-version" in req.headers
        assert req.body["model"] == "anthropic-test-model"
        assert req.body["max_tokens"] == 33
        assert req.body["system"] == "Be brief."
        assert req.body["messages"] == [{"role": "user", "content": "Explain recursion"}]

    async def test_no_system_prompt_sends_none(
        self, anthropic_server: AnthropicServer, make_provider: MakeProvider
    ) -> None:
        await make_provider(anthropic_server).complete(HELLO)
        assert "system" not in anthropic_server.last.body

    async def test_malformed_body_is_bad_response(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(malformed())
        with pytest.raises(BadResponse):
            await make_provider(server).complete(HELLO)
        assert server.count == 1  # not retried: the same server would say the same

    async def test_wrong_shape_is_bad_response(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(wrong_shape())
        with pytest.raises(BadResponse):
            await make_provider(server).complete(HELLO)

    async def test_truncated_carries_partial_and_usage(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(truncated("cut off mid"))
        provider = make_provider(server)
        with pytest.raises(Truncated) as info:
            await provider.complete(HELLO)
        assert info.value.partial.text == "cut off mid"
        assert info.value.partial.truncated
        assert provider.usage.output_tokens == 7  # paid for, so counted
        assert server.count == 1

    async def test_slow_server_times_out(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = slow(1.0)
        provider = make_provider(server, timeout_s=0.2, max_retries=0)
        with pytest.raises(ProviderTimeout):
            await provider.complete(HELLO)

    async def test_dribbling_body_hits_the_overall_deadline(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(stall(0.12))  # four pieces, each read well inside the timeout
        with pytest.raises(ProviderTimeout):
            await make_provider(server, timeout_s=0.3, max_retries=0).complete(HELLO)

    async def test_hang_up_is_unavailable(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = disconnect()
        with pytest.raises(ProviderUnavailable):
            await make_provider(server, max_retries=1).complete(HELLO)
        assert server.count == 2

    async def test_connection_refused_is_unavailable(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        provider = make_provider(server, max_retries=0)
        await server.close()  # nothing listens on the provider's port now
        try:
            with pytest.raises(ProviderUnavailable):
                await provider.complete(HELLO)
        finally:
            await server.start()  # so the fixture has a server to close


class TestStream:
    async def test_yields_deltas_and_records_usage(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(ok("one two three", input_tokens=4, output_tokens=3))
        provider = make_provider(server)
        pieces = [p async for p in provider.stream(HELLO, system="Be brief.")]
        assert pieces == ["one ", "two ", "three"]
        assert server.last.body["stream"] is True
        assert (provider.usage.input_tokens, provider.usage.output_tokens) == (4, 3)

    async def test_truncated_after_all_text(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(truncated("cut off mid"))
        pieces: list[str] = []
        with pytest.raises(Truncated):
            await drain(make_provider(server).stream(HELLO), pieces)
        assert "".join(pieces) == "cut off mid"

    async def test_malformed_event_is_bad_response(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(malformed())
        with pytest.raises(BadResponse):
            await drain(make_provider(server).stream(HELLO), [])

    async def test_hang_up_mid_stream_is_not_retried(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(disconnect("half an answer here"))
        pieces: list[str] = []
        with pytest.raises(ProviderUnavailable):
            await drain(make_provider(server).stream(HELLO), pieces)
        assert pieces  # part of the answer arrived before the hang-up
        assert server.count == 1  # retrying would repeat text the caller already has

    async def test_stall_mid_stream_times_out(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(stall(0.6, "a b c d e"))
        pieces: list[str] = []
        with pytest.raises(ProviderTimeout):
            await drain(make_provider(server, timeout_s=0.2).stream(HELLO), pieces)
        assert pieces
        assert server.count == 1
