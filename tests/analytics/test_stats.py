"""Stats figures on known data: nearest-rank percentiles, hit rate, top chapters, window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.analytics.service import personalization_stats
from tailored.models import RequestLog, RequestStatus


def _log(chapter: str, cached: bool, latency: float, **extra: object) -> RequestLog:
    return RequestLog(
        kind="personalize",
        chapter_id=chapter,
        adapter="rules@1",
        cached=cached,
        latency_ms=latency,
        status=extra.get("status", RequestStatus.success),
        created_at=extra.get("created_at", datetime.now(UTC)),
    )


class TestPersonalizationStats:
    async def test_figures_on_known_latencies(self, session: AsyncSession) -> None:
        # Cached: 1..100 ms; uncached: 10, 20, ..., 200 ms (20 rows).
        session.add_all(_log("intro", True, float(ms)) for ms in range(1, 101))
        session.add_all(_log("ros2/urdf", False, float(ms)) for ms in range(10, 201, 10))
        session.add(_log("intro", False, 999.0, status=RequestStatus.rejected))
        session.add(_log("old", True, 1.0, created_at=datetime.now(UTC) - timedelta(days=40)))
        await session.flush()
        stats = await personalization_stats(session, days=30)
        assert stats.requests == 121
        assert stats.by_status == {"rejected": 1, "success": 120}
        assert stats.hit_rate == 100 / 121
        assert (stats.cached.p50, stats.cached.p95, stats.cached.p99) == (50.0, 95.0, 99.0)
        # 21 uncached values: 10..200 and 999; nearest rank ceil(p*21).
        assert (stats.uncached.p50, stats.uncached.p95, stats.uncached.p99) == (110.0, 200.0, 999.0)
        assert [(c.chapter_id, c.requests) for c in stats.top_chapters] == [
            ("intro", 101),
            ("ros2/urdf", 20),
        ]

    async def test_empty_window(self, session: AsyncSession) -> None:
        stats = await personalization_stats(session, days=1)
        assert stats.requests == 0
        assert stats.hit_rate is None
        assert stats.cached.p50 is None
