"""ResilientCache on a redis-server of the test's own, killed and restarted mid-test: while it is
down the cache misses and drops instead of raising, locks and counters turn process-local, the
breaker keeps calls off the dead server, and when it returns the cache catches up and is used."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tailored.kit.cache import (
    CacheLock,
    NotANumberError,
    RedisCache,
    ResilientCache,
    create_cache,
)
from tailored.kit.cache.redis import UNREACHABLE
from tests.kit.redis_server import RedisServer, redis_server

__all__ = ["redis_server"]

RETRY = 0.05  # seconds between probes in most tests: recovery is quick to wait for


class Clock:
    """A clock the test moves, for the breaker's timing."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def cache(redis_server: RedisServer) -> AsyncIterator[ResilientCache]:
    inner = RedisCache.from_url(redis_server.url, namespace="t")
    cache = ResilientCache(inner, unreachable=UNREACHABLE, retry_after=RETRY)
    yield cache
    await cache.close()


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A client of the test's server, to see what is really stored there (configured as the
    cache's own, which reconnects after a restart)."""
    other = RedisCache.from_url(redis_server.url, namespace="t")
    yield other.client
    await other.close()


async def recovered(cache: ResilientCache, within: float = 5.0) -> bool:
    """Whether a probe finds the backend back within ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await cache.ping():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(RETRY)
    return True


def test_create_cache_wraps_redis() -> None:
    cache = create_cache("redis://127.0.0.1:6379/0", namespace="app")
    assert isinstance(cache, ResilientCache)
    assert isinstance(cache.inner, RedisCache)


class TestWhileDown:
    async def test_reads_miss_and_writes_are_dropped(
        self, cache: ResilientCache, redis_server: RedisServer
    ) -> None:
        await cache.set("k", b"v", tags=["t"])
        await cache.hash_set("h", {"f": b"1"})
        redis_server.kill()
        assert await cache.get("k") is None
        assert cache.degraded
        await cache.set("k2", b"v", ttl=10, tags=["t"])
        assert await cache.get("k2") is None
        assert await cache.hash_get_all("h") == {}
        assert await cache.list_push("l", b"a", b"b", max_len=1) == 1
        assert await cache.list_range("l") == []
        assert await cache.zincrby("z", "m", 2.5) == 2.5
        assert await cache.zrange("z") == []
        assert await cache.ttl("k") is None
        assert await cache.expire("k", 10) is False
        assert await cache.ping() is False

    async def test_callers_mistakes_still_raise(
        self, cache: ResilientCache, redis_server: RedisServer
    ) -> None:
        redis_server.kill()
        assert await cache.get("k") is None
        with pytest.raises(ValueError, match="ttl"):
            await cache.set("k", b"v", ttl=-1)
        with pytest.raises(NotANumberError):
            await cache.zadd("z", {"m": math.nan})

    async def test_counters_are_process_local(
        self, cache: ResilientCache, redis_server: RedisServer
    ) -> None:
        redis_server.kill()
        assert await cache.incr("hits") == 1
        assert await cache.incr("hits", 2) == 3

    async def test_locks_are_process_local(
        self, cache: ResilientCache, redis_server: RedisServer
    ) -> None:
        redis_server.kill()
        async with CacheLock(cache, "job", ttl=5, wait=0):
            assert await CacheLock(cache, "job", ttl=5, wait=0).try_acquire() is False
        # Released without LockLostError, and free again.
        async with CacheLock(cache, "job", ttl=5, wait=0):
            pass

    async def test_a_lock_taken_on_redis_is_released_during_the_outage(
        self, cache: ResilientCache, redis_server: RedisServer
    ) -> None:
        async with CacheLock(cache, "job", ttl=5, wait=0) as lock:
            assert lock.held
            redis_server.kill()
        assert not lock.held

    async def test_one_warning_per_outage(
        self, cache: ResilientCache, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="tailored.cache")
        redis_server.kill()
        for _ in range(3):
            await asyncio.gather(*(cache.get(f"k{i}") for i in range(50)))
            await asyncio.sleep(RETRY * 2)  # probes come and fail meanwhile
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "cache unreachable" in warnings[0].getMessage()
        redis_server.start()
        assert await recovered(cache)
        assert any("reachable again" in r.getMessage() for r in caplog.records)
        redis_server.kill()
        assert await cache.get("k") is None
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 2  # a second outage, a second warning


class TestBreaker:
    async def test_calls_stay_off_the_backend_until_a_retry_is_due(
        self, redis_server: RedisServer
    ) -> None:
        """Where Redis was, a listener that hangs up on everyone counts who still calls."""
        clock = Clock()
        inner = RedisCache.from_url(redis_server.url, namespace="t")
        cache = ResilientCache(inner, unreachable=UNREACHABLE, retry_after=5, clock=clock)
        await cache.set("k", b"v")
        redis_server.kill()
        calls = 0

        async def hang_up(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal calls
            calls += 1
            writer.close()

        server = await asyncio.start_server(hang_up, "127.0.0.1", redis_server.port)
        try:
            assert await cache.get("k") is None  # this one trips the breaker
            tripped = calls
            assert tripped >= 1
            for _ in range(100):
                assert await cache.get("k") is None
            clock.now = 4.9
            assert await cache.get("k") is None
            assert calls == tripped
            clock.now = 5.0
            assert await cache.ping() is False  # one probe, which fails
            assert calls > tripped
            probed = calls
            for _ in range(100):
                assert await cache.get("k") is None
            assert calls == probed
        finally:
            server.close()
            await server.wait_closed()
            await cache.close()


class TestRecovery:
    async def test_the_cache_is_used_again(
        self, cache: ResilientCache, redis_server: RedisServer, raw: Redis
    ) -> None:
        redis_server.kill()
        await cache.set("k", b"dropped")
        assert cache.degraded
        redis_server.start()
        assert await recovered(cache)
        assert not cache.degraded
        await cache.set("k", b"stored", tags=["t"])
        assert await raw.get("t:k") == b"stored"
        assert await cache.get("k") == b"stored"
        assert await cache.invalidate_tags("t") == 1  # scripts load again on a fresh server

    async def test_invalidations_missed_while_down_are_replayed(
        self, cache: ResilientCache, redis_server: RedisServer, raw: Redis
    ) -> None:
        await cache.set("token", b"user 1", tags=["user:1"])
        await cache.set("page", b"old")
        await cache.set("keep", b"v")
        await raw.save()  # the restarted server comes back with these, as after a partition
        redis_server.kill()
        assert await cache.invalidate_tags("user:1") == 0
        assert await cache.delete("page") == 0
        redis_server.start()
        assert await raw.get("t:token") == b"user 1"  # stale on the server until the replay
        assert await recovered(cache)
        assert await cache.get("token") is None
        assert await cache.get("page") is None
        assert await cache.get("keep") == b"v"
        assert await raw.get("t:token") is None

    async def test_a_lock_held_across_the_outage_is_freed_on_return(
        self, cache: ResilientCache, redis_server: RedisServer, raw: Redis
    ) -> None:
        lock = CacheLock(cache, "job", ttl=60, wait=0)
        assert await lock.try_acquire()
        await raw.save()
        redis_server.kill()
        assert await lock.release() is True
        redis_server.start()
        assert await recovered(cache)
        assert await raw.exists("t:lock:job") == 0
        assert await CacheLock(cache, "job", ttl=60, wait=0).try_acquire()


class TestClose:
    """A short-lived process (a CLI command) may end during an outage."""

    async def test_delivers_missed_invalidations_if_the_backend_is_back(
        self, redis_server: RedisServer, raw: Redis
    ) -> None:
        inner = RedisCache.from_url(redis_server.url, namespace="t")
        cache = ResilientCache(inner, unreachable=UNREACHABLE, retry_after=60)
        await cache.set("page", b"old", tags=["chapter:1"])
        await raw.save()
        redis_server.kill()
        await cache.invalidate_tags("chapter:1")
        redis_server.start()
        assert await raw.get("t:page") == b"old"
        await cache.close()
        assert await raw.get("t:page") is None

    async def test_says_what_it_could_not_deliver(
        self, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        inner = RedisCache.from_url(redis_server.url, namespace="t")
        cache = ResilientCache(inner, unreachable=UNREACHABLE, retry_after=60)
        redis_server.kill()
        await cache.invalidate_tags("chapter:1")
        await cache.delete("page")
        await cache.close()
        assert any(
            "closing with 2 cache invalidations undelivered" in r.getMessage()
            for r in caplog.records
        )
