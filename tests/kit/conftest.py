"""Fixtures that run the cache contract suite against every backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tailored.kit.cache import Cache, MemoryCache, RedisCache, ResilientCache, create_cache
from tests.services import redis_url


@pytest.fixture
def namespace() -> str:
    """A namespace no other test uses, so tests never see each other's keys."""
    return f"test-{uuid.uuid4().hex}"


def _create(backend: str, namespace: str) -> Cache:
    if backend == "memory":
        return create_cache("memory://", namespace=namespace)
    if backend == "redis":
        return RedisCache.from_url(redis_url(), namespace=namespace)
    return create_cache(redis_url(), namespace=namespace)  # Redis behind a ResilientCache


def _redis(cache: Cache) -> RedisCache | None:
    inner = cache.inner if isinstance(cache, ResilientCache) else cache
    return inner if isinstance(inner, RedisCache) else None


@pytest.fixture(params=["memory", "redis", "resilient"])
async def cache(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Cache]:
    """A fresh cache on each backend; its namespace is emptied afterwards."""
    cache = _create(request.param, namespace)
    try:
        yield cache
    finally:
        await cache.delete_prefix("")
        redis = _redis(cache)
        if redis is not None:
            leftover = [
                key
                for pattern in (f"{namespace}:*", f"{namespace}#*")
                async for key in redis.client.scan_iter(match=pattern)
            ]
            await cache.close()
            assert leftover == [], "delete_prefix('') left keys behind"
        else:
            await cache.close()


@pytest.fixture
async def peer(cache: Cache, namespace: str) -> AsyncIterator[Cache]:
    """Another handle on ``cache``'s data: a second Redis client, as another process would
    have; in memory, where data lives in one object, that same object."""
    if isinstance(cache, MemoryCache):
        yield cache
        return
    other = create_cache(redis_url(), namespace=namespace)
    try:
        yield other
    finally:
        await other.close()
