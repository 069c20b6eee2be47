"""The whole Alembic history goes down to nothing and back up, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from tailored.kit.db import create_engine
from tailored.kit.migrate import alembic_config
from tests.fixtures.databases import fresh_database_sync


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database_sync(request.param, tmp_path) as url:
        yield url


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
