"""The bookkeeping under `MemoryCache`: entries in LRU order, lazy and swept expiry, tag index.

`memory_structures` adds lists, hashes and sorted sets on top, `memory` strings and keys.
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import TypeVar

from .base import WrongTypeError, check_namespace

__all__ = ["Entry", "MemoryStore", "SortedSet", "kind_name"]

_T = TypeVar("_T")
_C = TypeVar("_C", deque[bytes], dict[str, bytes], "SortedSet")
_score = itemgetter(0)
# Expired entries are swept at most this many per operation, so one operation never stalls
# the event loop on a mass expiry; lazy checks on access keep results correct meanwhile.
_SWEEP_BATCH = 64


class SortedSet:
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
class Entry:
    value: bytes | deque[bytes] | dict[str, bytes] | SortedSet
    expires_at: float | None = None
    tags: frozenset[str] = frozenset()


def kind_name(value: object) -> str:
    """The Redis type name of a value or value type, for error messages."""
    kind = value if isinstance(value, type) else type(value)
    if issubclass(kind, bytes):
        return "string"
    if issubclass(kind, deque):
        return "list"
    if issubclass(kind, dict):
        return "hash"
    return "sorted set"


class MemoryStore:
    """Entries of any type, optionally bounded to ``max_entries`` keys (LRU).

    Expired keys are dropped when touched and swept a few at a time on every operation.
    """

    def __init__(
        self,
        *,
        namespace: str = "tailored",
        max_entries: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_namespace(namespace)
        if max_entries is not None and max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        # Each instance is its own store, so the namespace only names it.
        self.namespace = namespace
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        self._expiries: list[tuple[float, str]] = []

    def __len__(self) -> int:
        """Entries held, including expired ones not swept yet."""
        return len(self._data)

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

    def _lookup(self, key: str, now: float) -> Entry | None:
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
            raise WrongTypeError(
                f"key {key!r} holds a {kind_name(entry.value)}, not a {kind_name(kind)}"
            )
        return entry.value

    def _insert(self, key: str, entry: Entry) -> None:
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
        self._insert(key, Entry(value))
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

    def _drop_if_empty(self, key: str, value: deque[bytes] | dict[str, bytes] | SortedSet) -> None:
        if not value:
            self._drop(key)

    def _live(self, key: str, now: float) -> bool:
        """Whether ``key`` exists; drops it if it has expired."""
        return self._lookup(key, now) is not None

    def _clear(self) -> None:
        self._data.clear()
        self._tags.clear()
        self._expiries.clear()
