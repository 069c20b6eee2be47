"""The relay on real NATS JetStream: Nats-Msg-Id is the event id, so a relay crash after
publishing and a server restart (a nats-server of the test's own, with its store on disk)
leave every event in the stream exactly once, in order per learner."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import nats
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.stream.brokers import NatsBroker
from tailored.stream.relay import Relay
from tests.services import nats_url
from tests.stream.conftest import CrashAfterPublish, add_events, assert_once_and_in_order, waiting
from tests.stream.servers import OwnServer


def broker(url: str, prefix: str, stream: str) -> NatsBroker:
    return NatsBroker(url, prefix=prefix, stream=stream, window=600)


async def read_stream(url: str, prefix: str, stream: str) -> list[tuple[str, str, int]]:
    """Every message in the stream, as a consumer reads them (a pull consumer from the start)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(stream)).state.messages
        sub = await js.pull_subscribe(f"{prefix}.>", stream=stream)
        out: list[tuple[str, str, int]] = []
        while len(out) < total:
            for msg in await sub.fetch(min(500, total - len(out)), timeout=5):
                body = json.loads(msg.data)
                msg_id = (msg.headers or {})["Nats-Msg-Id"]
                out.append((msg_id, body["learner"], body["metadata"]["seq"]))
                await msg.ack()
        return out
    finally:
        await nc.close()


async def drop_stream(url: str, stream: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


class TestNatsRelay:
    async def test_a_crash_after_publishing_repeats_nothing_downstream(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        url, name = nats_url(), f"T{uuid.uuid4().hex[:8].upper()}"
        prefix = name.lower()
        n = await add_events(sessionmaker, learners=4, each=25)
        crashed = CrashAfterPublish(sessionmaker, broker(url, prefix, name), batch_size=40)
        with pytest.raises(RuntimeError):
            await crashed.publish_batch()
        await crashed.broker.close()
        relay = Relay(sessionmaker, broker(url, prefix, name), batch_size=40)
        try:
            await relay.drain()
            assert relay.stats.duplicates == 40  # JetStream recognised the message ids
            assert_once_and_in_order(await read_stream(url, prefix, name), n)
        finally:
            await relay.stop()
            await drop_stream(url, name)

    async def test_a_server_restart_loses_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
    ) -> None:
        server = OwnServer("nats", tmp_path)
        server.start()
        relay = Relay(sessionmaker, broker(server.url, "tailored", "TAILORED"), batch_size=25)
        try:
            first = await add_events(sessionmaker, learners=3, each=20)
            await relay.drain()
            server.stop()
            second = await add_events(sessionmaker, learners=3, each=20, first=20)
            relay.start()
            async with asyncio.timeout(20):
                while relay.stats.errors == 0:
                    await asyncio.sleep(0.05)
            server.start()
            # The test's sessions share one connection: only the relay uses it while it runs.
            async with asyncio.timeout(40):
                while relay.stats.published + relay.stats.duplicates < first + second:
                    await asyncio.sleep(0.05)
            await relay.stop()
            assert await waiting(sessionmaker) == 0
            assert_once_and_in_order(
                await read_stream(server.url, "tailored", "TAILORED"), first + second
            )
        finally:
            await relay.stop()
            server.stop()
