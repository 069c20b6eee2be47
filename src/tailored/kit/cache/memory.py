"""An in-process cache with the same semantics as `RedisCache`, for tests and single-process use.

Split along its seams: `memory_store` keeps entries (LRU, expiry, tags), `memory_structures`
holds lists, hashes and sorted sets, and this module strings, keys and TTLs.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence

from .base import NotANumberError, WrongTypeError, check_ttl
from .memory_store import Entry, kind_name
from .memory_structures import StructureOps

__all__ = ["MemoryCache"]

# Redis's integer syntax: no sign on zero, no leading zeros, no spaces or underscores.
_INTEGER = re.compile(rb"0|-?[1-9][0-9]*")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _parse_int(raw: bytes) -> int:
    if not _INTEGER.fullmatch(raw) or not _INT64_MIN <= int(raw) <= _INT64_MAX:
        raise NotANumberError("value is not an integer or out of range")
    return int(raw)


class MemoryCache(StructureOps):
    """A `Cache` held in this process, optionally bounded to ``max_entries`` keys (LRU).

    Operations never await, so each one is atomic with respect to other tasks on the event
    loop; the instance is not meant to be shared between threads. Expired keys are dropped
    when touched and swept a few at a time on every operation.
    """

    def __init__(
        self,
        *,
        namespace: str = "tailored",
        max_entries: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(namespace=namespace, max_entries=max_entries, clock=clock)
        self._closed = False

    # -- strings and keys --------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        """The string value at ``key``, or None if absent."""
        return self._typed(key, self._tick(), bytes)

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
        now = self._tick()
        expires_at = None if ttl is None else now + ttl
        self._insert(key, Entry(bytes(value), expires_at, frozenset(tags)))

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        """Store ``value`` only if ``key`` does not exist."""
        check_ttl(ttl)
        now = self._tick()
        if self._live(key, now):
            return False
        self._insert(key, Entry(bytes(value), None if ttl is None else now + ttl))
        return True

    async def delete(self, *keys: str) -> int:
        """Delete keys of any type; the number that existed."""
        now = self._tick()
        deleted = 0
        for key in keys:
            if self._live(key, now):
                self._drop(key)
                deleted += 1
        return deleted

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Delete ``key`` if its value is ``value``."""
        now = self._tick()
        if self._typed(key, now, bytes) != value:
            return False
        self._drop(key)
        return True

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix``."""
        return await self.delete(*[key for key in self._data if key.startswith(prefix)])

    async def invalidate_tags(self, *tags: str) -> int:
        """Delete every key currently tagged with any of ``tags``."""
        keys = {key for tag in tags for key in self._tags.get(tag, ())}
        return await self.delete(*keys)

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, or None."""
        now = self._tick()
        entry = self._lookup(key, now)
        if entry is None or entry.expires_at is None:
            return None
        return entry.expires_at - now

    async def expire(self, key: str, ttl: float) -> bool:
        """Give ``key`` a new TTL."""
        check_ttl(ttl)
        now = self._tick()
        entry = self._lookup(key, now)
        if entry is None:
            return False
        entry.expires_at = now + ttl
        self._schedule(key, entry.expires_at)
        return True

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Add ``amount`` to the integer at ``key``; ``ttl`` only applies on creation."""
        check_ttl(ttl)
        now = self._tick()
        entry = self._lookup(key, now)
        if entry is None:
            result = amount
        elif isinstance(entry.value, bytes):
            result = _parse_int(entry.value) + amount
        else:
            raise WrongTypeError(f"key {key!r} holds a {kind_name(entry.value)}, not a string")
        if not _INT64_MIN <= result <= _INT64_MAX:
            raise NotANumberError("increment or decrement would overflow")
        if entry is None:
            expires_at = None if ttl is None else now + ttl
            self._insert(key, Entry(str(result).encode(), expires_at))
        else:
            entry.value = str(result).encode()
        return result

    # -- lifecycle ---------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True until closed."""
        return not self._closed

    async def close(self) -> None:
        """Drop every entry."""
        self._clear()
        self._closed = True

    # -- many keys -----------------------------------------------------------------------------

    async def zadd_many(
        self,
        sets: Mapping[str, Mapping[str, float]],
        *,
        drop_below: float | None = None,
        ttl: float | None = None,
    ) -> None:
        """`zadd` to each sorted set, drop members below ``drop_below``, set ``ttl``."""
        check_ttl(ttl)
        for key, mapping in sets.items():
            await self.zadd(key, mapping)
            if drop_below is not None:
                await self.zremrangebyscore(key, -math.inf, math.nextafter(drop_below, -math.inf))
            if ttl is not None and mapping:
                await self.expire(key, ttl)

    async def zscore_many(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """The score of each (sorted set, member) pair; None where it is absent."""
        return [await self.zscore(k, m) for k, m in pairs]

    async def list_push_many(
        self,
        lists: Mapping[str, Sequence[bytes]],
        *,
        max_len: int | None = None,
        ttl: float | None = None,
    ) -> None:
        """`list_push` to each list, then set ``ttl``."""
        check_ttl(ttl)
        for key, values in lists.items():
            await self.list_push(key, *values, max_len=max_len)
            if ttl is not None and values:
                await self.expire(key, ttl)
