"""How RedisCache lays its keys out on a shared Redis: callers' keys under the namespace as
given, the cache's own tag sets beside them, printable, and never clashing with either."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tailored.kit.cache import RedisCache, create_cache
from tests.services import redis_url


@pytest.fixture
async def redis_cache() -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(redis_url(), namespace=f"keys-{uuid.uuid4().hex}")
    try:
        yield cache
    finally:
        await cache.delete_prefix("")
        await cache.close()


async def _all_keys(cache: RedisCache) -> set[bytes]:
    return {key async for key in cache.client.scan_iter(match=f"{cache.namespace}*")}


class TestTagKeys:
    async def test_tag_sets_have_printable_names_beside_the_callers_keys(
        self, redis_cache: RedisCache
    ) -> None:
        ns = redis_cache.namespace
        await redis_cache.set("page", b"v", tags=["course:7", "user:é"])
        keys = {key.decode() for key in await _all_keys(redis_cache)}
        assert keys == {f"{ns}:page", f"{ns}#tag:course:7", f"{ns}#tag:user:é"}
        assert all(key.isprintable() for key in keys)

    async def test_callers_keys_shaped_like_tag_sets_do_not_clash(
        self, redis_cache: RedisCache
    ) -> None:
        lookalikes = ["#tag:t", "\x00tag:t", "tag:t", ""]
        for key in lookalikes:
            await redis_cache.set(key, key.encode())
        await redis_cache.set("tagged", b"v", tags=["t"])
        assert await redis_cache.invalidate_tags("t") == 1
        assert await redis_cache.get("tagged") is None
        for key in lookalikes:
            assert await redis_cache.get(key) == key.encode()

    async def test_a_namespace_cannot_reach_another_namespaces_tag_sets(self) -> None:
        base = f"keys-{uuid.uuid4().hex}"
        first = create_cache(redis_url(), namespace=base)
        # Were "#" allowed, this namespace's key "t" would be the first one's tag set for "t".
        with pytest.raises(ValueError, match="must not contain '#'"):
            create_cache(redis_url(), namespace=f"{base}#tag")
        try:
            await first.set("k", b"v", tags=["t"])
            assert await first.invalidate_tags("t") == 1
        finally:
            await first.delete_prefix("")
            await first.close()

    async def test_whole_namespace_delete_sweeps_tag_sets_counting_callers_keys(
        self, redis_cache: RedisCache
    ) -> None:
        await redis_cache.set("a", b"1", tags=["t1", "t2"])
        await redis_cache.set("b", b"2", tags=["t1"])
        assert await redis_cache.delete_prefix("") == 2
        assert await _all_keys(redis_cache) == set()

    async def test_a_partial_delete_keeps_tag_sets(self, redis_cache: RedisCache) -> None:
        await redis_cache.set("a1", b"1", tags=["t"])
        await redis_cache.set("b1", b"2", tags=["t"])
        assert await redis_cache.delete_prefix("a") == 1
        assert await redis_cache.invalidate_tags("t") == 1
        assert await redis_cache.get("b1") is None


class TestLegacyTagSets:
    """Tag sets written before the printable layout, at f"{namespace}:\\x00tag:{tag}"."""

    async def test_entries_tagged_before_the_upgrade_are_still_invalidated(
        self, redis_cache: RedisCache
    ) -> None:
        ns = redis_cache.namespace
        client = redis_cache.client
        await client.set(f"{ns}:old", b"cached before")
        await client.sadd(f"{ns}:\x00tag:t", f"{ns}:old")
        await redis_cache.set("old", b"cached before", tags=["t"])  # re-tagged since: one key
        await redis_cache.set("new", b"cached after", tags=["t"])
        assert await redis_cache.invalidate_tags("t") == 2
        assert await redis_cache.get("old") is None
        assert await redis_cache.get("new") is None
        assert await _all_keys(redis_cache) == set()

    async def test_a_callers_key_named_like_a_legacy_tag_set_is_left_alone(
        self, redis_cache: RedisCache
    ) -> None:
        await redis_cache.set("\x00tag:t", b"mine")
        await redis_cache.list_push("\x00tag:u", b"mine too")
        assert await redis_cache.invalidate_tags("t", "u") == 0
        assert await redis_cache.get("\x00tag:t") == b"mine"
        assert await redis_cache.list_range("\x00tag:u") == [b"mine too"]


@pytest.mark.parametrize("scheme", ["memory", "redis"])
def test_every_backend_rejects_the_same_namespaces(scheme: str) -> None:
    # A namespace that works in development on memory:// must work on Redis in production.
    url = "memory://" if scheme == "memory" else "redis://127.0.0.1:6379/0"
    with pytest.raises(ValueError, match="must not contain '#'"):
        create_cache(url, namespace="app#1")
