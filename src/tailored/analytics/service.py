"""Figures operators ask for: requests, hit rate, latency percentiles, top chapters."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.analytics.repository import RequestLogRepository
from tailored.analytics.schemas import (
    ChapterCount,
    Latency,
    ModelTokens,
    PersonalizationStats,
    ProviderUsageOut,
)
from tailored.llm.resilience import CircuitBreaker
from tailored.llm.router import ProviderChain
from tailored.personalization import service as personalization

POINTS = (0.50, 0.95, 0.99)


async def personalization_stats(
    session: AsyncSession, *, days: int, top: int = 10, now: datetime | None = None
) -> PersonalizationStats:
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    logs = RequestLogRepository(session)
    counts = await logs.counts("personalize", since)
    by_status: Counter[str] = Counter()
    by_cached: Counter[bool] = Counter()
    for (cached, status), n in counts.items():
        by_status[status] += n
        by_cached[cached] += n
    total = sum(counts.values())
    latency: dict[bool, Latency] = {}
    for cached in (True, False):
        p = await logs.percentiles("personalize", since, cached, POINTS)
        latency[cached] = Latency(requests=by_cached[cached], p50=p[0.50], p95=p[0.95], p99=p[0.99])
    entries, stored_bytes = await personalization.stored_totals(session)
    input_tokens, output_tokens = await logs.tokens("personalize", since)
    return PersonalizationStats(
        since=since,
        requests=total,
        by_status=dict(sorted(by_status.items())),
        hit_rate=by_cached[True] / total if total else None,
        cached=latency[True],
        uncached=latency[False],
        top_chapters=[
            ChapterCount(chapter_id=c, requests=n)
            for c, n in await logs.top_chapters("personalize", since, top)
        ],
        distinct_audiences=await logs.distinct_audiences(since),
        stored_entries=entries,
        stored_bytes=stored_bytes,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )


def provider_usage(chain: ProviderChain | None) -> list[ProviderUsageOut]:
    """Token totals and breaker state of each configured provider, in fallback order."""
    if chain is None:
        return []
    out: list[ProviderUsageOut] = []
    for provider in chain.providers:
        usage = provider.usage
        breaker = getattr(provider, "breaker", None)
        out.append(
            ProviderUsageOut(
                name=provider.name,
                requests=usage.requests,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                by_model=[
                    ModelTokens(model=m, input_tokens=i, output_tokens=o)
                    for m, (i, o) in sorted(usage.by_model.items())
                ],
                circuit=breaker.state if isinstance(breaker, CircuitBreaker) else "closed",
            )
        )
    return out


async def delete_logs_before(session: AsyncSession, cutoff: datetime) -> int:
    """Request logs older than `cutoff` (retention)."""
    return await RequestLogRepository(session).delete_before(cutoff)
