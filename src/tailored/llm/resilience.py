"""Retries, a concurrency limit and a circuit breaker around any Provider.

Order of the guards, outermost first: the breaker decides whether to try at all (an open
circuit costs nothing and raises CircuitOpen); tenacity retries the attempt with exponential
backoff plus jitter, never waiting less than the server's Retry-After; each attempt holds one
of `concurrency` slots, released while backing off so a sleeping retry does not starve others.
The breaker sees one outcome per call (after its retries), so `breaker_failures` counts calls
that failed for good, not attempts.

`timeout_s` bounds a whole non-streaming attempt; for streams it bounds each read (a stall),
since a long answer may rightly take longer. Read streams to the end or close them
(`contextlib.aclosing`): an abandoned stream holds its slot until it is garbage-collected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Literal

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from tailored.llm.base import (
    BadResponse,
    ChatMessage,
    CircuitOpen,
    Completion,
    Provider,
    ProviderConfig,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    Usage,
)

log = logging.getLogger(__name__)

# Worth another attempt: the next one may well succeed.
RETRYABLE: tuple[type[ProviderError], ...] = (ProviderUnavailable, RateLimited, ProviderTimeout)
# Count against the provider's health. Truncated and 4xx mean it answered, so they do not.
BREAKER_FAILURES: tuple[type[ProviderError], ...] = (*RETRYABLE, BadResponse)

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """closed → open after `failures` consecutive failures → half-open after `reset_s`.

    Half-open lets exactly one trial call through: success closes the circuit, failure opens
    it for another `reset_s`. Other callers are refused meanwhile.
    """

    def __init__(
        self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._trial or self._clock() - self._opened_at >= self._reset_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May a call go out now? In half-open this reserves the single trial."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial:
            self._trial = True
            return True
        return False

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial = False

    def failure(self) -> None:
        self._failures += 1
        if self._trial or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._trial = False

    def release(self) -> None:
        """A call ended without a verdict (cancelled): free the trial slot, change nothing."""
        self._trial = False


async def aclose_stream(it: AsyncIterator[str]) -> None:
    """Close a stream now (its HTTP response with it) rather than whenever it is collected."""
    if isinstance(it, AsyncGenerator):
        await it.aclose()


class ResilientProvider:
    """Wraps a Provider with the config's retries, concurrency limit and circuit breaker."""

    def __init__(self, inner: Provider, config: ProviderConfig) -> None:
        self._inner = inner
        self._config = config
        self._slots = asyncio.Semaphore(config.concurrency)
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_reset_s)
        # Exponential plus jitter, spelled with the pieces tenacity 8 and 9 both have
        # (wait_exponential_jitter renamed its first argument in 9.x).
        self._backoff = wait_exponential(
            multiplier=config.backoff_base_s, max=config.retry_max_wait_s
        ) + wait_random(0, config.backoff_base_s)

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def inner(self) -> Provider:
        return self._inner

    @property
    def usage(self) -> Usage:
        return self._inner.usage

    async def aclose(self) -> None:
        await self._inner.aclose()

    # -- tenacity policy -------------------------------------------------------------------

    def _should_retry(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if not isinstance(exc, RETRYABLE) or isinstance(exc, CircuitOpen):
            return False
        # A server asking for a longer pause than we will hold a request open fails now, so
        # the chain can move on to the next provider.
        return exc.retry_after is None or exc.retry_after <= self._config.retry_max_wait_s

    def _wait(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        hint = exc.retry_after if isinstance(exc, ProviderError) else None
        return backoff if hint is None else max(backoff, hint)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "llm %s attempt %d failed (%s); retrying in %.2fs",
            self.name,
            state.attempt_number,
            exc,
            wait,
        )

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self._config.max_retries + 1),
            wait=self._wait,
            retry=self._should_retry,
            before_sleep=self._before_sleep,
            reraise=True,
        )

    def _admit(self) -> None:
        if not self.breaker.allow():
            raise CircuitOpen("circuit open", provider=self.name)

    def _record(self, exc: BaseException | None) -> None:
        if isinstance(exc, BREAKER_FAILURES):
            self.breaker.failure()
        elif exc is None or isinstance(exc, ProviderError):
            self.breaker.success()
        else:
            self.breaker.release()

    # -- Provider --------------------------------------------------------------------------

    async def _attempt(self, messages: Sequence[ChatMessage], system: str | None) -> Completion:
        async with self._slots:
            # The SDK's timeout bounds each read, so a server dribbling bytes could hold a
            # call far longer; this bounds the whole attempt (queueing for a slot excluded).
            try:
                async with asyncio.timeout(self._config.timeout_s):
                    return await self._inner.complete(messages, system=system)
            except TimeoutError as exc:
                raise ProviderTimeout(
                    f"no answer within {self._config.timeout_s}s", provider=self.name
                ) from exc

    async def complete(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> Completion:
        """The inner provider's answer, retried and guarded."""
        self._admit()
        try:
            result: Completion = await self._retrying()(self._attempt, messages, system)
        except BaseException as exc:
            self._record(exc)
            raise
        self._record(None)
        return result

    async def _open_stream(
        self, messages: Sequence[ChatMessage], system: str | None
    ) -> tuple[AsyncIterator[str], str | None]:
        """Start a stream and read its first delta, keeping the slot if that succeeds."""
        stream = self._inner.stream(messages, system=system)  # lazy: sends nothing yet
        await self._slots.acquire()
        try:
            first = await anext(stream)
        except StopAsyncIteration:
            return stream, None
        except BaseException:
            await aclose_stream(stream)
            self._slots.release()
            raise
        return stream, first

    async def stream(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> AsyncIterator[str]:
        """Deltas from the inner provider. Only the part before the first delta is retried:
        after that a retry would repeat text the caller already has."""
        self._admit()
        error: BaseException | None = None
        try:
            opened: tuple[AsyncIterator[str], str | None] = await self._retrying()(
                self._open_stream, messages, system
            )
        except BaseException as exc:
            self._record(exc)
            raise
        stream, first = opened
        try:
            if first is not None:
                yield first
                async for piece in stream:
                    yield piece
        except BaseException as exc:
            error = exc
            raise
        finally:
            await aclose_stream(stream)
            self._slots.release()
            self._record(error)
