"""Hot copies: a cached copy of a row whose source of truth is the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from .base import Cache


async def set_until(
    cache: Cache,
    key: str,
    value: bytes,
    *,
    expires_at: datetime,
    max_ttl: float,
    tags: Sequence[str] = (),
) -> None:
    """Cache `value` no longer than the row it copies lives (and at most `max_ttl` seconds);
    a row already expired is not copied."""
    remaining = (expires_at - datetime.now(UTC)).total_seconds()
    if remaining > 0:
        await cache.set(key, value, ttl=min(remaining, max_ttl), tags=tags)
