"""The many-key operations of the `Cache` contract (one round trip on Redis), on every backend
(the parametrized ``cache`` fixture of tests/kit/conftest.py)."""

from __future__ import annotations

import pytest

from tailored.kit.cache import Cache


class TestZaddMany:
    async def test_adds_to_each_set_drops_old_members_and_sets_the_ttl(self, cache: Cache) -> None:
        await cache.zadd("a", {"old": 1.0})
        await cache.zadd_many(
            {"a": {"x": 10.0, "y": 5.0}, "b": {"z": 7.0}, "empty": {}}, drop_below=5.0, ttl=60
        )
        assert await cache.zrange("a") == [("y", 5.0), ("x", 10.0)]
        assert await cache.zrange("b") == [("z", 7.0)]
        assert await cache.zcard("empty") == 0
        for key in ("a", "b"):
            ttl = await cache.ttl(key)
            assert ttl is not None
            assert 59 < ttl <= 60

    async def test_rejects_a_bad_ttl(self, cache: Cache) -> None:
        with pytest.raises(ValueError, match="ttl"):
            await cache.zadd_many({"a": {"x": 1.0}}, ttl=0)


class TestZscoreMany:
    async def test_score_of_each_pair_absent_ones_none(self, cache: Cache) -> None:
        await cache.zadd("a", {"p": 1.0, "q": 2.5})
        await cache.zadd("b", {"s": 3.0})
        pairs = [("a", "q"), ("b", "s"), ("a", "missing"), ("none", "p"), ("a", "p")]
        assert await cache.zscore_many(pairs) == [2.5, 3.0, None, None, 1.0]
        assert await cache.zscore_many([]) == []


class TestListPushMany:
    async def test_pushes_trims_and_expires_each_list(self, cache: Cache) -> None:
        await cache.list_push_many(
            {"l1": [b"1", b"2", b"3"], "l2": [b"a"], "l3": []}, max_len=2, ttl=30
        )
        assert await cache.list_range("l1") == [b"3", b"2"]
        assert await cache.list_range("l2") == [b"a"]
        assert await cache.list_range("l3") == []
        ttl = await cache.ttl("l2")
        assert ttl is not None
        assert 29 < ttl <= 30
