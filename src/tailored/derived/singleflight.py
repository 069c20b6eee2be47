"""Concurrent identical requests generate once.

Within a process, followers await the leader's future. Across processes sharing a cache, the
leader holds a cache lock (Redis in production) with a TTL, so a crashed holder frees it on its
own; a process that gets the lock after another first looks for the stored result.

The lock is an optimisation, never a reason to fail: a waiter that gives up on it, or a leader
whose lock expired under a slow generation, still answers (at worst the work runs twice).
The TTL is derived from the work's time budget (see `lock_ttl_for`), so no setting makes a
generation that finishes within its budget outlive its lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from tailored.kit.cache import Cache, CacheLock, LockTimeoutError

T = TypeVar("T")
log = logging.getLogger("tailored.derived")

# Beyond the budget: storing the result and the cache round trips after the work ends.
LOCK_MARGIN_SECONDS = 15.0


def lock_ttl_for(budget_seconds: float, floor: float = 0.0) -> float:
    """A lock TTL that outlives work bounded by `budget_seconds` (and at least `floor`)."""
    return max(floor, budget_seconds + LOCK_MARGIN_SECONDS)


class SingleFlight(Generic[T]):
    def __init__(self, cache: Cache, *, lock_ttl: float, wait: float | None = None) -> None:
        self._cache = cache
        self._lock_ttl = lock_ttl
        # A waiter outwaits one whole holder, plus the margin for its store.
        self._wait = wait if wait is not None else lock_ttl + LOCK_MARGIN_SECONDS
        self._inflight: dict[str, asyncio.Future[T]] = {}

    async def run(
        self,
        key: str,
        lookup: Callable[[], Awaitable[T | None]],
        produce: Callable[[], Awaitable[T]],
    ) -> tuple[T, bool]:
        """The stored or newly produced value, and whether this call produced it."""
        existing = self._inflight.get(key)
        if existing is not None:
            return await asyncio.shield(existing), False
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value, produced = await self._lead(key, lookup, produce)
        except BaseException as exc:
            future.set_exception(exc)
            # Followers see the error; nobody else retrieves it, so silence "never retrieved".
            future.exception()
            raise
        else:
            future.set_result(value)
            return value, produced
        finally:
            del self._inflight[key]

    async def _lead(
        self,
        key: str,
        lookup: Callable[[], Awaitable[T | None]],
        produce: Callable[[], Awaitable[T]],
    ) -> tuple[T, bool]:
        lock = CacheLock(self._cache, f"flight:{key}", ttl=self._lock_ttl, wait=self._wait)
        try:
            await lock.acquire()
        except LockTimeoutError:
            log.warning("single flight: gave up waiting for %s after %.0fs", key, self._wait)
        try:
            found = await lookup()
            if found is not None:
                return found, False
            return await produce(), True
        finally:
            if lock.held and not await lock.release():
                log.warning("single flight: lock for %s expired before its work ended", key)
