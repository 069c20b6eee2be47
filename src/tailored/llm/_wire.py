"""Helpers shared by the SDK adapters: Retry-After parsing and status-code classification."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping

from tailored.llm.base import (
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, `retry-after` seconds or date."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return ms / 1000
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def status_error(
    provider: str, status: int, headers: Mapping[str, str], message: str
) -> ProviderError:
    """Map an HTTP error status to our tree (408 and 5xx are the provider's trouble)."""
    retry_after = parse_retry_after(headers)
    text = f"HTTP {status}: {message}"
    if status == 429:
        return RateLimited(text, provider=provider, retry_after=retry_after)
    if status == 408:
        return ProviderTimeout(text, provider=provider, retry_after=retry_after)
    # 529 is Anthropic's "overloaded"; it is >= 500 like the rest.
    if status >= 500:
        return ProviderUnavailable(text, provider=provider, retry_after=retry_after)
    return ProviderError(text, provider=provider)
