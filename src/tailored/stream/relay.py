"""The outbox relay: publishes unpublished outbox rows to the broker, then marks them.

At least once: rows are marked only after the broker took them, so a relay that dies in
between publishes them again, and the broker drops the repeats (brokers.py). Ordered per
learner: one relay publishes rows in id order, a batch at a time (the next batch is sent only
once the broker acked the one before), retrying a failed batch whole. Pipelined: while a
batch's mark (an UPDATE) is in flight, `run()` reads and publishes the next one, skipping the
ids in flight; a failed mark sends the relay back to the oldest unmarked row. Where several
processes run a relay (`serve` with workers, or beside `tailored relay`), a lease in the cache
lets one publish at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.stream.brokers import Broker, Message
from tailored.stream.repository import OutboxRepository

log = logging.getLogger("tailored.stream")
LEASE_KEY = "stream:relay-lease"
# id, event id, learner, topic, payload JSON text, created_at
_Row = Row[int, str, str, str, str, datetime]


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


class _Marking:
    """The one mark (UPDATE of a published batch) allowed in flight, and its ids' span."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None
        self.span: tuple[int, int] | None = None

    def start(self, mark: Coroutine[Any, Any, None], span: tuple[int, int]) -> None:
        self.task, self.span = asyncio.create_task(mark), span

    async def settle(self) -> None:
        """Wait for the mark in flight; its error, if any, is raised here."""
        task, self.task = self.task, None
        try:
            if task is not None:
                await task
        finally:
            self.span = None

    async def settle_quietly(self) -> None:
        """After another step failed: let the mark in flight finish; if it fails too, its
        rows are published again (and dropped by the broker as repeats)."""
        with contextlib.suppress(Exception):
            await self.settle()

    def abandon(self) -> None:
        """Cancel the mark in flight (relay cancelled): its rows are published again."""
        task, self.task, self.span = self.task, None, None
        if task is not None and not task.cancel() and not task.cancelled():
            task.exception()  # done already: retrieve its error, if any, so none is logged


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
        self._renewed = -math.inf  # monotonic time of the last lease check that held it
        # A mark runs beside the next batch on a connection of its own: a maker bound to one
        # connection (the tests' outer transaction) marks before it reads again.
        bind = sessionmaker.kw.get("bind")
        self._pipelined = isinstance(bind, AsyncEngine)
        self._server = (
            bind.execution_options(isolation_level="AUTOCOMMIT")
            if isinstance(bind, AsyncEngine) and bind.dialect.name != "sqlite"
            else None
        )
        self._held: dict[str, AsyncConnection] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def publish_batch(self) -> int:
        """Publish and mark the oldest unpublished rows; how many were published."""
        rows = await self._read(None)
        if not rows:
            return 0
        await self._mark(await self._publish(rows))
        return len(rows)

    @contextlib.asynccontextmanager
    async def _session(self, role: str) -> AsyncIterator[AsyncSession]:
        """A session on the relay's own connection for `role` (read, mark), kept between
        batches: a pool checkout pings the server first (three round trips), and autocommit
        saves BEGIN and COMMIT (each statement is one SELECT or one UPDATE). SQLite, and a
        maker bound to one connection (tests), get a plain transaction."""
        if self._server is None:
            async with transaction(self.sessionmaker, write=role == "mark") as session:
                yield session
            return
        conn = self._held.get(role)
        if conn is None:
            conn = self._held[role] = await self._server.connect()
            # A plan per execution: a generic plan cached while the outbox was small is a
            # sequential scan, and stays one as the table grows (a mark took 30 ms at 50,000
            # rows instead of 0.1 ms); planning these two statements costs ~0.1 ms.
            await conn.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
        async with AsyncSession(bind=conn) as session:
            yield session

    async def _release(self) -> None:
        """Close the connections kept (after an error they may be broken)."""
        held, self._held = self._held, {}
        for conn in held.values():
            try:
                await conn.close()
            except Exception:
                with contextlib.suppress(Exception):
                    await conn.invalidate()

    async def _read(self, skip: tuple[int, int] | None) -> Sequence[_Row]:
        async with self._session("read") as session:
            return await OutboxRepository(session).unpublished(self._batch, skip=skip)

    async def _publish(self, rows: Sequence[_Row]) -> list[int]:
        """Publish (returns once the broker acked every message); the ids to mark."""
        messages = [Message(i, e, learner, t, body.encode()) for i, e, learner, t, body, _ in rows]
        done = await self.broker.publish(messages)
        now = datetime.now(UTC)
        self.stats.lags.extend((now - row[5]).total_seconds() for row in rows)
        self.stats.published += done.stored
        self.stats.duplicates += done.duplicates
        self.stats.batches += 1
        return [m.outbox_id for m in messages]

    async def _mark(self, ids: list[int]) -> None:
        async with self._session("mark") as session:
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
        # Renewed less than a third of the TTL ago: still ours, skip the cache round trips.
        if time.monotonic() - self._renewed < self._lease_ttl / 3:
            return True
        renewed = time.monotonic()
        if await self._cache.get(LEASE_KEY) == self._token:
            await self._cache.expire(LEASE_KEY, self._lease_ttl)
            held = True
        else:
            held = await self._cache.set_if_absent(LEASE_KEY, self._token, ttl=self._lease_ttl)
        self._renewed = renewed if held else -math.inf
        return held

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when asked to stop."""
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def run(self) -> None:
        """Publish until `stop()` (between batches, so no transaction is cut short) or
        cancellation; errors (broker or database down) back off and retry."""
        failures = 0
        marking = _Marking()
        try:
            while not self._stopping.is_set():
                began = time.monotonic()
                try:
                    if not await self._hold_lease():
                        await marking.settle()
                        await self._release()
                        await self._pause(self._lease_ttl / 3)
                        continue
                    published = await self._step(marking)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # A failed read, publish or mark: start again from the oldest unmarked row.
                    await marking.settle_quietly()
                    await self._release()
                    failures += 1
                    self.stats.errors += 1
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("outbox relay: %s (retry %d)", self.stats.last_error, failures)
                    await self._pause(min(5.0, 0.05 * 2**failures))
                    continue
                if published < self._batch:
                    # poll_seconds between reads, counting the work since the last one.
                    await self._pause(self._poll - (time.monotonic() - began))
            await marking.settle_quietly()
        finally:
            marking.abandon()
            await self._release()

    async def _step(self, marking: _Marking) -> int:
        """Read the next rows (past the batch whose mark is in flight), publish them, then
        start their mark once the previous one is done; how many rows."""
        rows = await self._read(marking.span)
        if not rows:
            await marking.settle()
            return 0
        ids = await self._publish(rows)
        await marking.settle()
        marking.start(self._mark(ids), (rows[0][0], rows[-1][0]))
        if not self._pipelined:
            await marking.settle()
        return len(rows)

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
        await self._release()
        if self._cache is not None and await self._cache.get(LEASE_KEY) == self._token:
            await self._cache.delete_if_equals(LEASE_KEY, self._token)
        await self.broker.close()


async def backlog(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, float | int | None]:
    """Rows waiting to be published and the age of the oldest, in seconds (any process)."""
    async with transaction(sessionmaker) as session:
        waiting, oldest = await OutboxRepository(session).backlog()
    age = None if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
    return {"backlog": waiting, "oldest_unpublished_age_s": age, "at": time.time()}
