"""All SQL for stored derived results: one repository for every expiring, source-hash-keyed table.

A derived table (personalized chapters, machine translations, and later ones) has `key`,
`chapter_id`, `source_hash`, `content`, `status`, `unfinished`, `size_bytes`, `created_at` and
`expires_at`; tables that track use add `last_used_at` (least-recently-used eviction).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import Base, Chapter

# A derived-result model (PersonalizedResult, MachineTranslation): the columns above.
Row = TypeVar("Row", bound=Base)


def rowcount(result: object) -> int:
    """Rows a DELETE/UPDATE touched (0 where the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)


class DerivedRepository(Generic[Row]):
    def __init__(self, session: AsyncSession, model: type[Row]) -> None:
        self.session = session
        self.model = model
        # The shared columns, typed loosely: each model declares them itself.
        self.m: Any = model

    async def get_any(self, key: str) -> Row | None:
        """The row under `key`, expired or not (a retry reuses what a partial result got right)."""
        return await self.session.get(self.model, key)

    async def put(self, values: dict[str, Any]) -> None:
        """Insert, or replace what another process (or an earlier partial result) stored."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(self.model).values(**values)
        # Same key means same inputs, so the content can differ only when the earlier row was
        # partial; taking the new row whole covers both cases.
        columns = self.m.__mapper__.column_attrs
        refreshed = {
            columns[k].columns[0].name: stmt.excluded[columns[k].columns[0].name]
            for k in values
            if k not in ("key", "hits")
        }
        stmt = stmt.on_conflict_do_update(index_elements=[self.m.key], set_=refreshed)
        await self.session.execute(stmt)

    async def delete_expired(self, now: datetime) -> int:
        m = self.m
        return rowcount(await self.session.execute(delete(m).where(m.expires_at <= now)))

    async def delete_stale(self) -> int:
        """Rows made from a chapter source the chapter no longer has (never asked for again)."""
        m = self.m
        current = select(Chapter.source_hash).where(Chapter.id == m.chapter_id)
        stmt = delete(m).where(m.source_hash != current.scalar_subquery())
        return rowcount(await self.session.execute(stmt))

    async def evict_beyond(self, cap: int) -> list[str]:
        """Delete the least recently used rows beyond `cap`; return their keys."""
        total = await self.count()
        if total <= cap:
            return []
        m = self.m
        used = getattr(m, "last_used_at", m.created_at)
        stmt = select(m.key).order_by(used, m.key).limit(total - cap)
        victims = [str(k) for k in (await self.session.execute(stmt)).scalars()]
        await self.session.execute(delete(m).where(m.key.in_(victims)))
        return victims

    async def delete_all(self) -> int:
        return rowcount(await self.session.execute(delete(self.model)))

    async def count(self, chapter_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(self.model)
        if chapter_id is not None:
            stmt = stmt.where(self.m.chapter_id == chapter_id)
        return int(await self.session.scalar(stmt) or 0)

    async def totals(self) -> tuple[int, int]:
        """(rows, stored bytes)."""
        stmt = select(func.count(), func.coalesce(func.sum(self.m.size_bytes), 0))
        row = (await self.session.execute(stmt.select_from(self.model))).one()
        return int(row[0]), int(row[1])
