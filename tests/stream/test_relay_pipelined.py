"""`Relay.run()` with a pooled engine, as `tailored relay` and `serve` run it: a batch's mark
(the UPDATE) is in flight while the next batch is read and published. On every broker (memory,
real Redis Streams, real NATS JetStream) and both databases: each event once, in order per
learner, every row marked; a mark that fails after the next batch went out, and a relay
cancelled with a mark in flight, lose nothing and put nothing in the stream twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from redis.asyncio import Redis
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.kit.db import create_engine, create_sessionmaker
from tailored.kit.migrate import upgrade_async
from tailored.stream.brokers import Broker, MemoryBroker, NatsBroker, RedisBroker
from tailored.stream.relay import Relay
from tests.fixtures.databases import fresh_database
from tests.services import nats_url, redis_url
from tests.stream import test_relay_nats, test_relay_redis
from tests.stream.conftest import add_events, assert_once_and_in_order, waiting
from tests.stream.test_relay_memory import arrived

BATCH = 20
OutboxRow = Row[int, str, str, str, str, datetime]


@pytest.fixture
async def pooled(
    engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh database of the backend under test, with a connection pool (the relay marks on
    one connection while it reads on another), unlike the shared `sessionmaker`."""
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgres"
    async with fresh_database(backend, tmp_path) as url:
        own = create_engine(url)
        try:
            await upgrade_async(own)
            yield create_sessionmaker(own)
        finally:
            await own.dispose()


@dataclass
class Target:
    """A broker kind: a new client per relay (one relay's process), and what reached it."""

    new: Callable[[], Broker]
    read: Callable[[], Awaitable[list[tuple[str, str, int]]]]


@pytest.fixture(params=["memory", "redis", "nats"])
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    tag = uuid.uuid4().hex[:8]
    if request.param == "memory":
        memory = MemoryBroker()  # one instance: it is the broker, not a client

        async def read_memory() -> list[tuple[str, str, int]]:
            return arrived(memory)

        yield Target(lambda: memory, read_memory)
    elif request.param == "redis":
        url, prefix = redis_url(), f"t{tag}"
        yield Target(
            lambda: RedisBroker(url, prefix=prefix, maxlen=0),
            lambda: test_relay_redis.read_stream(url, f"{prefix}.events"),
        )
        client = Redis.from_url(url)
        await client.delete(f"{prefix}.events")
        await client.aclose()
    else:
        url, stream = nats_url(), f"T{tag.upper()}"
        yield Target(
            lambda: NatsBroker(url, prefix=stream.lower(), stream=stream, window=600),
            lambda: test_relay_nats.read_stream(url, stream.lower(), stream),
        )
        nc = await nats.connect(url)
        try:
            await nc.jetstream().delete_stream(stream)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()


class Watched(Relay):
    """Counts reads made past a batch whose mark was in flight; each mark starts a little
    late, so the next batch is read beside it."""

    reads_beside_a_mark = 0

    async def _read(self, skip: tuple[int, int] | None) -> Sequence[OutboxRow]:
        self.reads_beside_a_mark += skip is not None
        return await super()._read(skip)

    async def _mark(self, ids: list[int]) -> None:
        await asyncio.sleep(0.01)
        await super()._mark(ids)


class FailsFirstMark(Watched):
    """The first mark fails, once the next batch has been published beside it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failed = False
        self.publishes = 0
        self.next_published = asyncio.Event()

    async def _publish(self, rows: Sequence[OutboxRow]) -> list[int]:
        ids = await super()._publish(rows)
        self.publishes += 1
        if self.publishes == 2:
            self.next_published.set()
        return ids

    async def _mark(self, ids: list[int]) -> None:
        if not self.failed:
            self.failed = True
            await self.next_published.wait()
            raise RuntimeError("database gone while marking")
        await super()._mark(ids)


class MarkHangs(Relay):
    """Every mark hangs (a database that stopped answering): the relay is cancelled with
    published, unmarked rows."""

    async def _mark(self, ids: list[int]) -> None:
        await asyncio.Event().wait()


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


class TestPipelinedRelay:
    async def test_events_arriving_while_it_runs_go_once_in_order_and_marked(
        self, pooled: async_sessionmaker[AsyncSession], target: Target
    ) -> None:
        relay = Watched(pooled, target.new(), batch_size=BATCH, poll_seconds=0.005)
        relay.start()
        n = 0
        try:
            for round_ in range(8):
                n += await add_events(pooled, learners=6, each=5, first=round_ * 5)
                await asyncio.sleep(0.01)

            async def drained() -> bool:
                return relay.stats.published == n and await waiting(pooled) == 0

            await until(drained)
        finally:
            await relay.stop()
        assert relay.reads_beside_a_mark > 0  # the pipelined path ran
        # The batch in flight is not read again: nothing was sent twice.
        assert (relay.stats.errors, relay.stats.duplicates) == (0, 0)
        assert_once_and_in_order(await target.read(), n)

    async def test_a_failed_mark_behind_the_next_batch_repeats_nothing(
        self, pooled: async_sessionmaker[AsyncSession], target: Target
    ) -> None:
        n = await add_events(pooled, learners=4, each=25)
        relay = FailsFirstMark(pooled, target.new(), batch_size=BATCH, poll_seconds=0.005)
        relay.start()
        try:

            async def drained() -> bool:
                return await waiting(pooled) == 0

            await until(drained)
        finally:
            await relay.stop()
        assert relay.stats.errors == 1
        # Both batches went out again from the oldest unmarked row; the broker dropped them.
        assert relay.stats.duplicates == 2 * BATCH
        assert relay.stats.published == n
        assert_once_and_in_order(await target.read(), n)

    async def test_cancelled_with_a_mark_in_flight_loses_nothing(
        self, pooled: async_sessionmaker[AsyncSession], target: Target
    ) -> None:
        n = await add_events(pooled, learners=3, each=30)
        hung = MarkHangs(pooled, target.new(), batch_size=BATCH, poll_seconds=0.005)
        hung.start()

        async def two_batches_out() -> bool:
            return hung.stats.batches >= 2

        await until(two_batches_out)
        await hung.stop(timeout=0.2)  # cancels run(), and with it the mark in flight
        assert not hung.running
        assert await waiting(pooled) == n  # nothing was marked
        restarted = Relay(pooled, target.new(), batch_size=BATCH)
        try:
            assert await restarted.drain() == n
        finally:
            await restarted.stop()
        # Published by the first relay (two batches: the second beside the hung mark) and
        # again by the second, which the broker dropped.
        assert restarted.stats.duplicates == hung.stats.published == 2 * BATCH
        assert_once_and_in_order(await target.read(), n)
        assert await waiting(pooled) == 0
