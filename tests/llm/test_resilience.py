"""Retries, Retry-After, the concurrency limit and the circuit breaker, over real HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from tailored.llm import (
    ChatMessage,
    CircuitBreaker,
    CircuitOpen,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    Truncated,
)
from tailored.testing import FakeServer, OpenAIServer, ok, slow, status, truncated
from tests.llm.conftest import MakeProvider

HELLO = [ChatMessage(role="user", content="hi")]


class TestRetries:
    async def test_429_waits_for_retry_after(
        self, openai_server: OpenAIServer, make_provider: MakeProvider
    ) -> None:
        openai_server.script(status(429, retry_after="1"), ok("after the pause"))
        started = time.monotonic()
        result = await make_provider(openai_server).complete(HELLO)
        assert time.monotonic() - started >= 1.0
        assert result.text == "after the pause"
        assert openai_server.count == 2

    async def test_fractional_retry_after_ms(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(status(429, retry_after_ms="300"), ok())
        started = time.monotonic()
        await make_provider(server).complete(HELLO)
        assert time.monotonic() - started >= 0.3
        assert server.count == 2

    @pytest.mark.parametrize("code", [500, 503])
    async def test_5xx_then_success(
        self, server: FakeServer, make_provider: MakeProvider, code: int
    ) -> None:
        server.script(status(code), status(code), ok("third time"))
        result = await make_provider(server, max_retries=2).complete(HELLO)
        assert result.text == "third time"
        assert server.count == 3

    async def test_rate_limited_after_retries(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = status(429, retry_after_ms="10")
        with pytest.raises(RateLimited) as info:
            await make_provider(server, max_retries=2).complete(HELLO)
        assert info.value.retry_after == pytest.approx(0.01)
        assert server.count == 3

    async def test_unavailable_after_retries(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = status(503)
        with pytest.raises(ProviderUnavailable):
            await make_provider(server, max_retries=1).complete(HELLO)
        assert server.count == 2

    async def test_retry_after_beyond_limit_fails_at_once(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(status(429, retry_after="120"))
        started = time.monotonic()
        with pytest.raises(RateLimited):
            await make_provider(server, retry_max_wait_s=5).complete(HELLO)
        assert time.monotonic() - started < 1.0
        assert server.count == 1

    async def test_client_errors_are_not_retried(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(status(400))
        with pytest.raises(ProviderError) as info:
            await make_provider(server).complete(HELLO)
        assert type(info.value) is ProviderError
        assert server.count == 1

    async def test_stream_retried_before_first_delta(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(status(503), ok("streamed after retry"))
        text = "".join([p async for p in make_provider(server).stream(HELLO)])
        assert text == "streamed after retry"
        assert server.count == 2


class TestConcurrency:
    async def test_limit_holds_under_parallel_calls(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = slow(0.1)
        provider = make_provider(server, concurrency=2)
        await asyncio.gather(*(provider.complete(HELLO) for _ in range(6)))
        assert server.count == 6
        assert server.max_in_flight == 2

    async def test_limit_holds_for_streams(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = slow(0.1, "a b c")
        provider = make_provider(server, concurrency=3)

        async def read() -> str:
            return "".join([p async for p in provider.stream(HELLO)])

        results = await asyncio.gather(*(read() for _ in range(7)))
        assert results == ["a b c"] * 7
        assert server.max_in_flight == 3


class TestCircuitBreaker:
    async def test_opens_after_consecutive_failures(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = status(500)
        provider = make_provider(server, max_retries=0, breaker_failures=2, breaker_reset_s=5)
        for _ in range(2):
            with pytest.raises(ProviderUnavailable):
                await provider.complete(HELLO)
        assert provider.breaker.state == "open"
        with pytest.raises(CircuitOpen):
            await provider.complete(HELLO)
        with pytest.raises(CircuitOpen):
            async for _ in provider.stream(HELLO):
                pass
        assert server.count == 2  # the open circuit sent nothing

    async def test_half_open_trial_success_closes(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.script(status(503), status(503))
        provider = make_provider(server, max_retries=0, breaker_failures=2, breaker_reset_s=0.2)
        for _ in range(2):
            with pytest.raises(ProviderUnavailable):
                await provider.complete(HELLO)
        await asyncio.sleep(0.25)
        states = [provider.breaker.state]
        assert (await provider.complete(HELLO)).text
        states.append(provider.breaker.state)
        assert states == ["half_open", "closed"]
        assert server.count == 3

    async def test_half_open_trial_failure_reopens(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = status(503)
        provider = make_provider(server, max_retries=0, breaker_failures=1, breaker_reset_s=0.2)
        with pytest.raises(ProviderUnavailable):
            await provider.complete(HELLO)
        await asyncio.sleep(0.25)
        with pytest.raises(ProviderUnavailable) as info:
            await provider.complete(HELLO)
        assert not isinstance(info.value, CircuitOpen)  # the trial reached the server
        assert provider.breaker.state == "open"
        assert server.count == 2

    async def test_truncation_does_not_count_as_failure(
        self, server: FakeServer, make_provider: MakeProvider
    ) -> None:
        server.default = truncated()
        provider = make_provider(server, breaker_failures=1)
        for _ in range(3):
            with pytest.raises(Truncated):
                await provider.complete(HELLO)
        assert provider.breaker.state == "closed"

    def test_half_open_admits_one_trial(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker(failures=1, reset_s=10, clock=lambda: now[0])
        assert breaker.allow()
        breaker.failure()
        assert not breaker.allow()
        now[0] = 10.0
        assert breaker.allow()
        assert not breaker.allow()  # a second caller waits for the trial's verdict
        breaker.release()  # trial cancelled: the next caller may try
        assert breaker.allow()
        breaker.success()
        assert breaker.state == "closed"
