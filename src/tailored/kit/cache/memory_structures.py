"""Lists, hashes and sorted sets of `MemoryCache`, with Redis's semantics."""

from __future__ import annotations

import builtins
import itertools
import math
from collections import deque
from collections.abc import Iterator, Mapping

from .base import NotANumberError
from .memory_store import MemoryStore, SortedSet

__all__ = ["StructureOps"]


def _index_bounds(length: int, start: int, stop: int) -> tuple[int, int]:
    """Redis's inclusive, negative-aware indices as a Python slice (empty when start >= stop)."""
    if start < 0:
        start = builtins.max(length + start, 0)
    if stop < 0:
        stop += length
    return start, builtins.min(stop, length - 1) + 1


def _parse_float(raw: bytes) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise NotANumberError("hash value is not a float") from None
    if not math.isfinite(value):
        raise NotANumberError("hash value is not a float")
    return value


def _format_float(value: float) -> bytes:
    # Redis prints integral results without a fraction ("3", not "3.0").
    return str(int(value)).encode() if value.is_integer() else repr(value).encode()


def _check_score(score: float) -> None:
    if math.isnan(score):
        raise NotANumberError("score is not a number (NaN)")


class StructureOps(MemoryStore):
    """The list, hash and sorted-set operations of the `Cache` protocol on a `MemoryStore`."""

    # -- lists -------------------------------------------------------------------------------

    async def list_push(self, key: str, *values: bytes, max_len: int | None = None) -> int:
        """Push ``values`` to the head, trimming to ``max_len``."""
        if max_len is not None and max_len < 1:
            raise ValueError(f"max_len must be at least 1, got {max_len}")
        now = self._tick()
        items = self._typed(key, now, deque)
        if not values:
            return 0 if items is None else len(items)
        if items is None:
            items = self._create(key, deque[bytes]())
        items.extendleft(bytes(value) for value in values)
        if max_len is not None:
            while len(items) > max_len:
                items.pop()
        return len(items)

    async def list_range(self, key: str, start: int = 0, stop: int = -1) -> list[bytes]:
        """Items ``start``..``stop`` inclusive, newest first."""
        items: deque[bytes] | None = self._typed(key, self._tick(), deque)
        if items is None:
            return []
        begin, end = _index_bounds(len(items), start, stop)
        return list(itertools.islice(items, begin, end)) if begin < end else []

    # -- hashes ------------------------------------------------------------------------------

    def _hash(self, key: str, now: float) -> dict[str, bytes] | None:
        return self._typed(key, now, dict)

    async def hash_set(self, key: str, mapping: Mapping[str, bytes]) -> None:
        """Set fields of the hash at ``key``."""
        if not mapping:
            return
        now = self._tick()
        fields = self._hash(key, now)
        if fields is None:
            fields = self._create(key, dict[str, bytes]())
        fields.update((field, bytes(value)) for field, value in mapping.items())

    async def hash_get(self, key: str, field: str) -> bytes | None:
        """One field of the hash at ``key``."""
        fields = self._hash(key, self._tick())
        return None if fields is None else fields.get(field)

    async def hash_get_all(self, key: str) -> dict[str, bytes]:
        """Every field of the hash at ``key``."""
        fields = self._hash(key, self._tick())
        return {} if fields is None else dict(fields)

    async def hash_incr(self, key: str, field: str, amount: float = 1.0) -> float:
        """Add ``amount`` to a numeric field."""
        if not math.isfinite(amount):
            raise NotANumberError("value is NaN or Infinity")
        now = self._tick()
        fields = self._hash(key, now)
        current = 0.0
        if fields is not None and field in fields:
            current = _parse_float(fields[field])
        result = current + amount
        if not math.isfinite(result):
            raise NotANumberError("increment would produce NaN or Infinity")
        if fields is None:
            fields = self._create(key, dict[str, bytes]())
        fields[field] = _format_float(result)
        return result

    async def hash_delete(self, key: str, *fields: str) -> int:
        """Delete fields of the hash at ``key``."""
        hashed = self._hash(key, self._tick()) if fields else None
        if hashed is None:
            return 0
        deleted = sum(hashed.pop(field, None) is not None for field in fields)
        self._drop_if_empty(key, hashed)
        return deleted

    # -- sorted sets -------------------------------------------------------------------------

    def _zset(self, key: str, now: float) -> SortedSet | None:
        return self._typed(key, now, SortedSet)

    async def zadd(self, key: str, mapping: Mapping[str, float]) -> int:
        """Set member scores; the number of new members."""
        for score in mapping.values():
            _check_score(score)
        if not mapping:
            return 0
        now = self._tick()
        zset = self._zset(key, now)
        if zset is None:
            zset = self._create(key, SortedSet())
        return sum(zset.set(member, float(score)) for member, score in mapping.items())

    async def zincrby(self, key: str, member: str, amount: float) -> float:
        """Add ``amount`` to a member's score."""
        _check_score(amount)
        now = self._tick()
        zset = self._zset(key, now)
        score = amount + (0.0 if zset is None else zset.scores.get(member, 0.0))
        if math.isnan(score):
            raise NotANumberError("resulting score is not a number (NaN)")
        if zset is None:
            zset = self._create(key, SortedSet())
        zset.set(member, score)
        return score

    async def zscore(self, key: str, member: str) -> float | None:
        """A member's score, or None."""
        zset = self._zset(key, self._tick())
        return None if zset is None else zset.scores.get(member)

    async def zrange(
        self, key: str, start: int = 0, stop: int = -1, *, desc: bool = False
    ) -> list[tuple[str, float]]:
        """Members by rank, ties ordered by member."""
        zset = self._zset(key, self._tick())
        if zset is None:
            return []
        size = len(zset)
        begin, end = _index_bounds(size, start, stop)
        if begin >= end:
            return []
        if desc:
            picked: Iterator[tuple[float, str]] = reversed(zset.order[size - end : size - begin])
        else:
            picked = iter(zset.order[begin:end])
        return [(member, score) for score, member in picked]

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
        zset = self._zset(key, self._tick())
        if zset is None:
            return []
        begin, end = zset.score_bounds(min, max)
        if begin >= end:
            return []
        if limit is not None and limit >= 0:
            if desc:
                begin = builtins.max(begin, end - limit)
            else:
                end = builtins.min(end, begin + limit)
        picked = zset.order[begin:end]
        if desc:
            picked.reverse()
        return [(member, score) for score, member in picked]

    async def zrem(self, key: str, *members: str) -> int:
        """Remove members."""
        zset = self._zset(key, self._tick()) if members else None
        if zset is None:
            return 0
        removed = sum(zset.remove(member) for member in members)
        self._drop_if_empty(key, zset)
        return removed

    async def zremrangebyscore(self, key: str, min: float, max: float) -> int:
        """Remove members with ``min <= score <= max``."""
        zset = self._zset(key, self._tick())
        if zset is None:
            return 0
        begin, end = zset.score_bounds(min, max)
        if begin >= end:
            return 0
        for _, member in zset.order[begin:end]:
            del zset.scores[member]
        del zset.order[begin:end]
        self._drop_if_empty(key, zset)
        return end - begin

    async def zcard(self, key: str) -> int:
        """The number of members."""
        zset = self._zset(key, self._tick())
        return 0 if zset is None else len(zset)
