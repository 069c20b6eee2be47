"""kit.db.retry_in_savepoint: a deadlock PostgreSQL breaks by undoing one side is run again in
its savepoint, so both sides finish and the request's earlier work is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.db import (
    create_engine,
    create_sessionmaker,
    is_retryable_conflict,
    retry_in_savepoint,
    transaction,
)
from tests.fixtures.databases import fresh_database


@pytest.fixture
async def maker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with fresh_database("postgres", tmp_path) as url:
        engine = create_engine(url)
        try:
            async with transaction(create_sessionmaker(engine), write=True) as session:
                await session.execute(text("CREATE TABLE box (id int PRIMARY KEY, n int)"))
                await session.execute(text("INSERT INTO box VALUES (1, 0), (2, 0)"))
                await session.execute(text("CREATE TABLE note (what text)"))
            yield create_sessionmaker(engine)
        finally:
            await engine.dispose()


async def _cross(
    maker: async_sessionmaker[AsyncSession],
    first: int,
    second: int,
    both_hold: asyncio.Barrier,
    *,
    retry: bool,
) -> int:
    """Lock `first`, wait until the other side holds its row, then update `second`."""
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        await session.execute(text("UPDATE box SET n = n + 1 WHERE id = :i"), {"i": first})
        if attempts == 1:
            await both_hold.wait()
        await session.execute(text("UPDATE box SET n = n + 1 WHERE id = :i"), {"i": second})

    async with transaction(maker, write=True) as session:
        await session.execute(text("INSERT INTO note VALUES (:w)"), {"w": f"before {first}"})
        if retry:
            await retry_in_savepoint(session, work)
        else:
            await work()
    return attempts


class TestRetryInSavepoint:
    async def test_a_deadlock_is_run_again_and_both_sides_finish(
        self, maker: async_sessionmaker[AsyncSession]
    ) -> None:
        barrier = asyncio.Barrier(2)
        attempts = await asyncio.gather(
            _cross(maker, 1, 2, barrier, retry=True), _cross(maker, 2, 1, barrier, retry=True)
        )
        # PostgreSQL undid exactly one side; it ran again after the other committed.
        assert sorted(attempts) == [1, 2]
        async with transaction(maker) as session:
            counts = (await session.execute(text("SELECT n FROM box ORDER BY id"))).all()
            notes = await session.scalar(text("SELECT count(*) FROM note"))
        assert [row.n for row in counts] == [2, 2]
        assert notes == 2  # the work before the savepoint survived the retry

    async def test_without_it_the_deadlock_reaches_the_caller(
        self, maker: async_sessionmaker[AsyncSession]
    ) -> None:
        barrier = asyncio.Barrier(2)
        results = await asyncio.gather(
            _cross(maker, 1, 2, barrier, retry=False),
            _cross(maker, 2, 1, barrier, retry=False),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        assert len(failures) == 1
        assert isinstance(failures[0], DBAPIError)
        assert is_retryable_conflict(failures[0])

    def test_other_errors_are_not_retried(self) -> None:
        assert not is_retryable_conflict(ValueError("no"))
