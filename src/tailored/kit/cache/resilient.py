"""A `Cache` that outlives its backend's outages, so the service degrades to its database.

While the backend (Redis) cannot be reached, every operation answers as an empty store that
forgets its writes would: reads miss, writes are dropped. The primitives a lock or a counter
needs (`set_if_absent`, `delete_if_equals`, `incr`) run on a small process-local store instead,
so a `CacheLock` becomes a process-local lock. Invalidations that could not be delivered
(`delete`, `delete_prefix`, `invalidate_tags`, `delete_if_equals`) are kept and replayed before
the backend is used again, so an entry that a partition hid does not come back stale.

A circuit breaker keeps an outage cheap: after a connection error no call touches the backend
for `retry_after` seconds; then one background probe (PING, then the replay) decides whether it
is back. One warning is logged when an outage starts and one line when it ends.

The breaker is written here rather than taken from a library: pybreaker's async support needs
Tornado, aiobreaker has not been released since 2021, purgatory brings a unit of work and a
message bus, and none of them can replay missed invalidations before the circuit closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from .base import Cache, CacheError
from .memory import MemoryCache

__all__ = ["ResilientCache"]

log = logging.getLogger("tailored.cache")

_T = TypeVar("_T")
_Op = Callable[[Cache], Awaitable[_T]]


class ResilientCache:
    """Wraps ``inner`` so that errors in ``unreachable`` become misses and no-ops.

    Other errors (a wrong type, a bad TTL) still raise: they are the caller's, not an outage.
    At most ``max_pending`` missed invalidations are kept; past that the oldest are dropped
    (with a warning), and the entries they named live until their TTLs.
    """

    def __init__(
        self,
        inner: Cache,
        *,
        unreachable: tuple[type[BaseException], ...] = (OSError,),
        retry_after: float = 5.0,
        max_pending: int = 10_000,
        local_max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not retry_after > 0:
            raise ValueError(f"retry_after must be positive, got {retry_after!r}")
        self.inner = inner
        self.retry_after = retry_after
        self._unreachable = unreachable
        self._clock = clock
        self._local = MemoryCache(namespace="local", max_entries=local_max_entries)
        self._pending: deque[_Op[object]] = deque(maxlen=max_pending)
        self._lost = 0
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._probe: asyncio.Task[None] | None = None

    @property
    def degraded(self) -> bool:
        """Whether the backend is being done without, until a probe finds it back."""
        return self._down_since is not None

    # -- the breaker -------------------------------------------------------------------------

    def _usable(self) -> bool:
        """Whether to call the backend now; starts a probe in the background when one is due."""
        if self._down_since is None:
            return True
        if self._probe is None and self._clock() >= self._retry_at:
            self._probe = asyncio.get_running_loop().create_task(self._recover())
        return False

    def _trip(self, error: object) -> None:
        now = self._clock()
        self._retry_at = now + self.retry_after
        if self._down_since is None:
            self._down_since = now
            log.warning(
                "cache unreachable (%s): serving without it, retrying every %gs",
                error,
                self.retry_after,
            )

    async def _recover(self) -> None:
        """One probe: PING, then replay the missed invalidations; closes the breaker if both
        succeed, so nothing reads the backend before it has caught up."""
        try:
            back = await self.inner.ping() and await self._replay()
        except self._unreachable:
            back = False
        except Exception:
            # Nobody awaits this task, so an unexpected error is logged here, not lost.
            log.exception("cache probe failed")
            back = False
        finally:
            self._probe = None
        now = self._clock()
        if not back or self._down_since is None:
            self._retry_at = now + self.retry_after
            return
        log.info("cache reachable again after %.1fs", now - self._down_since)
        if self._lost:
            log.warning(
                "%d invalidations missed during the cache outage could not be kept; the"
                " entries they named live until their TTLs",
                self._lost,
            )
            self._lost = 0
        self._down_since = None

    async def _replay(self) -> bool:
        while self._pending:
            op = self._pending[0]
            try:
                await op(self.inner)
            except CacheError:
                pass  # e.g. a lock key that now holds another type: nothing left to undo
            self._pending.popleft()
        return True

    def _defer(self, op: _Op[object]) -> None:
        if len(self._pending) == self._pending.maxlen:
            self._lost += 1
        self._pending.append(op)

    # -- running one operation ---------------------------------------------------------------

    async def _run(self, op: _Op[_T], *, fallback: Cache | None = None) -> _T:
        """``op`` on the backend; while it is unreachable, on ``fallback`` or an empty store."""
        if self._usable():
            try:
                return await op(self.inner)
            except self._unreachable as exc:
                self._trip(exc)
        # A fresh MemoryCache answers exactly as an empty store would, errors included.
        return await op(MemoryCache() if fallback is None else fallback)

    async def _invalidate(self, op: _Op[_T]) -> _T:
        """Like `_run`, but an invalidation the backend missed is replayed on its return."""
        if self._usable():
            try:
                return await op(self.inner)
            except self._unreachable as exc:
                self._trip(exc)
        self._defer(op)
        return await op(MemoryCache())

    # -- strings and keys --------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        """The string value at ``key``; None while the backend is unreachable."""
        return await self._run(lambda c: c.get(key))

    async def set(
        self,
        key: str,
        value: bytes,
        *,
        ttl: float | None = None,
        tags: Sequence[str] = (),
    ) -> None:
        """Store ``value``; dropped while the backend is unreachable."""
        await self._run(lambda c: c.set(key, value, ttl=ttl, tags=tags))

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        """Store ``value`` if ``key`` is absent; in this process only during an outage."""
        return await self._run(lambda c: c.set_if_absent(key, value, ttl=ttl), fallback=self._local)

    async def delete(self, *keys: str) -> int:
        """Delete keys; replayed on the backend's return if it missed them."""
        await self._local.delete(*keys)
        return await self._invalidate(lambda c: c.delete(*keys))

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Delete ``key`` if its value is ``value``.

        A value set in this process during an outage is deleted here. One the unreachable
        backend holds counts as deleted: the delete is replayed on its return, and until then
        no read through this cache can see the value.
        """
        if await self._local.delete_if_equals(key, value):
            return True
        if self._usable():
            try:
                return await self.inner.delete_if_equals(key, value)
            except self._unreachable as exc:
                self._trip(exc)
        self._defer(lambda c: c.delete_if_equals(key, value))
        return True

    async def delete_prefix(self, prefix: str) -> int:
        """Delete keys by prefix; replayed on the backend's return if it missed them."""
        return await self._invalidate(lambda c: c.delete_prefix(prefix))

    async def invalidate_tags(self, *tags: str) -> int:
        """Delete tagged keys; replayed on the backend's return if it missed them."""
        return await self._invalidate(lambda c: c.invalidate_tags(*tags))

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, or None."""
        return await self._run(lambda c: c.ttl(key))

    async def expire(self, key: str, ttl: float) -> bool:
        """Give ``key`` a new TTL; False while the backend is unreachable."""
        return await self._run(lambda c: c.expire(key, ttl))

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Add to a counter; a counter of this process only during an outage."""
        return await self._run(lambda c: c.incr(key, amount, ttl=ttl), fallback=self._local)

    # -- lists, hashes, sorted sets: an empty store during an outage -------------------------

    async def list_push(self, key: str, *values: bytes, max_len: int | None = None) -> int:
        """Push ``values`` to the head of a list."""
        return await self._run(lambda c: c.list_push(key, *values, max_len=max_len))

    async def list_range(self, key: str, start: int = 0, stop: int = -1) -> list[bytes]:
        """Items of a list, newest first."""
        return await self._run(lambda c: c.list_range(key, start, stop))

    async def hash_set(self, key: str, mapping: Mapping[str, bytes]) -> None:
        """Set fields of a hash."""
        await self._run(lambda c: c.hash_set(key, mapping))

    async def hash_get(self, key: str, field: str) -> bytes | None:
        """One field of a hash."""
        return await self._run(lambda c: c.hash_get(key, field))

    async def hash_get_all(self, key: str) -> dict[str, bytes]:
        """Every field of a hash."""
        return await self._run(lambda c: c.hash_get_all(key))

    async def hash_incr(self, key: str, field: str, amount: float = 1.0) -> float:
        """Add to a numeric field of a hash."""
        return await self._run(lambda c: c.hash_incr(key, field, amount))

    async def hash_delete(self, key: str, *fields: str) -> int:
        """Delete fields of a hash."""
        return await self._run(lambda c: c.hash_delete(key, *fields))

    async def zadd_many(
        self,
        sets: Mapping[str, Mapping[str, float]],
        *,
        drop_below: float | None = None,
        ttl: float | None = None,
    ) -> None:
        """Add to many sorted sets."""
        await self._run(lambda c: c.zadd_many(sets, drop_below=drop_below, ttl=ttl))

    async def zscore_many(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """Scores of many (sorted set, member) pairs."""
        return await self._run(lambda c: c.zscore_many(pairs))

    async def list_push_many(
        self,
        lists: Mapping[str, Sequence[bytes]],
        *,
        max_len: int | None = None,
        ttl: float | None = None,
    ) -> None:
        """Push to many lists."""
        await self._run(lambda c: c.list_push_many(lists, max_len=max_len, ttl=ttl))

    async def zadd(self, key: str, mapping: Mapping[str, float]) -> int:
        """Set member scores of a sorted set."""
        return await self._run(lambda c: c.zadd(key, mapping))

    async def zincrby(self, key: str, member: str, amount: float) -> float:
        """Add to a member's score."""
        return await self._run(lambda c: c.zincrby(key, member, amount))

    async def zscore(self, key: str, member: str) -> float | None:
        """A member's score."""
        return await self._run(lambda c: c.zscore(key, member))

    async def zrange(
        self, key: str, start: int = 0, stop: int = -1, *, desc: bool = False
    ) -> list[tuple[str, float]]:
        """Members by rank."""
        return await self._run(lambda c: c.zrange(key, start, stop, desc=desc))

    async def zrangebyscore(
        self,
        key: str,
        min: float,
        max: float,
        *,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[tuple[str, float]]:
        """Members by score."""
        return await self._run(lambda c: c.zrangebyscore(key, min, max, desc=desc, limit=limit))

    async def zrem(self, key: str, *members: str) -> int:
        """Remove members of a sorted set."""
        return await self._run(lambda c: c.zrem(key, *members))

    async def zremrangebyscore(self, key: str, min: float, max: float) -> int:
        """Remove members by score."""
        return await self._run(lambda c: c.zremrangebyscore(key, min, max))

    async def zcard(self, key: str) -> int:
        """The number of members of a sorted set."""
        return await self._run(lambda c: c.zcard(key))

    # -- lifecycle ---------------------------------------------------------------------------

    async def ping(self) -> bool:
        """Whether the backend answers. During an outage this is the breaker's view, updated by
        a probe when one is due, so a health check neither waits on nor hammers a dead backend."""
        if self._down_since is None:
            try:
                answered = await self.inner.ping()
            except self._unreachable as exc:
                self._trip(exc)
                return False
            if not answered:
                self._trip("no answer to PING")
            return answered
        self._usable()
        probe = self._probe
        if probe is not None:
            await asyncio.shield(probe)
        return self._down_since is None

    async def close(self) -> None:
        """Stop any probe, deliver missed invalidations if the backend is back, and close it.

        A short-lived process (a CLI command) may end during an outage: what it could not
        deliver is then logged, not silently lost.
        """
        probe = self._probe
        if probe is not None:
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe
        if self._pending:
            with contextlib.suppress(*self._unreachable):
                await self._replay()
        if self._pending or self._lost:
            log.warning(
                "closing with %d cache invalidations undelivered (Redis unreachable); the"
                " entries they named live until their TTLs",
                len(self._pending) + self._lost,
            )
        await self.inner.close()
        await self._local.close()
