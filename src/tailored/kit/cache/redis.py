"""The `Cache` on Redis (redis.asyncio), shared by every process that uses the same namespace."""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT

from .base import NotANumberError, WrongTypeError, check_namespace, check_ttl
from .redis_scripts import DELETE_IF_EQUALS as _DELETE_IF_EQUALS
from .redis_scripts import INCR_CREATING as _INCR_CREATING
from .redis_scripts import INVALIDATE_TAGS as _INVALIDATE_TAGS
from .redis_scripts import LIST_PUSH_MANY, ZADD_MANY, ZSCORE_MANY
from .redis_scripts import SET_TAGGED as _SET_TAGGED

__all__ = ["UNREACHABLE", "RedisCache"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Callers' keys are f"{namespace}:{key}" for any string key, so the keys the cache keeps for
# itself (tag sets) live beside them as f"{namespace}#tag:{tag}": namespaces may not contain
# "#", so no caller's key can ever be one of them (namespaces nested like "a" and "a:b" already
# share keys and must not be used on one Redis anyway).
_INTERNAL = "#"
# Tag sets written by earlier versions, at f"{namespace}:\x00tag:{tag}": invalidate_tags still
# drains them, so entries cached before an upgrade are invalidated like the others.
_LEGACY_TAG = ":\x00tag:"
# The errors that mean Redis cannot be reached (refused, reset, timed out, still loading).
UNREACHABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
_SCAN_COUNT = 1000
_DELETE_BATCH = 500
_NUMBER_ERRORS = (
    "not an integer",
    "not a float",
    "not a valid float",
    "NaN",
    "would overflow",
)


def _translated(
    method: Callable[_P, Awaitable[_R]],
) -> Callable[_P, Coroutine[Any, Any, _R]]:
    """Raise the protocol's errors for Redis's type and number errors."""

    @functools.wraps(method)
    async def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return await method(*args, **kwargs)
        except ResponseError as exc:
            message = str(exc)
            if "WRONGTYPE" in message:
                raise WrongTypeError(message) from exc
            if any(marker in message for marker in _NUMBER_ERRORS):
                raise NotANumberError(message) from exc
            raise

    return wrapper


def _ms(ttl: float) -> int:
    # Rounding up keeps a tiny TTL from becoming 0, which Redis rejects.
    return max(1, math.ceil(ttl * 1000))


def _glob_escape(text: str) -> str:
    return "".join("\\" + char if char in "\\*?[]" else char for char in text)


def _pairs(rows: object) -> list[tuple[str, float]]:
    pairs = cast(list[tuple[bytes, float]], rows)
    return [(member.decode(), float(score)) for member, score in pairs]


class RedisCache:
    """A `Cache` on Redis; every key is stored as ``f"{namespace}:{key}"``.

    Multi-key scripts touch keys they cannot declare, so this needs a standalone Redis
    (or a proxy in front of one), not Redis Cluster.
    """

    def __init__(
        self, client: Redis, *, namespace: str = "tailored", owns_client: bool = False
    ) -> None:
        check_namespace(namespace)
        self.namespace = namespace
        self._client = client
        self._owns_client = owns_client
        self._prefix = f"{namespace}:"
        self._set_tagged = client.register_script(_SET_TAGGED)
        self._invalidate_tags = client.register_script(_INVALIDATE_TAGS)
        self._delete_if_equals = client.register_script(_DELETE_IF_EQUALS)
        self._incr_creating = client.register_script(_INCR_CREATING)
        self._zadd_many = client.register_script(ZADD_MANY)
        self._zscore_many = client.register_script(ZSCORE_MANY)
        self._list_push_many = client.register_script(LIST_PUSH_MANY)

    @classmethod
    def from_url(cls, url: str, *, namespace: str = "tailored") -> RedisCache:
        """Connect lazily to ``url``; `close` then closes the connection pool.

        Unless the URL sets socket_connect_timeout or socket_timeout, connecting may take 1 s
        and a reply 5 s, so an unreachable Redis is an error, not a hang. A command that fails
        to connect is retried twice within ~0.1 s: enough to replace pooled connections after
        a Redis restart, short enough to notice an outage at once.
        """
        client = Redis.from_url(
            url,
            decode_responses=False,
            socket_connect_timeout=1.0,
            socket_timeout=5.0,
            retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), retries=2),
        )
        return cls(client, namespace=namespace, owns_client=True)

    @property
    def client(self) -> Redis:
        """The underlying client, whose keys carry the namespace prefix."""
        return self._client

    def _k(self, key: str) -> str:
        return self._prefix + key

    def _tag_key(self, tag: str) -> str:
        return f"{self.namespace}{_INTERNAL}tag:{tag}"

    # -- strings and keys --------------------------------------------------------------------

    @_translated
    async def get(self, key: str) -> bytes | None:
        """The string value at ``key``, or None if absent."""
        return cast(bytes | None, await self._client.get(self._k(key)))

    @_translated
    async def set(
        self,
        key: str,
        value: bytes,
        *,
        ttl: float | None = None,
        tags: Sequence[str] = (),
    ) -> None:
        """Store ``value`` with an optional TTL and invalidation tags."""
        check_ttl(ttl)
        if not tags:
            await self._client.set(self._k(key), value, px=None if ttl is None else _ms(ttl))
            return
        keys = [self._k(key), *(self._tag_key(tag) for tag in dict.fromkeys(tags))]
        await self._set_tagged(keys=keys, args=[value, "" if ttl is None else _ms(ttl)])

    @_translated
    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        """Store ``value`` only if ``key`` does not exist."""
        check_ttl(ttl)
        px = None if ttl is None else _ms(ttl)
        return bool(await self._client.set(self._k(key), value, nx=True, px=px))

    @_translated
    async def delete(self, *keys: str) -> int:
        """Delete keys of any type; the number that existed."""
        if not keys:
            return 0
        return await self._client.delete(*(self._k(key) for key in keys))

    @_translated
    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Atomically delete ``key`` if its value is ``value``."""
        return bool(await self._delete_if_equals(keys=[self._k(key)], args=[value]))

    @_translated
    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix``, by SCAN and batched DEL."""
        deleted = await self._delete_matching(_glob_escape(self._k(prefix)) + "*")
        if not prefix:
            # The whole namespace: its tag sets go too, uncounted as they are not callers' keys.
            await self._delete_matching(_glob_escape(self.namespace + _INTERNAL) + "*")
        return deleted

    async def _delete_matching(self, pattern: str) -> int:
        deleted = 0
        batch: list[bytes] = []
        async for raw in self._client.scan_iter(match=pattern, count=_SCAN_COUNT):
            batch.append(raw)
            if len(batch) >= _DELETE_BATCH:
                deleted += await self._client.delete(*batch)
                batch = []
        if batch:
            deleted += await self._client.delete(*batch)
        return deleted

    @_translated
    async def invalidate_tags(self, *tags: str) -> int:
        """Delete every key set with any of ``tags``."""
        if not tags:
            return 0
        unique = dict.fromkeys(tags)
        keys = [self._tag_key(tag) for tag in unique]
        keys += [f"{self.namespace}{_LEGACY_TAG}{tag}" for tag in unique]
        return int(await self._invalidate_tags(keys=keys))

    @_translated
    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, or None."""
        ms = await self._client.pttl(self._k(key))
        return None if ms < 0 else ms / 1000

    @_translated
    async def expire(self, key: str, ttl: float) -> bool:
        """Give ``key`` a new TTL."""
        check_ttl(ttl)
        return bool(await self._client.pexpire(self._k(key), _ms(ttl)))

    @_translated
    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Add ``amount`` to the integer at ``key``; ``ttl`` only applies on creation."""
        check_ttl(ttl)
        if ttl is None:
            return await self._client.incrby(self._k(key), amount)
        return int(await self._incr_creating(keys=[self._k(key)], args=[amount, _ms(ttl)]))

    # -- lists -------------------------------------------------------------------------------

    @_translated
    async def list_push(self, key: str, *values: bytes, max_len: int | None = None) -> int:
        """Push ``values`` to the head, trimming to ``max_len``."""
        if max_len is not None and max_len < 1:
            raise ValueError(f"max_len must be at least 1, got {max_len}")
        name = self._k(key)
        if not values:
            return await self._client.llen(name)
        if max_len is None:
            return await self._client.lpush(name, *values)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.lpush(name, *values)
            pipe.ltrim(name, 0, max_len - 1)
            length, _ = await pipe.execute()
        return min(int(length), max_len)

    @_translated
    async def list_range(self, key: str, start: int = 0, stop: int = -1) -> list[bytes]:
        """Items ``start``..``stop`` inclusive, newest first."""
        return cast(list[bytes], await self._client.lrange(self._k(key), start, stop))

    # -- many keys, one round trip (a pipeline; not atomic across keys) ----------------------

    @_translated
    async def zadd_many(
        self,
        sets: Mapping[str, Mapping[str, float]],
        *,
        drop_below: float | None = None,
        ttl: float | None = None,
    ) -> None:
        """`zadd` to each sorted set, drop members below ``drop_below``, set ``ttl``."""
        check_ttl(ttl)
        keys = [k for k, m in sets.items() if m]
        if not keys:
            return
        args: list[EncodableT] = ["" if drop_below is None else repr(drop_below)]
        args.append(0 if ttl is None else _ms(ttl))
        for key in keys:
            args.append(len(sets[key]))
            for member, score in sets[key].items():
                args += [repr(score), member]
        await self._zadd_many(keys=[self._k(k) for k in keys], args=args)

    @_translated
    async def zscore_many(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """The score of each (sorted set, member) pair; None where it is absent."""
        if not pairs:
            return []
        found = await self._zscore_many(
            keys=[self._k(k) for k, _ in pairs], args=[m for _, m in pairs]
        )
        return [float(v) if v else None for v in found]

    @_translated
    async def list_push_many(
        self,
        lists: Mapping[str, Sequence[bytes]],
        *,
        max_len: int | None = None,
        ttl: float | None = None,
    ) -> None:
        """`list_push` to each list, then set ``ttl``."""
        check_ttl(ttl)
        keys = [k for k, v in lists.items() if v]
        if not keys:
            return
        args: list[EncodableT] = [max_len or 0, 0 if ttl is None else _ms(ttl)]
        for key in keys:
            args.append(len(lists[key]))
            args += list(lists[key])
        await self._list_push_many(keys=[self._k(k) for k in keys], args=args)

    # -- hashes ------------------------------------------------------------------------------

    @_translated
    async def hash_set(self, key: str, mapping: Mapping[str, bytes]) -> None:
        """Set fields of the hash at ``key``."""
        if mapping:
            fields: dict[EncodableT, EncodableT] = dict(mapping.items())
            await self._client.hset(self._k(key), mapping=fields)

    @_translated
    async def hash_get(self, key: str, field: str) -> bytes | None:
        """One field of the hash at ``key``."""
        return cast(bytes | None, await self._client.hget(self._k(key), field))

    @_translated
    async def hash_get_all(self, key: str) -> dict[str, bytes]:
        """Every field of the hash at ``key``."""
        raw = cast(dict[bytes, bytes], await self._client.hgetall(self._k(key)))
        return {field.decode(): value for field, value in raw.items()}

    @_translated
    async def hash_incr(self, key: str, field: str, amount: float = 1.0) -> float:
        """Add ``amount`` to a numeric field."""
        return float(await self._client.hincrbyfloat(self._k(key), field, amount))

    @_translated
    async def hash_delete(self, key: str, *fields: str) -> int:
        """Delete fields of the hash at ``key``."""
        if not fields:
            return 0
        return await self._client.hdel(self._k(key), *fields)

    # -- sorted sets -------------------------------------------------------------------------

    @_translated
    async def zadd(self, key: str, mapping: Mapping[str, float]) -> int:
        """Set member scores; the number of new members."""
        if not mapping:
            return 0
        return cast(int, await self._client.zadd(self._k(key), mapping))

    @_translated
    async def zincrby(self, key: str, member: str, amount: float) -> float:
        """Add ``amount`` to a member's score."""
        return cast(float, await self._client.zincrby(self._k(key), amount, member))

    @_translated
    async def zscore(self, key: str, member: str) -> float | None:
        """A member's score, or None."""
        score = await self._client.zscore(self._k(key), member)
        return None if score is None else float(score)

    @_translated
    async def zrange(
        self, key: str, start: int = 0, stop: int = -1, *, desc: bool = False
    ) -> list[tuple[str, float]]:
        """Members by rank, ties ordered by member."""
        return _pairs(
            await self._client.zrange(self._k(key), start, stop, desc=desc, withscores=True)
        )

    @_translated
    async def zrangebyscore(
        self,
        key: str,
        min: float,
        max: float,
        *,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[tuple[str, float]]:
        """Members with ``min <= score <= max``."""
        # With REV, ZRANGE ... BYSCORE takes the bounds high first.
        low, high = (max, min) if desc else (min, max)
        rows = await self._client.zrange(
            self._k(key),
            low,
            high,
            desc=desc,
            byscore=True,
            withscores=True,
            offset=None if limit is None else 0,
            num=limit,
        )
        return _pairs(rows)

    @_translated
    async def zrem(self, key: str, *members: str) -> int:
        """Remove members."""
        if not members:
            return 0
        return await self._client.zrem(self._k(key), *members)

    @_translated
    async def zremrangebyscore(self, key: str, min: float, max: float) -> int:
        """Remove members with ``min <= score <= max``."""
        return await self._client.zremrangebyscore(self._k(key), min, max)

    @_translated
    async def zcard(self, key: str) -> int:
        """The number of members."""
        return await self._client.zcard(self._k(key))

    # -- lifecycle ---------------------------------------------------------------------------

    async def ping(self) -> bool:
        """Whether Redis answers; False instead of raising when it is unreachable."""
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        """Close the client (and its pool) if this cache created it."""
        if self._owns_client:
            await self._client.aclose()
