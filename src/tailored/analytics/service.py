"""Figures operators ask for: requests, hit rate, latency percentiles, top chapters."""

from __future__ import annotations

import math
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
    TimePoint,
    TimeSeries,
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


def _nearest_rank(ordered: list[float], p: float) -> float:
    return ordered[max(1, math.ceil(p * len(ordered))) - 1]


async def personalization_timeseries(
    session: AsyncSession, *, days: int, buckets: int, now: datetime | None = None
) -> TimeSeries:
    """The window cut into `buckets` equal slices (for the dashboard's charts); empty slices
    are kept so a chart's x axis is time, not request order."""
    end = now or datetime.now(UTC)
    since = end - timedelta(days=days)
    width = timedelta(days=days) / buckets
    slices: list[list[tuple[bool, float]]] = [[] for _ in range(buckets)]
    for created, cached, latency in await RequestLogRepository(session).timings(
        "personalize", since
    ):
        at = created if created.tzinfo else created.replace(tzinfo=UTC)
        index = min(buckets - 1, max(0, int((at - since) / width)))
        slices[index].append((cached, latency))
    points: list[TimePoint] = []
    for i, rows in enumerate(slices):
        ordered = sorted(ms for _, ms in rows)
        hits = sum(1 for cached, _ in rows if cached)
        points.append(
            TimePoint(
                start=since + width * i,
                requests=len(rows),
                hit_rate=hits / len(rows) if rows else None,
                p50=_nearest_rank(ordered, 0.50) if rows else None,
                p95=_nearest_rank(ordered, 0.95) if rows else None,
                p99=_nearest_rank(ordered, 0.99) if rows else None,
            )
        )
    return TimeSeries(since=since, bucket_seconds=int(width.total_seconds()), points=points)


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
