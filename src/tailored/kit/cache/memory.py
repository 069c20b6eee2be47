"""An in-process cache with the same semantics as `RedisCache`, for tests and single-process use."""

from __future__ import annotations

import builtins
import heapq
import itertools
import math
import re
import time
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TypeVar

from .base import NotANumberError, WrongTypeError, check_ttl

__all__ = ["MemoryCache"]

_T = TypeVar("_T")
_C = TypeVar("_C", deque[bytes], dict[str, bytes], "_SortedSet")
_score = itemgetter(0)
# Redis's integer syntax: no sign on zero, no leading zeros, no spaces or underscores.
_INTEGER = re.compile(rb"0|-?[1-9][0-9]*")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Expired entries are swept at most this many per operation, so one operation never stalls
# the event loop on a mass expiry; lazy checks on access keep results correct meanwhile.
_SWEEP_BATCH = 64


class _SortedSet:
    """Scores by member plus a list of (score, member) kept sorted, as Redis orders them."""

    __slots__ = ("order", "scores")

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.order: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self.scores)

    def set(self, member: str, score: float) -> bool:
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return False
            del self.order[bisect_left(self.order, (old, member))]
        self.scores[member] = score
        insort(self.order, (score, member))
        return old is None

    def remove(self, member: str) -> bool:
        score = self.scores.pop(member, None)
        if score is None:
            return False
        del self.order[bisect_left(self.order, (score, member))]
        return True

    def score_bounds(self, low: float, high: float) -> tuple[int, int]:
        return bisect_left(self.order, low, key=_score), bisect_right(self.order, high, key=_score)


@dataclass(slots=True)
class _Entry:
    value: bytes | deque[bytes] | dict[str, bytes] | _SortedSet
    expires_at: float | None = None
    tags: frozenset[str] = frozenset()


def _index_bounds(length: int, start: int, stop: int) -> tuple[int, int]:
    """Redis's inclusive, negative-aware indices as a Python slice (empty when start >= stop)."""
    if start < 0:
        start = builtins.max(length + start, 0)
    if stop < 0:
        stop += length
    return start, builtins.min(stop, length - 1) + 1


def _parse_int(raw: bytes) -> int:
    if not _INTEGER.fullmatch(raw) or not _INT64_MIN <= int(raw) <= _INT64_MAX:
        raise NotANumberError("value is not an integer or out of range")
    return int(raw)


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


class MemoryCache:
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
        if not namespace:
            raise ValueError("namespace must not be empty")
        if max_entries is not None and max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        # Each instance is its own store, so the namespace only names it.
        self.namespace = namespace
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[str, _Entry] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        self._expiries: list[tuple[float, str]] = []
        self._closed = False

    def __len__(self) -> int:
        """Entries held, including expired ones not swept yet."""
        return len(self._data)

    # -- bookkeeping ---------------------------------------------------------------------

    def _tick(self) -> float:
        """The current time, after sweeping a batch of expired entries."""
        now = self._clock()
        expiries = self._expiries
        budget = _SWEEP_BATCH
        while expiries and expiries[0][0] <= now and budget:
            at, key = heapq.heappop(expiries)
            entry = self._data.get(key)
            if entry is not None and entry.expires_at == at:
                self._drop(key)
            budget -= 1
        return now

    def _lookup(self, key: str, now: float) -> _Entry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= now:
            self._drop(key)
            return None
        if self.max_entries is not None:
            self._data.move_to_end(key)
        return entry

    def _typed(self, key: str, now: float, kind: type[_T]) -> _T | None:
        entry = self._lookup(key, now)
        if entry is None:
            return None
        if not isinstance(entry.value, kind):
            raise WrongTypeError(f"key {key!r} holds a {_kind(entry.value)}, not a {_kind(kind)}")
        return entry.value

    def _insert(self, key: str, entry: _Entry) -> None:
        if key in self._data:
            self._drop(key)
        elif self.max_entries is not None and len(self._data) >= self.max_entries:
            self._drop(next(iter(self._data)))
        self._data[key] = entry
        for tag in entry.tags:
            self._tags.setdefault(tag, set()).add(key)
        if entry.expires_at is not None:
            self._schedule(key, entry.expires_at)

    def _create(self, key: str, value: _C) -> _C:
        self._insert(key, _Entry(value))
        return value

    def _schedule(self, key: str, at: float) -> None:
        heapq.heappush(self._expiries, (at, key))
        # Overwritten or deleted keys leave stale heap items behind; rebuilding once they
        # outnumber the live keys keeps the heap proportional to the data, amortised O(1).
        if len(self._expiries) > 2 * len(self._data) + 1024:
            self._expiries = [
                (e.expires_at, k) for k, e in self._data.items() if e.expires_at is not None
            ]
            heapq.heapify(self._expiries)

    def _drop(self, key: str) -> None:
        entry = self._data.pop(key)
        for tag in entry.tags:
            keys = self._tags[tag]
            keys.discard(key)
            if not keys:
                del self._tags[tag]

    def _drop_if_empty(self, key: str, value: deque[bytes] | dict[str, bytes] | _SortedSet) -> None:
        if not value:
            self._drop(key)

    def _live(self, key: str, now: float) -> bool:
        """Whether ``key`` exists; drops it if it has expired."""
        return self._lookup(key, now) is not None

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
        self._insert(key, _Entry(bytes(value), expires_at, frozenset(tags)))

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        """Store ``value`` only if ``key`` does not exist."""
        check_ttl(ttl)
        now = self._tick()
        if self._live(key, now):
            return False
        self._insert(key, _Entry(bytes(value), None if ttl is None else now + ttl))
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
            raise WrongTypeError(f"key {key!r} holds a {_kind(entry.value)}, not a string")
        if not _INT64_MIN <= result <= _INT64_MAX:
            raise NotANumberError("increment or decrement would overflow")
        if entry is None:
            expires_at = None if ttl is None else now + ttl
            self._insert(key, _Entry(str(result).encode(), expires_at))
        else:
            entry.value = str(result).encode()
        return result

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

    def _zset(self, key: str, now: float) -> _SortedSet | None:
        return self._typed(key, now, _SortedSet)

    async def zadd(self, key: str, mapping: Mapping[str, float]) -> int:
        """Set member scores; the number of new members."""
        for score in mapping.values():
            _check_score(score)
        if not mapping:
            return 0
        now = self._tick()
        zset = self._zset(key, now)
        if zset is None:
            zset = self._create(key, _SortedSet())
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
            zset = self._create(key, _SortedSet())
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

    # -- lifecycle ---------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True until closed."""
        return not self._closed

    async def close(self) -> None:
        """Drop every entry."""
        self._data.clear()
        self._tags.clear()
        self._expiries.clear()
        self._closed = True


def _kind(value: object) -> str:
    kind = value if isinstance(value, type) else type(value)
    if issubclass(kind, bytes):
        return "string"
    if issubclass(kind, deque):
        return "list"
    if issubclass(kind, dict):
        return "hash"
    return "sorted set"
