"""kit.db.reading: on a server database each statement runs on its own (no BEGIN/COMMIT round
trips), where `transaction` holds one snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.db import create_engine, create_sessionmaker, reading, transaction
from tests.fixtures.databases import fresh_database

Opener = Callable[[async_sessionmaker[AsyncSession]], AbstractAsyncContextManager[AsyncSession]]


@pytest.fixture
async def maker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with fresh_database("postgres", tmp_path) as url:
        engine = create_engine(url)
        try:
            yield create_sessionmaker(engine)
        finally:
            await engine.dispose()


async def _starts(maker: async_sessionmaker[AsyncSession], opener: Opener) -> list[datetime]:
    # now() is when the statement's transaction began.
    found: list[datetime] = []
    async with opener(maker) as session:
        for _ in range(2):
            found.append(await session.scalar(text("SELECT now()")))
            await asyncio.sleep(0.01)
    return found


class TestReading:
    async def test_each_statement_is_its_own_transaction(
        self, maker: async_sessionmaker[AsyncSession]
    ) -> None:
        first, second = await _starts(maker, reading)
        assert second > first

    async def test_where_a_transaction_holds_one(
        self, maker: async_sessionmaker[AsyncSession]
    ) -> None:
        first, second = await _starts(maker, transaction)
        assert second == first
