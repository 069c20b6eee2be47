"""Signals fixtures: every test here runs on both cache backends (and, through `engine`, on
SQLite and PostgreSQL), with the sample textbook ingested and a site key of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.kit.cache import Cache, create_cache
from tailored.signals import keys
from tests.services import redis_url


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    url = "memory://" if request.param == "memory" else redis_url()
    c = create_cache(url, namespace=f"sig-{uuid.uuid4().hex}")
    try:
        yield c
    finally:
        await c.delete_prefix("")
        await c.close()


@pytest.fixture
async def library(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    async with sessionmaker() as session:
        assert (await content.ingest(session, textbook_dir)).ok
        await session.commit()


@pytest.fixture
async def site_key(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    async with sessionmaker() as session:
        _, plain = await keys.create_key(session, f"site-{uuid.uuid4().hex[:8]}")
        await session.commit()
    return plain
