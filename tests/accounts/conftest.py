"""Accounts fixtures: a cache on each backend, and a client whose settings a test chooses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.app import create_app
from tailored.kit.cache import Cache, RedisCache, create_cache
from tailored.state import AppState
from tests.fixtures.settings import make_settings
from tests.services import redis_url

ClientFactory = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, AppState]]]


@pytest.fixture(params=["memory", "redis"])
async def any_cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    """A cache on each backend, in a namespace of its own, emptied afterwards."""
    url = "memory://" if request.param == "memory" else redis_url()
    cache = create_cache(url, namespace=f"test-{uuid.uuid4().hex}")
    try:
        yield cache
    finally:
        await cache.delete_prefix("")
        await cache.close()


@pytest.fixture
async def other_process_cache(any_cache: Cache) -> AsyncIterator[Cache]:
    """What another API process sees of ``any_cache``: its own Redis client on the same
    namespace; in memory, where data lives in one object, that object."""
    if not isinstance(any_cache, RedisCache):
        yield any_cache
        return
    other = create_cache(redis_url(), namespace=any_cache.namespace)
    try:
        yield other
    finally:
        await other.close()


@pytest.fixture
def client_with(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache
) -> ClientFactory:
    """``async with client_with(cache=..., **settings) as (client, state)``: the app on the
    test transaction with those settings, on ``cache`` (default: the in-memory one)."""

    @asynccontextmanager
    async def build(
        *, cache: Cache = cache, **overrides: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
        settings = make_settings(engine, **overrides)
        state = AppState.build(settings, engine=engine, sessionmaker=sessionmaker, cache=cache)
        transport = httpx.ASGITransport(app=create_app(settings, state=state))
        async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
            yield c, state

    return build
