"""Personalize requests over time, for the dashboard's charts: buckets on known data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.analytics.service import personalization_timeseries
from tailored.models import Role
from tailored.state import AppState
from tests.analytics.test_stats import _log
from tests.fixtures.accounts import create_logged_in_user


class TestTimeSeries:
    async def test_buckets_hold_their_requests(self, session: AsyncSession) -> None:
        now = datetime(2026, 3, 10, 12, tzinfo=UTC)
        # Day 0 of a 2-day window: cached 10 ms and 30 ms; day 1: one uncached 100 ms.
        for ms, cached, hours_ago in ((10.0, True, 40), (30.0, True, 30), (100.0, False, 2)):
            session.add(_log("intro", cached, ms, created_at=now - timedelta(hours=hours_ago)))
        session.add(_log("intro", True, 1.0, created_at=now - timedelta(days=3)))  # outside
        await session.flush()
        series = await personalization_timeseries(session, days=2, buckets=2, now=now)
        assert series.bucket_seconds == 86400
        assert [p.start for p in series.points] == [
            now - timedelta(days=2),
            now - timedelta(days=1),
        ]
        first, second = series.points
        assert (first.requests, first.hit_rate, first.p50, first.p95) == (2, 1.0, 10.0, 30.0)
        assert (second.requests, second.hit_rate, second.p99) == (1, 0.0, 100.0)

    async def test_empty_buckets_are_kept(self, session: AsyncSession) -> None:
        series = await personalization_timeseries(session, days=1, buckets=4)
        assert len(series.points) == 4
        assert all(p.requests == 0 and p.p50 is None for p in series.points)

    async def test_admin_only(self, state: AppState, client: httpx.AsyncClient) -> None:
        _, learner = await create_logged_in_user(state, client)
        _, admin = await create_logged_in_user(state, client, role=Role.admin)
        url = "/api/admin/stats/timeseries?days=7&buckets=7"
        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, headers=learner)).status_code == 403
        response = await client.get(url, headers=admin)
        assert response.status_code == 200
        assert len(response.json()["points"]) == 7
        assert (
            await client.get(url.replace("buckets=7", "buckets=0"), headers=admin)
        ).status_code == 422
