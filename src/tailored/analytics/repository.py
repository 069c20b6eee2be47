"""SQL over request logs. Percentiles by nearest rank with ORDER BY/OFFSET, which both SQLite
and PostgreSQL run the same way (SQLite has no percentile_cont)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import PersonalizationHistory, RequestLog


class RequestLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _window(self, kind: str, since: datetime) -> list[ColumnElement[bool]]:
        return [RequestLog.kind == kind, RequestLog.created_at >= since]

    async def counts(self, kind: str, since: datetime) -> dict[tuple[bool, str], int]:
        """(cached, status) → requests."""
        rows = await self.session.execute(
            select(RequestLog.cached, RequestLog.status, func.count())
            .where(*self._window(kind, since))
            .group_by(RequestLog.cached, RequestLog.status)
        )
        return {(bool(c), str(s)): int(n) for c, s, n in rows}

    async def percentiles(
        self, kind: str, since: datetime, cached: bool, points: Sequence[float]
    ) -> dict[float, float | None]:
        where = [*self._window(kind, since), RequestLog.cached == cached]
        total = int(
            await self.session.scalar(select(func.count()).select_from(RequestLog).where(*where))
            or 0
        )
        out: dict[float, float | None] = {}
        for p in points:
            if total == 0:
                out[p] = None
                continue
            rank = max(1, math.ceil(p * total))
            value = await self.session.scalar(
                select(RequestLog.latency_ms)
                .where(*where)
                .order_by(RequestLog.latency_ms)
                .offset(rank - 1)
                .limit(1)
            )
            out[p] = float(value) if value is not None else None
        return out

    async def top_chapters(self, kind: str, since: datetime, limit: int) -> list[tuple[str, int]]:
        rows = await self.session.execute(
            select(RequestLog.chapter_id, func.count().label("n"))
            .where(*self._window(kind, since))
            .group_by(RequestLog.chapter_id)
            .order_by(func.count().desc(), RequestLog.chapter_id)
            .limit(limit)
        )
        return [(str(c), int(n)) for c, n in rows]

    async def tokens(self, kind: str, since: datetime) -> tuple[int, int]:
        """Language-model (input, output) tokens the window's requests spent."""
        row = (
            await self.session.execute(
                select(
                    func.coalesce(func.sum(RequestLog.input_tokens), 0),
                    func.coalesce(func.sum(RequestLog.output_tokens), 0),
                ).where(*self._window(kind, since))
            )
        ).one()
        return int(row[0] or 0), int(row[1] or 0)

    async def distinct_audiences(self, since: datetime) -> int:
        return int(
            await self.session.scalar(
                select(func.count(func.distinct(PersonalizationHistory.profile_hash))).where(
                    PersonalizationHistory.created_at >= since
                )
            )
            or 0
        )

    async def timings(self, kind: str, since: datetime) -> list[tuple[datetime, bool, float]]:
        """(created_at, cached, latency_ms) of each request in the window, oldest first."""
        rows = await self.session.execute(
            select(RequestLog.created_at, RequestLog.cached, RequestLog.latency_ms)
            .where(*self._window(kind, since))
            .order_by(RequestLog.created_at)
        )
        return [(t, bool(c), float(ms or 0)) for t, c, ms in rows]

    async def delete_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(RequestLog).where(RequestLog.created_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
