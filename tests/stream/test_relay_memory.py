"""The relay with the in-process broker on both databases: every event once, in order per
learner, a crash between publish and mark, and the figures operators read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models import Role
from tailored.models.signals import Outbox
from tailored.state import AppState
from tailored.stream import service as stream
from tailored.stream.brokers import MemoryBroker
from tailored.stream.relay import Relay
from tests.fixtures.accounts import create_logged_in_user
from tests.stream.conftest import CrashAfterPublish, add_events, assert_once_and_in_order, waiting

SUBJECT = "tailored.events"


def arrived(broker: MemoryBroker) -> list[tuple[str, str, int]]:
    return [
        (m.event_id, m.learner, int(m.payload["metadata"]["seq"]))
        for m in broker.subjects.get(SUBJECT, [])
    ]


class TestMemoryRelay:
    async def test_every_event_once_in_order_and_marked(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        n = await add_events(sessionmaker, learners=7, each=30)
        broker = MemoryBroker()
        relay = Relay(sessionmaker, broker, batch_size=50)
        assert await relay.drain() == n
        assert_once_and_in_order(arrived(broker), n)
        assert await waiting(sessionmaker) == 0
        message = broker.subjects[SUBJECT][0]
        assert set(message.payload) >= {"id", "learner", "type", "content_id", "occurred_at"}
        assert relay.stats.summary()["lag_p99_ms"] is not None

    async def test_a_crash_between_publish_and_mark_loses_nothing_and_repeats_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        n = await add_events(sessionmaker, learners=3, each=10)
        broker = MemoryBroker()
        with pytest.raises(RuntimeError, match="killed"):
            await CrashAfterPublish(sessionmaker, broker, batch_size=20).publish_batch()
        assert len(arrived(broker)) == 20
        assert await waiting(sessionmaker) == n  # nothing was marked
        restarted = Relay(sessionmaker, broker, batch_size=20)
        await restarted.drain()
        assert restarted.stats.duplicates == 20  # republished, dropped by the broker
        assert_once_and_in_order(arrived(broker), n)
        assert await waiting(sessionmaker) == 0

    async def test_stats_report_backlog_and_lag_to_admins_only(
        self, state: AppState, client: httpx.AsyncClient
    ) -> None:
        await add_events(state.sessionmaker, learners=2, each=5)
        _admin, admin = await create_logged_in_user(state, client, role=Role.admin)
        before = (await client.get("/api/admin/stats/stream", headers=admin)).json()
        assert before["backlog"] == 10
        assert before["oldest_unpublished_age_s"] > 0
        assert before["broker"] == "memory"
        await state.relay.drain()
        after = (await client.get("/api/admin/stats/stream", headers=admin)).json()
        assert (after["backlog"], after["published"]) == (0, 10)
        _learner, auth = await create_logged_in_user(state, client)
        assert (await client.get("/api/admin/stats/stream", headers=auth)).status_code == 403


class TestCleanup:
    async def test_published_rows_past_retention_go_unpublished_ones_stay(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await add_events(sessionmaker, learners=2, each=5)
        relay = Relay(sessionmaker, MemoryBroker(), batch_size=4)
        await relay.publish_batch()  # 4 of 10 published
        async with transaction(sessionmaker, write=True) as session:
            assert await stream.cleanup(session, retention_hours=1) == 0  # too recent
            await session.execute(
                update(Outbox)
                .where(Outbox.published_at.is_not(None))
                .values(published_at=datetime.now(UTC) - timedelta(hours=2))
            )
            assert await stream.cleanup(session, retention_hours=1) == 4
        assert await waiting(sessionmaker) == 6


class TestLease:
    async def test_two_relays_on_one_cache_one_publishes(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache
    ) -> None:
        n = await add_events(sessionmaker, learners=2, each=10)
        first, second = MemoryBroker(), MemoryBroker()
        a = Relay(sessionmaker, first, cache=cache, batch_size=5, poll_seconds=0.01)
        b = Relay(sessionmaker, second, cache=cache, batch_size=5, poll_seconds=0.01)
        a.start()
        b.start()
        try:
            # The test's sessions share one connection: only the relays use it while they run.
            async with asyncio.timeout(10):
                while a.stats.published + b.stats.published < n:
                    await asyncio.sleep(0.02)
        finally:
            await a.stop()
            await b.stop()
        assert sorted([a.stats.published, b.stats.published]) == [0, n]
        assert_once_and_in_order(arrived(first) + arrived(second), n)
