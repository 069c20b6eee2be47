"""All SQL for feature flags."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Subquery, and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import FeatureFlag
from tailored.models.signals import SignalEvent


class FlagRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self) -> list[FeatureFlag]:
        return list(await self.session.scalars(select(FeatureFlag).order_by(FeatureFlag.key)))

    async def get(self, key: str) -> FeatureFlag | None:
        return await self.session.get(FeatureFlag, key)

    async def save(self, flag: FeatureFlag) -> FeatureFlag:
        self.session.add(flag)
        await self.session.flush()
        return flag

    async def delete(self, key: str) -> bool:
        result = await self.session.execute(delete(FeatureFlag).where(FeatureFlag.key == key))
        return bool(getattr(result, "rowcount", 0))


class ExperimentRepository:
    """Outcome signals per variant of a flag, read from the stored events.

    It reads the signals layer's `events` table (exposures are signals); the figures are
    aggregates over learners, never one learner's events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _exposed(self, flag: str, version: int) -> Subquery:
        e = SignalEvent
        # JSON paths are bound parameters: grouping by one only works on a plain column.
        rows = (
            select(
                e.learner.label("learner"),
                e.meta["variant"].as_string().label("variant"),
                e.occurred_at.label("at"),
            )
            .where(
                e.type == "exposure",
                e.meta["flag"].as_string() == flag,
                e.meta["version"].as_integer() == version,
            )
            .subquery()
        )
        return (
            select(rows.c.learner, rows.c.variant, func.min(rows.c.at).label("since"))
            .group_by(rows.c.learner, rows.c.variant)
            .subquery()
        )

    async def outcomes(self, flag: str, version: int) -> list[dict[str, Any]]:
        """Per variant: exposed learners, completions, bookmarks, view seconds after exposure."""
        x = self._exposed(flag, version)
        e = SignalEvent
        seconds = e.meta["seconds"].as_float()
        after = (
            select(
                x.c.variant,
                func.count(case((e.type == "complete", 1))).label("completions"),
                func.count(case((e.type == "bookmark", 1))).label("bookmarks"),
                func.avg(case((e.type == "view", seconds))).label("seconds"),
            )
            .join(e, and_(e.learner == x.c.learner, e.occurred_at >= x.c.since))
            .where(e.type.in_(("complete", "bookmark", "view")))
            .group_by(x.c.variant)
        )
        learners = select(x.c.variant, func.count().label("learners")).group_by(x.c.variant)
        counts: dict[str, int] = dict((await self.session.execute(learners)).all())
        found = {row.variant: row for row in (await self.session.execute(after)).all()}
        return [
            {
                "variant": variant,
                "learners": n,
                "completions": found[variant].completions if variant in found else 0,
                "bookmarks": found[variant].bookmarks if variant in found else 0,
                "seconds": found[variant].seconds if variant in found else None,
            }
            for variant, n in sorted(counts.items())
        ]
