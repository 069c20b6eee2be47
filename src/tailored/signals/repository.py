"""All SQL for learner signals: events, scores, rollups, popularity, the outbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from tailored.models import (
    ContentPopularity,
    Outbox,
    SignalBasis,
    SignalEvent,
    SignalRollup,
    SignalScore,
    SiteKey,
)
from tailored.models.base import Base, utcnow
from tailored.signals import pgbulk

# IN lists carry at most this many values.
_CHUNK = 2000


class SignalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
        # The Core table, not the entity: executemany of one cached statement (insertmanyvalues)
        # instead of compiling a statement with a thousand VALUES tuples per batch.
        table = cast(Table, model.__table__)
        return postgresql.insert(table) if self.postgres else sqlite.insert(table)

    def _greatest(self, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        # SQLite's two-argument max() is NULL if either is; COALESCE keeps the other.
        if self.postgres:
            return func.greatest(a, b)
        return func.max(func.coalesce(a, b), func.coalesce(b, a))

    # --- writing ----------------------------------------------------------------------------

    async def insert_events(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert events, ignoring ids already stored; the ids that were new. (SQLite's path:
        PostgreSQL stores a batch in one statement, pgbatch.py.)"""
        if not rows:
            return set()
        stmt = (
            self._insert(SignalEvent)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(SignalEvent.__table__.c.id)
        )
        result = await self.session.execute(stmt, list(rows))
        return set(result.scalars().all())

    async def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these event ids are stored."""
        found: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            stmt = select(SignalEvent.id).where(SignalEvent.id.in_(chunk))
            found.update(str(i) for i in await self.session.scalars(stmt))
        return found

    async def last_views(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
        """When each (learner, content) pair was last viewed, for the pairs that were."""
        if not pairs:
            return {}
        found: dict[tuple[str, str], datetime] = {}
        wanted = sorted(pairs)
        # The pairs themselves (row values), not every score row of each learner.
        for start in range(0, len(wanted), _CHUNK // 2):
            rows = await self.session.execute(
                select(SignalScore.learner, SignalScore.content_id, SignalScore.last_view_at).where(
                    tuple_(SignalScore.learner, SignalScore.content_id).in_(
                        wanted[start : start + _CHUNK // 2]
                    ),
                    SignalScore.last_view_at.is_not(None),
                )
            )
            for learner, content_id, at in rows:
                if at is not None:
                    found[(learner, content_id)] = at
        return found

    async def add_scores(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add to (learner, content) scores; one row per pair (the caller sums first)."""
        if not rows:
            return
        if self.postgres:
            await pgbulk.write(self.session, "signal_scores", rows)
            return
        table = SignalScore.__table__.c
        ins = self._insert(SignalScore)
        stmt = ins.on_conflict_do_update(
            index_elements=["learner", "content_id"],
            set_={
                "scaled": table.scaled + ins.excluded.scaled,
                "events": table.events + ins.excluded.events,
                "last_seen": self._greatest(table.last_seen, ins.excluded.last_seen),
                "last_view_at": self._greatest(table.last_view_at, ins.excluded.last_view_at),
            },
        )
        await self.session.execute(stmt, list(rows))

    async def add_rollups(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.postgres:
            await pgbulk.write(self.session, "signal_rollups", rows)
            return
        table = SignalRollup.__table__.c
        ins = self._insert(SignalRollup)
        stmt = ins.on_conflict_do_update(
            index_elements=["learner", "content_type", "signal_type"],
            set_={
                "count": table.count + ins.excluded.count,
                "total_weight": table.total_weight + ins.excluded.total_weight,
                "last_seen": self._greatest(table.last_seen, ins.excluded.last_seen),
            },
        )
        await self.session.execute(stmt, list(rows))

    async def add_popularity(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.postgres:
            await pgbulk.write(self.session, "content_popularity", rows)
            return
        table = ContentPopularity.__table__.c
        ins = self._insert(ContentPopularity)
        stmt = ins.on_conflict_do_update(
            index_elements=["content_id", "audience"],
            set_={
                "scaled": table.scaled + ins.excluded.scaled,
                "events": table.events + ins.excluded.events,
            },
        )
        await self.session.execute(stmt, list(rows))

    async def add_outbox(self, rows: Sequence[dict[str, Any]]) -> None:
        """Queue messages for the relay; a message whose id is queued already is not repeated."""
        if not rows:
            return
        if self.postgres:
            await pgbulk.write(self.session, "outbox", rows)
            return
        stmt = self._insert(Outbox).on_conflict_do_nothing(index_elements=["event_id"])
        await self.session.execute(stmt, list(rows))

    # --- reading ----------------------------------------------------------------------------

    async def content_with_type(
        self, learner: str, kind: str, *, since: datetime | None = None
    ) -> list[tuple[str, datetime]]:
        """(content id, latest occurred_at) of the learner's events of one type, newest first."""
        stmt = (
            select(SignalEvent.content_id, func.max(SignalEvent.occurred_at).label("at"))
            .where(
                SignalEvent.learner == learner,
                SignalEvent.type == kind,
                SignalEvent.content_id.is_not(None),
            )
            .group_by(SignalEvent.content_id)
            .order_by(text("at DESC"), SignalEvent.content_id)
        )
        if since is not None:
            stmt = stmt.where(SignalEvent.occurred_at >= since)
        return [(str(c), at) for c, at in (await self.session.execute(stmt)).all()]

    async def scores(
        self, learner: str, content_ids: Sequence[str] | None = None
    ) -> list[SignalScore]:
        stmt = select(SignalScore).where(SignalScore.learner == learner)
        if content_ids is not None:
            stmt = stmt.where(SignalScore.content_id.in_(list(content_ids)))
        return list(await self.session.scalars(stmt.order_by(SignalScore.content_id)))

    async def last_viewed(self, learner: str) -> str | None:
        """The content the learner viewed last (collapsed repeat views included)."""
        stmt = (
            select(SignalScore.content_id)
            .where(SignalScore.learner == learner, SignalScore.last_view_at.is_not(None))
            .order_by(SignalScore.last_view_at.desc(), SignalScore.content_id)
            .limit(1)
        )
        return await self.session.scalar(stmt)

    async def rollups(self, learner: str) -> list[SignalRollup]:
        stmt = (
            select(SignalRollup)
            .where(SignalRollup.learner == learner)
            .order_by(SignalRollup.content_type, SignalRollup.signal_type)
        )
        return list(await self.session.scalars(stmt))

    async def popularity(self, audience: str, limit: int | None) -> list[tuple[str, float]]:
        stmt = (
            select(ContentPopularity.content_id, ContentPopularity.scaled)
            .where(ContentPopularity.audience == audience)
            .order_by(ContentPopularity.scaled.desc(), ContentPopularity.content_id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return [(str(c), float(s)) for c, s in (await self.session.execute(stmt)).all()]

    async def events(
        self, learner: str, *, limit: int | None = None, offset: int = 0
    ) -> list[SignalEvent]:
        stmt = (
            select(SignalEvent)
            .where(SignalEvent.learner == learner)
            .order_by(SignalEvent.occurred_at.desc(), SignalEvent.id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(await self.session.scalars(stmt.offset(offset)))

    async def recomputed_rollups(self, learner: str | None = None) -> list[dict[str, Any]]:
        """The rollups computed afresh from raw events (the dashboard view's query)."""
        stmt = select(
            SignalEvent.learner,
            SignalEvent.content_type,
            SignalEvent.type.label("signal_type"),
            func.count().label("count"),
            func.sum(SignalEvent.weight).label("total_weight"),
            func.max(SignalEvent.occurred_at).label("last_seen"),
        ).group_by(SignalEvent.learner, SignalEvent.content_type, SignalEvent.type)
        if learner is not None:
            stmt = stmt.where(SignalEvent.learner == learner)
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def refresh_rollup_view(self) -> None:
        """Refresh the dashboards' view (PostgreSQL; on SQLite it is a plain view)."""
        if self.postgres:
            await self.session.execute(
                text("REFRESH MATERIALIZED VIEW CONCURRENTLY user_signal_rollups")
            )

    async def view_rows(self, learner: str) -> list[dict[str, Any]]:
        """One learner's rows of the user_signal_rollups view."""
        rows = await self.session.execute(
            text(
                "SELECT learner, content_type, signal_type, count, total_weight, last_seen"
                " FROM user_signal_rollups WHERE learner = :learner"
            ),
            {"learner": learner},
        )
        return [dict(r._mapping) for r in rows.all()]

    # --- rebuilding the derived tables (signals.rebuild) ----------------------------------------

    async def learners(self) -> list[str]:
        """Every learner with events, in order."""
        stmt = select(SignalEvent.learner).distinct().order_by(SignalEvent.learner)
        return [str(x) for x in await self.session.scalars(stmt)]

    async def events_of(self, learners: Sequence[str]) -> list[SignalEvent]:
        stmt = select(SignalEvent).where(SignalEvent.learner.in_(list(learners)))
        return list(await self.session.scalars(stmt.order_by(SignalEvent.learner)))

    async def apply_weights(self, weights: Mapping[str, float]) -> int:
        """Give stored events of each type the weight `weights` names; how many changed."""
        changed = 0
        for kind, weight in sorted(weights.items()):
            result = await self.session.execute(
                update(SignalEvent)
                .where(SignalEvent.type == kind, SignalEvent.weight != weight)
                .values(weight=weight)
            )
            changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

    async def clear_derived(self) -> None:
        for model in (SignalScore, SignalRollup, ContentPopularity):
            await self.session.execute(delete(model))

    async def basis(self) -> dict[str, Any] | None:
        row = await self.session.get(SignalBasis, 1)
        return None if row is None else dict(row.basis)

    async def add_basis_if_absent(self, basis: dict[str, Any]) -> None:
        """Record `basis` unless a row is there (two processes starting at once both try)."""
        stmt = (
            self._insert(SignalBasis)
            .values(id=1, basis=basis, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["id"])
        )
        await self.session.execute(stmt)

    async def set_basis(self, basis: dict[str, Any]) -> None:
        row = await self.session.get(SignalBasis, 1)
        if row is None:
            self.session.add(SignalBasis(id=1, basis=basis))
        else:
            row.basis = basis
            row.updated_at = utcnow()
        await self.session.flush()

    # --- one learner's rows as a whole --------------------------------------------------------

    async def move_events(self, source: str, target: str, user_id: Any) -> int:
        result = await self.session.execute(
            update(SignalEvent)
            .where(SignalEvent.learner == source)
            .values(learner=target, user_id=user_id)
        )
        return int(getattr(result, "rowcount", 0))

    async def take_scores(self, learner: str) -> list[SignalScore]:
        rows = await self.scores(learner)
        await self.session.execute(delete(SignalScore).where(SignalScore.learner == learner))
        return rows

    async def take_rollups(self, learner: str) -> list[SignalRollup]:
        rows = await self.rollups(learner)
        await self.session.execute(delete(SignalRollup).where(SignalRollup.learner == learner))
        return rows

    async def delete_learner(self, learner: str) -> int:
        """Every event, score, rollup and unpublished message of one learner; events removed."""
        result = await self.session.execute(
            delete(SignalEvent).where(SignalEvent.learner == learner)
        )
        await self.session.execute(delete(SignalScore).where(SignalScore.learner == learner))
        await self.session.execute(delete(SignalRollup).where(SignalRollup.learner == learner))
        await self.session.execute(
            delete(Outbox).where(Outbox.learner_key == learner, Outbox.published_at.is_(None))
        )
        return int(getattr(result, "rowcount", 0))


class SiteKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: SiteKey) -> SiteKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def by_name(self, name: str) -> SiteKey | None:
        found = await self.session.scalars(select(SiteKey).where(SiteKey.name == name))
        return found.one_or_none()

    async def by_hash(self, key_hash: str) -> SiteKey | None:
        found = await self.session.scalars(select(SiteKey).where(SiteKey.key_hash == key_hash))
        return found.one_or_none()

    async def all(self) -> list[SiteKey]:
        return list(await self.session.scalars(select(SiteKey).order_by(SiteKey.name)))


async def count_matching(
    session: AsyncSession,
    learner: str,
    kind: str,
    *,
    content_contains: str | None = None,
    metadata: tuple[str, str] | None = None,
) -> int:
    """How many of a learner's events of one type match (for inferred traits)."""
    stmt = (
        select(func.count())
        .select_from(SignalEvent)
        .where(SignalEvent.learner == learner, SignalEvent.type == kind)
    )
    if content_contains is not None:
        stmt = stmt.where(SignalEvent.content_id.contains(content_contains, autoescape=True))
    if metadata is not None:
        stmt = stmt.where(SignalEvent.meta[metadata[0]].as_string() == metadata[1])
    return int(await session.scalar(stmt) or 0)
