"""A lock shared by every process on the same cache, built only on the `Cache` protocol.

The holder stores a random token under the lock key with a TTL, so a crashed holder's lock
expires on its own, and releases by deleting the key only if it still holds that token, so a
holder whose lock expired never deletes its successor's.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from types import TracebackType

from .base import Cache, CacheError

__all__ = ["CacheLock", "LockError", "LockLostError", "LockTimeoutError", "cache_lock"]


class LockError(CacheError):
    """Base class of lock errors."""


class LockTimeoutError(LockError, TimeoutError):
    """The lock stayed taken for the whole wait."""


class LockLostError(LockError):
    """The lock expired (and may have been taken by another) before it was released."""


class CacheLock:
    """A named mutual-exclusion lock on a `Cache`, stored under the key ``lock:{name}``.

    ``ttl`` bounds how long a holder may keep the lock, so it must exceed the critical section;
    ``wait`` bounds how long `acquire` polls (None: forever, 0: a single attempt). One instance
    serves one task at a time; create one per task to contend for the same name.

        async with CacheLock(cache, "reindex", ttl=30, wait=5):
            ...
    """

    def __init__(
        self,
        cache: Cache,
        name: str,
        *,
        ttl: float = 10.0,
        wait: float | None = 10.0,
        poll_min: float = 0.005,
        poll_max: float = 0.2,
    ) -> None:
        if not ttl > 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        if wait is not None and not wait >= 0:
            raise ValueError(f"wait must be None or at least 0, got {wait!r}")
        if not 0 < poll_min <= poll_max:
            raise ValueError("poll intervals must satisfy 0 < poll_min <= poll_max")
        self.cache = cache
        self.name = name
        self.key = f"lock:{name}"
        self.ttl = ttl
        self.wait = wait
        self._poll_min = poll_min
        self._poll_max = poll_max
        self._token: bytes | None = None

    @property
    def held(self) -> bool:
        """Whether this instance acquired the lock and has not released it (it may have expired)."""
        return self._token is not None

    async def try_acquire(self) -> bool:
        """Take the lock if it is free right now."""
        if self._token is not None:
            raise RuntimeError(f"lock {self.name!r} is already held by this instance")
        token = secrets.token_hex(16).encode()
        if await self.cache.set_if_absent(self.key, token, ttl=self.ttl):
            self._token = token
            return True
        return False

    async def acquire(self) -> None:
        """Take the lock, polling with jittered exponential backoff for up to ``wait`` seconds."""
        deadline = None if self.wait is None else time.monotonic() + self.wait
        delay = self._poll_min
        while not await self.try_acquire():
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise LockTimeoutError(
                    f"lock {self.name!r} is still held by another owner after waiting"
                    f" {self.wait:g}s"
                )
            # Jitter keeps waiters that started together from retrying in lockstep.
            pause = random.uniform(delay / 2, delay)
            await asyncio.sleep(pause if remaining is None else min(pause, remaining))
            delay = min(delay * 2, self._poll_max)

    async def release(self) -> bool:
        """Give the lock up; False if it had already expired, in which case nothing is deleted."""
        token = self._token
        if token is None:
            raise RuntimeError(f"lock {self.name!r} is not held by this instance")
        self._token = None
        return await self.cache.delete_if_equals(self.key, token)

    async def __aenter__(self) -> CacheLock:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        released = await self.release()
        # Another owner may have run concurrently, which the caller must hear about; an error
        # from the block itself takes precedence.
        if not released and exc is None:
            raise LockLostError(
                f"lock {self.name!r} expired before release; its ttl ({self.ttl:g}s) is too short"
            )


def cache_lock(
    cache: Cache, name: str, *, ttl: float = 10.0, wait: float | None = 10.0
) -> CacheLock:
    """A `CacheLock` to use as ``async with cache_lock(cache, "name"):``."""
    return CacheLock(cache, name, ttl=ttl, wait=wait)
