"""A served app runs the relay in its lifespan unless told not to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from tailored.app import create_app
from tailored.config import Environment, Settings
from tailored.config.flags import StreamConfig
from tailored.state import AppState
from tailored.stream.brokers import MemoryBroker
from tests.fixtures.loopback import serve_on_loopback
from tests.fixtures.settings import TEST_SECRET
from tests.stream.conftest import add_events


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[AppState]:
    async with serve_on_loopback(app):
        yield app.state.tailored


def settings(tmp_path: Path, *, relay: bool) -> Settings:
    return Settings(
        environment=Environment.test,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        secret_key=TEST_SECRET,
        stream=StreamConfig(relay_in_serve=relay),
    )


class TestServeRunsTheRelay:
    async def test_events_reach_the_broker_while_serving(self, tmp_path: Path) -> None:
        async with served(create_app(settings(tmp_path, relay=True))) as state:
            assert isinstance(state.relay.broker, MemoryBroker)
            n = await add_events(state.sessionmaker, learners=2, each=10)
            messages = await state.relay.broker.wait("tailored.events", n)
            assert len(messages) == n

    async def test_not_when_a_standalone_relay_does_it(self, tmp_path: Path) -> None:
        async with served(create_app(settings(tmp_path, relay=False))) as state:
            await add_events(state.sessionmaker, learners=1, each=3)
            await asyncio.sleep(0.3)
            assert not state.relay.running
            assert isinstance(state.relay.broker, MemoryBroker)
            assert state.relay.broker.subjects == {}
