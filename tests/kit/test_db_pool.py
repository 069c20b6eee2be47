"""The connection pool takes its size from the settings, on SQLite and PostgreSQL; connections
beyond it (overflow) are closed when returned, which is why the pool must cover the steady
concurrency (bench/bench_db_pool.py measures the churn)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tailored.config import Settings
from tailored.kit.db import create_engine
from tailored.state import AppState
from tests.fixtures.settings import make_settings

# Concurrent requests per worker the defaults are sized for (the load).
DESIGN_CONCURRENCY = 32


class TestPoolSettings:
    def test_defaults_keep_a_connection_for_each_request_of_the_design_load(self) -> None:
        defaults = Settings()
        assert defaults.database_pool_size >= DESIGN_CONCURRENCY  # no overflow churn there
        # Two workers fit PostgreSQL's default max_connections (100, 3 reserved).
        assert 2 * (defaults.database_pool_size + defaults.database_max_overflow) <= 97

    async def test_pool_is_sized_from_settings(self, engine: AsyncEngine) -> None:
        settings = make_settings(engine, database_pool_size=2, database_max_overflow=1)
        state = AppState.build(settings)
        pool = state.engine.pool
        try:
            async with AsyncExitStack() as stack:
                for _ in range(3):
                    conn = await stack.enter_async_context(state.engine.connect())
                    await conn.execute(text("SELECT 1"))
                assert (pool.size(), pool.checkedout(), pool.overflow()) == (2, 3, 1)  # type: ignore[attr-defined]
            # The pool keeps two; the overflow connection was closed on its return.
            assert pool.checkedin() == 2  # type: ignore[attr-defined]
        finally:
            await state.close()

    async def test_in_memory_sqlite_ignores_pool_sizes(self) -> None:
        memory = create_engine("sqlite+aiosqlite://", pool_size=4, max_overflow=2)
        try:
            async with memory.connect() as conn:
                assert await conn.scalar(text("SELECT 1")) == 1
        finally:
            await memory.dispose()
