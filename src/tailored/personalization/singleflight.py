"""Concurrent identical requests generate once.

Within a process, followers await the leader's future. Across processes sharing a cache, the
leader holds a cache lock (Redis in production) with a TTL, so a crashed holder frees it on its
own; a process that gets the lock after another first looks for the stored result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from tailored.kit.cache import Cache, CacheLock

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self, cache: Cache, *, lock_ttl: float, wait: float | None = None) -> None:
        self._cache = cache
        self._lock_ttl = lock_ttl
        self._wait = wait if wait is not None else lock_ttl * 2
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
        async with CacheLock(self._cache, f"flight:{key}", ttl=self._lock_ttl, wait=self._wait):
            found = await lookup()
            if found is not None:
                return found, False
            return await produce(), True
