"""The cache protocol every backend implements, and the errors it raises."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

__all__ = [
    "Cache",
    "CacheError",
    "NotANumberError",
    "WrongTypeError",
    "check_namespace",
    "check_ttl",
]


class CacheError(Exception):
    """Base class of the errors a cache backend raises on its own behalf."""


class WrongTypeError(CacheError, TypeError):
    """The key holds a value of another type (a list where a string was expected...)."""


class NotANumberError(CacheError, ValueError):
    """A counter or score is not a number, or the result would not be one."""


def check_namespace(namespace: str) -> None:
    """Reject namespaces that are empty or contain "#", which marks the cache's own keys."""
    if not namespace:
        raise ValueError("namespace must not be empty")
    if "#" in namespace:
        raise ValueError(f"namespace must not contain '#', got {namespace!r}")


def check_ttl(ttl: float | None) -> None:
    """Reject TTLs no backend can honour the same way (zero, negative, NaN, infinite)."""
    if ttl is not None and not (math.isfinite(ttl) and ttl > 0):
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")


@runtime_checkable
class Cache(Protocol):
    """An async key-value store with Redis semantics.

    Keys are ``str``, values ``bytes``; hash fields and sorted-set members are ``str``.
    TTLs are seconds (floats) and apply to whole keys of any type. A list, hash or sorted set
    that becomes empty ceases to exist. Operating on a key of another type raises
    `WrongTypeError`; arithmetic on a non-number raises `NotANumberError`.
    """

    async def get(self, key: str) -> bytes | None:
        """The string value at ``key``, or None if absent."""
        ...

    async def set(
        self,
        key: str,
        value: bytes,
        *,
        ttl: float | None = None,
        tags: Sequence[str] = (),
    ) -> None:
        """Store ``value`` (replacing any type), with an optional TTL and invalidation tags.

        Without ``ttl`` the key never expires, even if it had a TTL before.
        """
        ...

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        """Store ``value`` only if ``key`` does not exist; True if it was stored."""
        ...

    async def delete(self, *keys: str) -> int:
        """Delete keys of any type; the number that existed."""
        ...

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Atomically delete ``key`` if its string value is ``value``; True if deleted."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix``; the number deleted."""
        ...

    async def invalidate_tags(self, *tags: str) -> int:
        """Delete every key set with any of ``tags``; the number deleted.

        Backends may also delete a key that was re-set without a tag it carried before:
        over-invalidating is safe for a cache, missing a key is not.
        """
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None if it does not exist or never expires."""
        ...

    async def expire(self, key: str, ttl: float) -> bool:
        """Give ``key`` a new TTL; False if it does not exist."""
        ...

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Add ``amount`` to the integer at ``key`` (0 if absent).

        ``ttl`` is applied only when this call creates the key, so a fixed window stays fixed.
        """
        ...

    async def list_push(self, key: str, *values: bytes, max_len: int | None = None) -> int:
        """Push ``values`` one by one to the head (the last one ends up first).

        With ``max_len`` the list is trimmed to its newest ``max_len`` items. Returns the length.
        """
        ...

    async def list_range(self, key: str, start: int = 0, stop: int = -1) -> list[bytes]:
        """Items ``start``..``stop`` inclusive, newest first; negative indices count back."""
        ...

    async def hash_set(self, key: str, mapping: Mapping[str, bytes]) -> None:
        """Set fields of the hash at ``key``."""
        ...

    async def hash_get(self, key: str, field: str) -> bytes | None:
        """One field of the hash at ``key``."""
        ...

    async def hash_get_all(self, key: str) -> dict[str, bytes]:
        """Every field of the hash at ``key`` ({} if absent)."""
        ...

    async def hash_incr(self, key: str, field: str, amount: float = 1.0) -> float:
        """Add ``amount`` to a numeric field (0 if absent); the new value."""
        ...

    async def hash_delete(self, key: str, *fields: str) -> int:
        """Delete fields of the hash at ``key``; the number that existed."""
        ...

    async def zadd(self, key: str, mapping: Mapping[str, float]) -> int:
        """Set member scores of the sorted set at ``key``; the number of new members."""
        ...

    async def zincrby(self, key: str, member: str, amount: float) -> float:
        """Add ``amount`` to a member's score (0 if absent); the new score."""
        ...

    async def zscore(self, key: str, member: str) -> float | None:
        """A member's score, or None."""
        ...

    async def zrange(
        self, key: str, start: int = 0, stop: int = -1, *, desc: bool = False
    ) -> list[tuple[str, float]]:
        """Members by rank ``start``..``stop`` inclusive (negative counts from the end).

        Ordered by score, ties by member; ``desc`` reverses the whole order.
        """
        ...

    async def zrangebyscore(
        self,
        key: str,
        min: float,
        max: float,
        *,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[tuple[str, float]]:
        """Members with ``min <= score <= max``, in rank order, at most ``limit`` of them."""
        ...

    async def zrem(self, key: str, *members: str) -> int:
        """Remove members; the number that existed."""
        ...

    async def zremrangebyscore(self, key: str, min: float, max: float) -> int:
        """Remove members with ``min <= score <= max``; the number removed."""
        ...

    async def zcard(self, key: str) -> int:
        """The number of members of the sorted set at ``key``."""
        ...

    # -- many keys in one round trip (what a batch of events for many learners needs) --------

    async def zadd_many(
        self,
        sets: Mapping[str, Mapping[str, float]],
        *,
        drop_below: float | None = None,
        ttl: float | None = None,
    ) -> None:
        """`zadd` to each sorted set; then remove its members scored below ``drop_below`` and
        give it ``ttl``. One round trip on Redis (not atomic across keys)."""
        ...

    async def zscore_many(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """The score of each (sorted set, member) pair, in order; None where the set or the
        member is absent. One round trip on Redis, however many sets."""
        ...

    async def list_push_many(
        self,
        lists: Mapping[str, Sequence[bytes]],
        *,
        max_len: int | None = None,
        ttl: float | None = None,
    ) -> None:
        """`list_push` to each list (trimmed to ``max_len``), then give it ``ttl``."""
        ...

    async def ping(self) -> bool:
        """Whether the backend answers."""
        ...

    async def close(self) -> None:
        """Release connections; the cache must not be used afterwards."""
        ...
