"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Migrations are applied once per backend per run; each test gets one connection with an outer
transaction that is rolled back at the end, and the app's sessions join it with savepoints, so
a request's commit is real inside the test and gone after it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.accounts.security import Passwords
from tailored.app import create_app
from tailored.config import Settings
from tailored.kit.cache import Cache, create_cache
from tailored.kit.db import create_engine
from tailored.kit.migrate import upgrade_async
from tailored.state import AppState
from tests.fixtures.databases import fresh_database
from tests.fixtures.settings import make_settings


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    async with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        eng = create_engine(url)
        try:
            await upgrade_async(eng)
            yield eng
        finally:
            await eng.dispose()


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        await outer.rollback()


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
def settings(engine: AsyncEngine) -> Settings:
    return make_settings(engine)


@pytest.fixture
async def cache() -> AsyncIterator[Cache]:
    c = create_cache("memory://", namespace=f"t{uuid.uuid4().hex}")
    yield c
    await c.close()


@pytest.fixture
def passwords(settings: Settings) -> Passwords:
    return Passwords(
        time_cost=settings.argon2_time_cost, memory_cost_kib=settings.argon2_memory_cost_kib
    )


@pytest.fixture
def state(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    cache: Cache,
) -> AppState:
    """The app's resources on the test transaction. The recorder is not started: tests call
    `await state.recorder.flush()` when they want recorded rows written."""
    return AppState.build(settings, engine=engine, sessionmaker=sessionmaker, cache=cache)


@pytest.fixture
async def client(settings: Settings, state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, state=state)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
        yield c


@pytest.fixture(scope="session")
def textbook_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "examples" / "textbook"
