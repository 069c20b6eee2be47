"""The `Cache` contract, run against every backend by the parametrized ``cache`` fixture."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

import pytest

from tailored.kit.cache import (
    Cache,
    MemoryCache,
    NotANumberError,
    RedisCache,
    ResilientCache,
    WrongTypeError,
    create_cache,
)
from tests.services import redis_url

INF = math.inf
SHORT = 0.1  # seconds: a TTL tests wait out
PAST_SHORT = 0.2


async def exists(cache: Cache, key: str) -> bool:
    """Whether ``key`` exists, whatever its type (set_if_absent fails only on a live key)."""
    if await cache.set_if_absent(key, b"probe", ttl=None):
        await cache.delete(key)
        return False
    return True


# -- strings ---------------------------------------------------------------------------------


async def test_is_a_cache(cache: Cache) -> None:
    assert isinstance(cache, Cache)
    assert await cache.ping() is True


async def test_get_missing_is_none(cache: Cache) -> None:
    assert await cache.get("nope") is None


@pytest.mark.parametrize("value", [b"hello", b"", b"\x00\xff\r\n binary", "é😀".encode()])
async def test_set_get_round_trips_bytes(cache: Cache, value: bytes) -> None:
    await cache.set("k", value)
    assert await cache.get("k") == value


async def test_keys_are_arbitrary_strings(cache: Cache) -> None:
    for key in ["with space", "ünï:cødé", "glob*?[x]", "", "a:b:c"]:
        await cache.set(key, key.encode())
    for key in ["with space", "ünï:cødé", "glob*?[x]", "", "a:b:c"]:
        assert await cache.get(key) == key.encode()


async def test_set_overwrites_and_clears_ttl(cache: Cache) -> None:
    await cache.set("k", b"1", ttl=SHORT)
    await cache.set("k", b"2")
    assert await cache.ttl("k") is None
    await asyncio.sleep(PAST_SHORT)
    assert await cache.get("k") == b"2"


async def test_set_with_ttl_expires(cache: Cache) -> None:
    await cache.set("k", b"v", ttl=SHORT)
    assert await cache.get("k") == b"v"
    await asyncio.sleep(PAST_SHORT)
    assert await cache.get("k") is None
    assert await cache.ttl("k") is None


async def test_set_replaces_a_key_of_another_type(cache: Cache) -> None:
    await cache.list_push("k", b"a")
    await cache.set("k", b"now a string")
    assert await cache.get("k") == b"now a string"


@pytest.mark.parametrize("ttl", [0, -1, math.nan, INF])
async def test_bad_ttls_are_rejected(cache: Cache, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await cache.set("k", b"v", ttl=ttl)
    with pytest.raises(ValueError, match="ttl"):
        await cache.set_if_absent("k", b"v", ttl=ttl)
    await cache.set("k", b"v")
    with pytest.raises(ValueError, match="ttl"):
        await cache.expire("k", ttl)
    with pytest.raises(ValueError, match="ttl"):
        await cache.incr("n", ttl=ttl)
    assert await cache.ttl("k") is None


async def test_set_if_absent(cache: Cache) -> None:
    assert await cache.set_if_absent("k", b"first", ttl=None) is True
    assert await cache.set_if_absent("k", b"second", ttl=None) is False
    assert await cache.get("k") == b"first"
    assert await cache.ttl("k") is None


async def test_set_if_absent_ttl_frees_the_key(cache: Cache) -> None:
    assert await cache.set_if_absent("k", b"first", ttl=SHORT) is True
    ttl = await cache.ttl("k")
    assert ttl is not None
    assert 0 < ttl <= SHORT
    await asyncio.sleep(PAST_SHORT)
    assert await cache.set_if_absent("k", b"second", ttl=SHORT) is True
    assert await cache.get("k") == b"second"


async def test_set_if_absent_sees_keys_of_any_type(cache: Cache) -> None:
    await cache.zadd("z", {"m": 1})
    assert await cache.set_if_absent("z", b"v", ttl=None) is False


async def test_set_if_absent_race_has_one_winner(cache: Cache, peer: Cache) -> None:
    handles = [cache, peer]
    results = await asyncio.gather(
        *(handles[i % 2].set_if_absent("race", str(i).encode(), ttl=5) for i in range(50))
    )
    assert results.count(True) == 1
    winner = results.index(True)
    assert await cache.get("race") == str(winner).encode()


async def test_delete(cache: Cache) -> None:
    await cache.set("a", b"1")
    await cache.list_push("b", b"1")
    await cache.hash_set("c", {"f": b"1"})
    await cache.zadd("d", {"m": 1})
    assert await cache.delete("a", "b", "c", "d", "missing") == 4
    for key in "abcd":
        assert not await exists(cache, key)
    assert await cache.delete("a") == 0
    assert await cache.delete() == 0


async def test_delete_does_not_count_expired_keys(cache: Cache) -> None:
    await cache.set("k", b"v", ttl=SHORT)
    await asyncio.sleep(PAST_SHORT)
    assert await cache.delete("k") == 0


async def test_delete_if_equals(cache: Cache) -> None:
    await cache.set("k", b"mine")
    assert await cache.delete_if_equals("k", b"theirs") is False
    assert await cache.get("k") == b"mine"
    assert await cache.delete_if_equals("k", b"mine") is True
    assert await cache.get("k") is None
    assert await cache.delete_if_equals("k", b"mine") is False


async def test_delete_prefix_deletes_only_matching_keys(cache: Cache) -> None:
    for key in ["user:1", "user:10", "user:1:profile", "users", "other:user:1", "use"]:
        await cache.set(key, b"v")
    await cache.hash_set("user:2", {"f": b"v"})
    assert await cache.delete_prefix("user:") == 4
    assert await cache.get("users") == b"v"
    assert await cache.get("other:user:1") == b"v"
    assert await cache.get("use") == b"v"
    assert await cache.get("user:1") is None
    assert await cache.delete_prefix("user:") == 0


async def test_delete_prefix_treats_glob_characters_literally(cache: Cache) -> None:
    for key in ["a*", "a*b", "ab", "a?", "a[b]", "ac", "a\\x"]:
        await cache.set(key, b"v")
    assert await cache.delete_prefix("a*") == 2
    assert await cache.delete_prefix("a?") == 1
    assert await cache.delete_prefix("a[b") == 1
    assert await cache.delete_prefix("a\\") == 1
    assert await cache.get("ab") == b"v"
    assert await cache.get("ac") == b"v"


async def test_delete_prefix_in_many_batches(cache: Cache) -> None:
    for i in range(1234):
        await cache.set(f"bulk:{i}", b"v")
    await cache.set("keep", b"v")
    assert await cache.delete_prefix("bulk:") == 1234
    assert await cache.get("bulk:0") is None
    assert await cache.get("keep") == b"v"


async def test_delete_prefix_counts_only_callers_keys(cache: Cache) -> None:
    await cache.set("a", b"1", tags=["t1", "t2"])
    await cache.set("b", b"2", tags=["t1"])
    await cache.set("c", b"3")
    assert await cache.delete_prefix("") == 3


async def test_namespaces_are_isolated_on_one_redis(namespace: str) -> None:
    url = redis_url()
    first = create_cache(url, namespace=f"{namespace}-a")
    second = create_cache(url, namespace=f"{namespace}-b")
    try:
        await first.set("k", b"a", tags=["t"])
        await second.set("k", b"b", tags=["t"])
        assert await first.get("k") == b"a"
        assert await second.invalidate_tags("t") == 1
        assert await second.delete_prefix("") == 0
        assert await first.get("k") == b"a"
        assert isinstance(first, ResilientCache)
        assert isinstance(first.inner, RedisCache)
        # The prefix is there for other tools on the same Redis, and only there.
        assert await first.inner.client.get(f"{namespace}-a:k") == b"a"
    finally:
        await first.delete_prefix("")
        await first.close()
        await second.close()


async def test_peer_handles_share_data(cache: Cache, peer: Cache) -> None:
    await cache.set("k", b"v", tags=["t"])
    await peer.hash_set("h", {"f": b"1"})
    assert await peer.get("k") == b"v"
    assert await cache.hash_get("h", "f") == b"1"
    assert await peer.invalidate_tags("t") == 1
    assert await cache.get("k") is None


# -- tags ------------------------------------------------------------------------------------


async def test_invalidate_tags(cache: Cache) -> None:
    await cache.set("a", b"1", tags=["t1"])
    await cache.set("b", b"2", tags=["t1", "t2"])
    await cache.set("c", b"3", tags=["t2"])
    await cache.set("d", b"4", tags=["t3"])
    await cache.set("e", b"5")
    assert await cache.invalidate_tags("t1") == 2
    assert await cache.get("a") is None
    assert await cache.get("b") is None
    assert await cache.get("c") == b"3"
    assert await cache.invalidate_tags("t2", "t3", "unknown") == 2
    assert await cache.get("e") == b"5"
    assert await cache.invalidate_tags("t1") == 0
    assert await cache.invalidate_tags() == 0


async def test_invalidate_tags_skips_expired_and_deleted_keys(cache: Cache) -> None:
    await cache.set("gone", b"1", ttl=SHORT, tags=["t"])
    await cache.set("deleted", b"2", tags=["t"])
    await cache.set("live", b"3", tags=["t"])
    await cache.delete("deleted")
    await asyncio.sleep(PAST_SHORT)
    assert await cache.invalidate_tags("t") == 1
    assert await cache.get("live") is None


async def test_tags_repeated_in_one_set(cache: Cache) -> None:
    await cache.set("a", b"1", tags=["t", "t"])
    assert await cache.invalidate_tags("t", "t") == 1


async def test_tagged_key_can_be_retagged(cache: Cache) -> None:
    await cache.set("a", b"1", tags=["t1"])
    await cache.set("a", b"2", tags=["t2"])
    assert await cache.invalidate_tags("t2") == 1
    await cache.set("a", b"3", tags=["t1"])
    assert await cache.invalidate_tags("t1") == 1


async def test_tagged_key_with_extended_ttl_is_still_invalidated(cache: Cache) -> None:
    await cache.set("a", b"1", ttl=SHORT, tags=["t"])
    assert await cache.expire("a", 30)
    await asyncio.sleep(PAST_SHORT)
    assert await cache.invalidate_tags("t") == 1


# -- ttl and expire --------------------------------------------------------------------------


async def test_ttl(cache: Cache) -> None:
    assert await cache.ttl("missing") is None
    await cache.set("forever", b"v")
    assert await cache.ttl("forever") is None
    await cache.set("soon", b"v", ttl=30)
    ttl = await cache.ttl("soon")
    assert ttl is not None
    assert 29 < ttl <= 30


async def test_expire(cache: Cache) -> None:
    assert await cache.expire("missing", 10) is False
    await cache.set("k", b"v")
    assert await cache.expire("k", 30) is True
    ttl = await cache.ttl("k")
    assert ttl is not None
    assert 29 < ttl <= 30
    assert await cache.expire("k", SHORT) is True
    await asyncio.sleep(PAST_SHORT)
    assert await cache.get("k") is None
    assert await cache.expire("k", 10) is False


async def test_expire_applies_to_every_type(cache: Cache) -> None:
    await cache.list_push("l", b"a")
    await cache.hash_set("h", {"f": b"v"})
    await cache.zadd("z", {"m": 1})
    await cache.incr("n")
    for key in ["l", "h", "z", "n"]:
        assert await cache.expire(key, SHORT) is True
        assert await cache.ttl(key) is not None
    await asyncio.sleep(PAST_SHORT)
    assert await cache.list_range("l") == []
    assert await cache.hash_get_all("h") == {}
    assert await cache.zcard("z") == 0
    assert await cache.get("n") is None


async def test_containers_keep_their_ttl_when_modified(cache: Cache) -> None:
    await cache.list_push("l", b"a")
    await cache.expire("l", 30)
    await cache.list_push("l", b"b")
    await cache.hash_set("h", {"f": b"v"})
    await cache.expire("h", 30)
    await cache.hash_set("h", {"g": b"v"})
    await cache.hash_incr("h", "n")
    await cache.zadd("z", {"m": 1})
    await cache.expire("z", 30)
    await cache.zadd("z", {"n": 2})
    await cache.zincrby("z", "m", 1)
    for key in ["l", "h", "z"]:
        assert await cache.ttl(key) is not None


# -- counters --------------------------------------------------------------------------------


async def test_incr(cache: Cache) -> None:
    assert await cache.incr("n") == 1
    assert await cache.incr("n", 10) == 11
    assert await cache.incr("n", -12) == -1
    assert await cache.get("n") == b"-1"
    await cache.set("m", b"41")
    assert await cache.incr("m") == 42


async def test_incr_ttl_applies_only_on_creation(cache: Cache) -> None:
    assert await cache.incr("window", ttl=SHORT) == 1
    assert await cache.incr("window", ttl=30) == 2
    ttl = await cache.ttl("window")
    assert ttl is not None
    assert ttl <= SHORT
    await asyncio.sleep(PAST_SHORT)
    assert await cache.incr("window", ttl=30) == 1
    ttl = await cache.ttl("window")
    assert ttl is not None
    assert ttl > 29


async def test_incr_keeps_an_existing_ttl_or_its_absence(cache: Cache) -> None:
    await cache.set("n", b"1", ttl=30)
    await cache.incr("n")
    assert await cache.ttl("n") is not None
    await cache.set("m", b"1")
    await cache.incr("m", ttl=30)
    assert await cache.ttl("m") is None


async def test_concurrent_incr_loses_nothing(cache: Cache, peer: Cache) -> None:
    handles = [cache, peer]
    await asyncio.gather(*(handles[i % 2].incr("n", ttl=30) for i in range(50)))
    assert await cache.get("n") == b"50"


@pytest.mark.parametrize("value", [b"abc", b"1.5", b"", b" 1", b"99999999999999999999"])
async def test_incr_of_a_non_integer_fails(cache: Cache, value: bytes) -> None:
    await cache.set("n", value)
    with pytest.raises(NotANumberError):
        await cache.incr("n")
    assert await cache.get("n") == value


async def test_incr_overflow_fails(cache: Cache) -> None:
    await cache.set("n", str(2**63 - 1).encode())
    with pytest.raises(NotANumberError):
        await cache.incr("n")


# -- lists -----------------------------------------------------------------------------------


async def test_list_push_and_range(cache: Cache) -> None:
    assert await cache.list_push("l", b"a") == 1
    assert await cache.list_push("l", b"b", b"c") == 3
    assert await cache.list_range("l") == [b"c", b"b", b"a"]
    assert await cache.list_push("l") == 3


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (0, 0, [b"e"]),
        (1, 2, [b"d", b"c"]),
        (-2, -1, [b"b", b"a"]),
        (3, 100, [b"b", b"a"]),
        (-100, 1, [b"e", b"d"]),
        (5, 10, []),
        (3, 1, []),
        (-1, -2, []),
        (0, -6, []),
    ],
)
async def test_list_range_indices(
    cache: Cache, start: int, stop: int, expected: list[bytes]
) -> None:
    await cache.list_push("l", b"a", b"b", b"c", b"d", b"e")
    assert await cache.list_range("l", start, stop) == expected


async def test_list_range_missing_is_empty(cache: Cache) -> None:
    assert await cache.list_range("missing") == []


async def test_list_push_max_len_keeps_the_newest(cache: Cache) -> None:
    for i in range(5):
        length = await cache.list_push("recent", str(i).encode(), max_len=3)
        assert length == min(i + 1, 3)
    assert await cache.list_range("recent") == [b"4", b"3", b"2"]
    assert await cache.list_push("recent", b"5", b"6", b"7", b"8", max_len=2) == 2
    assert await cache.list_range("recent") == [b"8", b"7"]


async def test_list_push_rejects_max_len_below_one(cache: Cache) -> None:
    with pytest.raises(ValueError, match="max_len"):
        await cache.list_push("l", b"a", max_len=0)


# -- hashes ----------------------------------------------------------------------------------


async def test_hash_set_get(cache: Cache) -> None:
    await cache.hash_set("h", {"a": b"1", "b": b"2"})
    await cache.hash_set("h", {"b": b"two", "ç": b"\x00"})
    await cache.hash_set("h", {})
    assert await cache.hash_get("h", "b") == b"two"
    assert await cache.hash_get("h", "missing") is None
    assert await cache.hash_get("missing", "a") is None
    assert await cache.hash_get_all("h") == {"a": b"1", "b": b"two", "ç": b"\x00"}
    assert await cache.hash_get_all("missing") == {}


async def test_hash_incr(cache: Cache) -> None:
    assert await cache.hash_incr("h", "n") == 1.0
    assert await cache.hash_incr("h", "n", 0.5) == 1.5
    assert await cache.hash_incr("h", "n", 1.5) == 3.0
    assert await cache.hash_incr("h", "n", -4) == -1.0
    assert await cache.hash_get("h", "n") == b"-1"
    await cache.hash_set("h", {"m": b"10"})
    result = await cache.hash_incr("h", "m", 0.25)
    assert isinstance(result, float)
    assert result == 10.25
    assert await cache.hash_get("h", "m") == b"10.25"


async def test_hash_incr_of_a_non_number_fails(cache: Cache) -> None:
    await cache.hash_set("h", {"f": b"abc"})
    with pytest.raises(NotANumberError):
        await cache.hash_incr("h", "f")
    with pytest.raises(NotANumberError):
        await cache.hash_incr("h", "g", INF)


async def test_hash_delete_removes_empty_hash(cache: Cache) -> None:
    await cache.hash_set("h", {"a": b"1", "b": b"2"})
    assert await cache.hash_delete("h", "a", "missing") == 1
    assert await cache.hash_delete("h") == 0
    assert await cache.hash_delete("missing", "a") == 0
    assert await exists(cache, "h")
    assert await cache.hash_delete("h", "b") == 1
    assert not await exists(cache, "h")


# -- sorted sets -----------------------------------------------------------------------------


async def test_zadd_zscore_zcard(cache: Cache) -> None:
    assert await cache.zadd("z", {"a": 1, "b": 2.5}) == 2
    assert await cache.zadd("z", {"a": 3, "c": -1}) == 1
    assert await cache.zadd("z", {}) == 0
    assert await cache.zscore("z", "a") == 3.0
    assert await cache.zscore("z", "missing") is None
    assert await cache.zscore("missing", "a") is None
    assert await cache.zcard("z") == 3
    assert await cache.zcard("missing") == 0


async def test_zincrby(cache: Cache) -> None:
    assert await cache.zincrby("z", "a", 2) == 2.0
    assert await cache.zincrby("z", "a", 0.5) == 2.5
    assert await cache.zincrby("z", "a", -3) == -0.5
    assert await cache.zrange("z") == [("a", -0.5)]


async def test_zrange_orders_by_score_then_member(cache: Cache) -> None:
    await cache.zadd("z", {"b": 1, "a": 1, "c": 0, "d": 2, "é": 1})
    assert await cache.zrange("z") == [("c", 0), ("a", 1), ("b", 1), ("é", 1), ("d", 2)]
    assert await cache.zrange("z", desc=True) == [
        ("d", 2),
        ("é", 1),
        ("b", 1),
        ("a", 1),
        ("c", 0),
    ]


@pytest.mark.parametrize(
    ("start", "stop", "desc", "expected"),
    [
        (0, 1, False, ["a", "b"]),
        (0, 1, True, ["e", "d"]),
        (-2, -1, False, ["d", "e"]),
        (-2, -1, True, ["b", "a"]),
        (1, 100, True, ["d", "c", "b", "a"]),
        (-100, 0, False, ["a"]),
        (5, 9, False, []),
        (2, 1, False, []),
    ],
)
async def test_zrange_indices(
    cache: Cache, start: int, stop: int, desc: bool, expected: list[str]
) -> None:
    await cache.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert [m for m, _ in await cache.zrange("z", start, stop, desc=desc)] == expected


async def test_zrangebyscore(cache: Cache) -> None:
    await cache.zadd("z", {"a": 1, "b": 2, "c": 2, "d": 3, "low": -INF, "high": INF})
    assert await cache.zrangebyscore("z", 2, 3) == [("b", 2), ("c", 2), ("d", 3)]
    assert await cache.zrangebyscore("z", 2, 3, desc=True) == [("d", 3), ("c", 2), ("b", 2)]
    assert await cache.zrangebyscore("z", 1.5, 2.5, limit=1) == [("b", 2)]
    assert await cache.zrangebyscore("z", 1, 3, desc=True, limit=2) == [("d", 3), ("c", 2)]
    assert await cache.zrangebyscore("z", 1, 3, limit=0) == []
    assert await cache.zrangebyscore("z", 3, 1) == []
    assert await cache.zrangebyscore("z", 4, 5) == []
    assert await cache.zrangebyscore("missing", -INF, INF) == []
    everything = await cache.zrangebyscore("z", -INF, INF)
    assert everything[0] == ("low", -INF)
    assert everything[-1] == ("high", INF)
    assert len(everything) == 6


async def test_zrem_and_zremrangebyscore(cache: Cache) -> None:
    await cache.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert await cache.zrem("z", "a", "missing") == 1
    assert await cache.zrem("z") == 0
    assert await cache.zremrangebyscore("z", 2, 3) == 2
    assert await cache.zremrangebyscore("z", 10, 20) == 0
    assert await cache.zrange("z") == [("d", 4), ("e", 5)]
    assert await cache.zremrangebyscore("z", -INF, INF) == 2
    assert not await exists(cache, "z")
    await cache.zadd("y", {"a": 1})
    assert await cache.zrem("y", "a") == 1
    assert not await exists(cache, "y")
    assert await cache.zrem("missing", "a") == 0
    assert await cache.zremrangebyscore("missing", 0, 1) == 0


async def test_sorted_set_rejects_nan(cache: Cache) -> None:
    with pytest.raises(NotANumberError):
        await cache.zadd("z", {"a": math.nan})
    await cache.zadd("z", {"a": INF})
    with pytest.raises(NotANumberError):
        await cache.zincrby("z", "a", -INF)
    assert await cache.zscore("z", "a") == INF


# -- types -----------------------------------------------------------------------------------

WRONG_TYPE_CALLS: dict[str, Callable[[Cache, str], Awaitable[object]]] = {
    "get": lambda c, k: c.get(k),
    "incr": lambda c, k: c.incr(k),
    "incr_ttl": lambda c, k: c.incr(k, ttl=10),
    "delete_if_equals": lambda c, k: c.delete_if_equals(k, b"x"),
    "list_push": lambda c, k: c.list_push(k, b"x"),
    "list_push_max_len": lambda c, k: c.list_push(k, b"x", max_len=3),
    "list_range": lambda c, k: c.list_range(k),
    "hash_set": lambda c, k: c.hash_set(k, {"f": b"x"}),
    "hash_get": lambda c, k: c.hash_get(k, "f"),
    "hash_get_all": lambda c, k: c.hash_get_all(k),
    "hash_incr": lambda c, k: c.hash_incr(k, "f"),
    "hash_delete": lambda c, k: c.hash_delete(k, "f"),
    "zadd": lambda c, k: c.zadd(k, {"m": 1}),
    "zincrby": lambda c, k: c.zincrby(k, "m", 1),
    "zscore": lambda c, k: c.zscore(k, "m"),
    "zrange": lambda c, k: c.zrange(k),
    "zrangebyscore": lambda c, k: c.zrangebyscore(k, 0, 1),
    "zrem": lambda c, k: c.zrem(k, "m"),
    "zremrangebyscore": lambda c, k: c.zremrangebyscore(k, 0, 1),
    "zcard": lambda c, k: c.zcard(k),
}
# The key each call is made on: one of another type than the call expects.
WRONG_KEY = {
    name: "hash" if name.startswith(("list", "z")) else "list" for name in WRONG_TYPE_CALLS
}
WRONG_KEY.update({"list_push": "string", "hash_set": "string", "zadd": "string"})


@pytest.mark.parametrize("name", sorted(WRONG_TYPE_CALLS))
async def test_wrong_type_raises(cache: Cache, name: str) -> None:
    await cache.set("string", b"1")
    await cache.list_push("list", b"1")
    await cache.hash_set("hash", {"f": b"1"})
    with pytest.raises(WrongTypeError):
        await WRONG_TYPE_CALLS[name](cache, WRONG_KEY[name])
    with pytest.raises(TypeError):  # WrongTypeError is a TypeError too
        await WRONG_TYPE_CALLS[name](cache, WRONG_KEY[name])


async def test_key_level_operations_work_on_every_type(cache: Cache) -> None:
    await cache.list_push("l", b"1")
    await cache.hash_set("h", {"f": b"1"})
    await cache.zadd("z", {"m": 1})
    for key in ["l", "h", "z"]:
        assert await cache.ttl(key) is None
        assert await cache.expire(key, 30)
    assert await cache.delete_prefix("") == 3


# -- lifecycle and construction --------------------------------------------------------------


async def test_memory_cache_ping_is_false_after_close() -> None:
    cache = create_cache("memory://")
    await cache.set("k", b"v")
    await cache.close()
    assert await cache.ping() is False


async def test_redis_ping_is_false_when_unreachable() -> None:
    cache = create_cache("redis://127.0.0.1:1/0")
    try:
        assert await cache.ping() is False
    finally:
        await cache.close()


async def test_create_cache_picks_the_backend_by_scheme() -> None:
    memory = create_cache("memory://", namespace="app")
    assert isinstance(memory, MemoryCache)
    assert memory.max_entries is None
    bounded = create_cache("memory://?max_entries=10")
    assert isinstance(bounded, MemoryCache)
    assert bounded.max_entries == 10
    for url in ["redis://localhost:6379/0", "rediss://user:pw@example.com:6380/1"]:
        remote = create_cache(url, namespace="app")
        assert isinstance(remote, ResilientCache)
        assert isinstance(remote.inner, RedisCache)
        assert remote.inner.namespace == "app"
        await remote.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("memcached://localhost", "unsupported cache URL 'memcached://localhost'"),
        ("localhost:6379", "scheme must be one of memory://, redis://"),
        ("memory://?max_entries=0", "max_entries must be a positive integer"),
        ("memory://?max_entries=lots", "max_entries must be a positive integer"),
        ("memory://?size=3", "unknown option"),
    ],
)
def test_create_cache_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_cache(url)


def test_empty_namespace_is_rejected() -> None:
    with pytest.raises(ValueError, match="namespace"):
        create_cache("memory://", namespace="")


# -- memory backend specifics ----------------------------------------------------------------


async def test_memory_max_entries_evicts_least_recently_used() -> None:
    cache = create_cache("memory://?max_entries=3")
    await cache.set("a", b"1", tags=["t"])
    await cache.set("b", b"2", tags=["t"])
    await cache.hash_set("c", {"f": b"3"})
    assert await cache.get("a") == b"1"  # now b is the least recently used
    await cache.set("d", b"4")
    assert await cache.get("b") is None
    assert await cache.get("a") == b"1"
    assert await cache.hash_get("c", "f") == b"3"
    await cache.set("a", b"again")  # overwriting does not evict
    assert await cache.get("d") == b"4"
    assert await cache.invalidate_tags("t") == 0  # "a" lost its tag when overwritten
    await cache.close()


async def test_memory_sweeps_expired_entries_without_access() -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    for i in range(200):
        await cache.set(f"k{i}", b"v", ttl=1, tags=["t"])
    await cache.set("keep", b"v")
    assert len(cache) == 201
    now[0] = 2.0
    for _ in range(5):
        assert await cache.get("keep") == b"v"
    assert len(cache) == 1
    assert await cache.invalidate_tags("t") == 0


async def test_memory_expiry_heap_stays_bounded() -> None:
    cache = MemoryCache()
    for _ in range(5000):
        await cache.set("k", b"v", ttl=60)
        await cache.expire("k", 120)
    assert len(cache._expiries) < 2000
