"""The relay on real Redis Streams: order per learner, a relay crash, and a Redis restart (a
redis-server of the test's own, with an append-only file) — counted on the stream itself."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.stream.brokers import Message, RedisBroker
from tailored.stream.relay import Relay
from tests.services import redis_url
from tests.stream.conftest import CrashAfterPublish, add_events, assert_once_and_in_order, waiting
from tests.stream.servers import OwnServer


async def read_stream(url: str, key: str) -> list[tuple[str, str, int]]:
    client = Redis.from_url(url, decode_responses=True)
    try:
        entries: list[tuple[str, dict[str, str]]] = await client.xrange(key)  # type: ignore[assignment]
    finally:
        await client.aclose()
    return [
        (f["id"], f["learner"], json.loads(f["payload"])["metadata"]["seq"]) for _id, f in entries
    ]


@pytest.fixture
async def shared() -> AsyncIterator[tuple[str, str]]:
    url, prefix = redis_url(), f"t{uuid.uuid4().hex[:8]}"
    yield url, prefix
    client = Redis.from_url(url)
    await client.delete(f"{prefix}.events")
    async for key in client.scan_iter(match=f"{{{prefix}.events}}:seen:*"):
        await client.delete(key)
    await client.aclose()


class TestRedisRelay:
    async def test_every_event_once_and_in_order(
        self, sessionmaker: async_sessionmaker[AsyncSession], shared: tuple[str, str]
    ) -> None:
        url, prefix = shared
        n = await add_events(sessionmaker, learners=5, each=40)
        relay = Relay(sessionmaker, RedisBroker(url, prefix=prefix, maxlen=0), batch_size=64)
        try:
            await relay.drain()
        finally:
            await relay.broker.close()
        assert_once_and_in_order(await read_stream(url, f"{prefix}.events"), n)

    async def test_a_relay_crash_after_publishing_repeats_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession], shared: tuple[str, str]
    ) -> None:
        url, prefix = shared
        n = await add_events(sessionmaker, learners=4, each=25)
        crashed = CrashAfterPublish(
            sessionmaker, RedisBroker(url, prefix=prefix, maxlen=0), batch_size=30
        )
        with pytest.raises(RuntimeError):
            await crashed.publish_batch()
        await crashed.broker.close()
        relay = Relay(sessionmaker, RedisBroker(url, prefix=prefix, maxlen=0), batch_size=30)
        try:
            await relay.drain()
        finally:
            await relay.broker.close()
        assert relay.stats.duplicates == 30
        assert_once_and_in_order(await read_stream(url, f"{prefix}.events"), n)

    async def test_a_row_committed_after_a_higher_id_was_published_still_arrives(
        self, shared: tuple[str, str]
    ) -> None:
        """Two writers: the one holding outbox id 5 commits after id 10 was published."""
        url, prefix = shared
        broker = RedisBroker(url, prefix=prefix, maxlen=0, window=0.5)

        def message(outbox_id: int, event_id: str, seq: int) -> Message:
            body = json.dumps({"metadata": {"seq": seq}}).encode()
            return Message(outbox_id, event_id, "learner-1", "events", body)

        try:
            assert (await broker.publish([message(10, "b", 1)])).stored == 1
            late = await broker.publish([message(5, "a", 2)])
            assert (late.stored, late.duplicates) == (1, 0)
            again = await broker.publish([message(5, "a", 2), message(10, "b", 1)])
            assert (again.stored, again.duplicates) == (0, 2)
            arrived = await read_stream(url, f"{prefix}.events")
            assert [(i, seq) for i, _, seq in arrived] == [("b", 1), ("a", 2)]
            # Past the window an id is new again (documented: raise it if relays stay down).
            await asyncio.sleep(0.7)
            assert (await broker.publish([message(5, "a", 2)])).stored == 1
        finally:
            await broker.close()

    async def test_a_redis_restart_loses_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
    ) -> None:
        server = OwnServer("redis", tmp_path)
        server.start()
        relay = Relay(sessionmaker, RedisBroker(server.url, prefix="r", maxlen=0), batch_size=25)
        try:
            first = await add_events(sessionmaker, learners=3, each=20)
            await relay.drain()
            server.stop()
            second = await add_events(sessionmaker, learners=3, each=20, first=20)
            relay.start()
            async with asyncio.timeout(10):
                while relay.stats.errors == 0:
                    await asyncio.sleep(0.05)
            assert relay.stats.published == first
            server.start()
            # The test's sessions share one connection: only the relay uses it while it runs.
            async with asyncio.timeout(20):
                while relay.stats.published < first + second:
                    await asyncio.sleep(0.05)
            await relay.stop()
            assert await waiting(sessionmaker) == 0
            assert_once_and_in_order(await read_stream(server.url, "r.events"), first + second)
        finally:
            await relay.stop()
            server.stop()
