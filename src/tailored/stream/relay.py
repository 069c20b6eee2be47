"""The outbox relay: publishes unpublished outbox rows to the broker, then marks them.

At least once: rows are marked only after the broker took them, so a relay that dies in
between publishes them again, and the broker drops the repeats (brokers.py). Ordered per
learner: one relay publishes rows in id order, a batch at a time, retrying a failed batch
whole. Where several processes run a relay (`serve` with workers, or beside `tailored relay`),
a lease in the cache lets one publish at a time.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.stream.brokers import Broker, Message
from tailored.stream.repository import OutboxRepository

log = logging.getLogger("tailored.stream")
LEASE_KEY = "stream:relay-lease"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class RelayStats:
    published: int = 0
    duplicates: int = 0
    batches: int = 0
    errors: int = 0
    last_error: str | None = None
    # Insert-to-publish lag of the most recent messages, in seconds.
    lags: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))

    def summary(self) -> dict[str, float | int | str | None]:
        lags = list(self.lags)
        p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
        return {
            "published": self.published,
            "duplicates_dropped": self.duplicates,
            "batches": self.batches,
            "errors": self.errors,
            "last_error": self.last_error,
            "lag_p50_ms": None if p50 is None else round(p50 * 1000, 2),
            "lag_p99_ms": None if p99 is None else round(p99 * 1000, 2),
        }


class Relay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        broker: Broker,
        *,
        cache: Cache | None = None,
        batch_size: int = 500,
        poll_seconds: float = 0.02,
        lease_ttl: float = 10.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.broker = broker
        self.stats = RelayStats()
        self._cache = cache
        self._batch = batch_size
        self._poll = poll_seconds
        self._lease_ttl = lease_ttl
        self._token = secrets.token_hex(8).encode()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def publish_batch(self) -> int:
        """Publish and mark the oldest unpublished rows; how many were published."""
        async with transaction(self.sessionmaker) as session:
            rows = await OutboxRepository(session).unpublished(self._batch)
        if not rows:
            return 0
        messages = [Message(i, e, learner, t, body.encode()) for i, e, learner, t, body, _ in rows]
        done = await self.broker.publish(messages)
        await self._mark([m.outbox_id for m in messages])
        now = datetime.now(UTC)
        self.stats.lags.extend((now - row[5]).total_seconds() for row in rows)
        self.stats.published += done.stored
        self.stats.duplicates += done.duplicates
        self.stats.batches += 1
        return len(rows)

    async def _mark(self, ids: list[int]) -> None:
        async with transaction(self.sessionmaker, write=True) as session:
            await OutboxRepository(session).mark_published(ids, datetime.now(UTC))

    async def drain(self) -> int:
        """Publish until nothing is left (the CLI's --once, tests, shutdown)."""
        total = 0
        while n := await self.publish_batch():
            total += n
        return total

    async def _hold_lease(self) -> bool:
        if self._cache is None:
            return True
        if await self._cache.get(LEASE_KEY) == self._token:
            await self._cache.expire(LEASE_KEY, self._lease_ttl)
            return True
        return await self._cache.set_if_absent(LEASE_KEY, self._token, ttl=self._lease_ttl)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when asked to stop."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def run(self) -> None:
        """Publish until `stop()` (between batches, so no transaction is cut short) or
        cancellation; errors (broker or database down) back off and retry."""
        failures = 0
        while not self._stopping.is_set():
            try:
                if not await self._hold_lease():
                    await self._pause(self._lease_ttl / 3)
                    continue
                published = await self.publish_batch()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self.stats.errors += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay: %s (retry %d)", self.stats.last_error, failures)
                await self._pause(min(5.0, 0.05 * 2**failures))
                continue
            if published < self._batch:
                await self._pause(self._poll)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    def request_stop(self) -> None:
        """Ask `run()` to return after the batch in hand (signal handlers)."""
        self._stopping.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the batch in hand, then stop (cancelled if it takes over `timeout`)."""
        if self._task is not None:
            self._stopping.set()
            try:
                await asyncio.wait_for(self._task, timeout)
            except (TimeoutError, asyncio.CancelledError):
                pass
            self._task = None
        if self._cache is not None and await self._cache.get(LEASE_KEY) == self._token:
            await self._cache.delete_if_equals(LEASE_KEY, self._token)
        await self.broker.close()


async def backlog(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, float | int | None]:
    """Rows waiting to be published and the age of the oldest, in seconds (any process)."""
    async with transaction(sessionmaker) as session:
        waiting, oldest = await OutboxRepository(session).backlog()
    age = None if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
    return {"backlog": waiting, "oldest_unpublished_age_s": age, "at": time.time()}
