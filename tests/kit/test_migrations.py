"""The whole Alembic history goes down to nothing and back up, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from tailored.kit.db import create_engine
from tailored.kit.migrate import alembic_config
from tests.services import postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    admin = make_url(postgres_url())
    name = f"tailored_mig_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _column_facts(url: str) -> tuple[set[str], int | None]:
    """request_logs' column names, and the width of its `adapter` column."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda c: inspect(c).get_columns("request_logs"))
    finally:
        await engine.dispose()
    adapter = next(c for c in columns if c["name"] == "adapter")
    return {c["name"] for c in columns}, getattr(adapter["type"], "length", None)


def test_down_to_base_and_up_again(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "0a26c99803db")  # translations: the revision before tokens
    names, width = asyncio.run(_column_facts(fresh_url))
    assert "input_tokens" not in names
    command.upgrade(config, "head")
    names, width = asyncio.run(_column_facts(fresh_url))
    assert {"input_tokens", "output_tokens"} <= names
    assert width == 300
