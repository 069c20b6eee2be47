"""The cache layer: one `Cache` protocol, an in-process and a Redis backend, a wrapper that
rides out Redis outages, and a lock.

Usage::

    cache = create_cache(settings.cache_url, namespace="tailored")
    await cache.set("page:42", html, ttl=60, tags=["course:7"])
    async with cache_lock(cache, "reindex", ttl=30):
        ...
    await cache.close()
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from .base import Cache, CacheError, NotANumberError, WrongTypeError
from .hot import set_until
from .lock import CacheLock, LockError, LockLostError, LockTimeoutError, cache_lock
from .memory import MemoryCache
from .redis import UNREACHABLE, RedisCache
from .resilient import ResilientCache

__all__ = [
    "Cache",
    "CacheError",
    "CacheLock",
    "LockError",
    "LockLostError",
    "LockTimeoutError",
    "MemoryCache",
    "NotANumberError",
    "RedisCache",
    "ResilientCache",
    "set_until",
    "WrongTypeError",
    "cache_lock",
    "create_cache",
]

_REDIS_SCHEMES = ("redis", "rediss", "unix")


def create_cache(url: str, *, namespace: str = "tailored") -> Cache:
    """The backend named by ``url``, with every key stored under ``f"{namespace}:"``.

    ``memory://`` (optionally ``memory://?max_entries=N`` for an LRU bound) keeps data in this
    process; ``redis://``, ``rediss://`` and ``unix://`` URLs connect to Redis, through a
    `ResilientCache` so that the service keeps answering while Redis is down.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return _memory(url, parts.query, namespace)
    if scheme in _REDIS_SCHEMES:
        redis = RedisCache.from_url(url, namespace=namespace)
        return ResilientCache(redis, unreachable=UNREACHABLE)
    supported = ", ".join(f"{name}://" for name in ("memory", *_REDIS_SCHEMES))
    raise ValueError(f"unsupported cache URL {url!r}: the scheme must be one of {supported}")


def _memory(url: str, query: str, namespace: str) -> MemoryCache:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = options.keys() - {"max_entries"}
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))} in cache URL {url!r}")
    max_entries = None
    if "max_entries" in options:
        raw = options["max_entries"]
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValueError(f"max_entries must be a positive integer in cache URL {url!r}")
        max_entries = int(raw)
    return MemoryCache(namespace=namespace, max_entries=max_entries)
