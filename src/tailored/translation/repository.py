"""All SQL for stored machine translations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import Chapter, MachineTranslation


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class TranslationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_live(self, key: str, now: datetime) -> MachineTranslation | None:
        stmt = select(MachineTranslation).where(
            MachineTranslation.key == key, MachineTranslation.expires_at > now
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def put(self, row: MachineTranslation) -> None:
        """Insert, or refresh the expiry of a row another process wrote first (same key)."""
        values = {c.key: getattr(row, c.key) for c in MachineTranslation.__mapper__.column_attrs}
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(MachineTranslation).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[MachineTranslation.key],
            set_={"expires_at": stmt.excluded.expires_at},
        )
        await self.session.execute(stmt)

    async def count(self, chapter_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(MachineTranslation)
        if chapter_id is not None:
            stmt = stmt.where(MachineTranslation.chapter_id == chapter_id)
        return int(await self.session.scalar(stmt) or 0)

    async def delete_all(self) -> int:
        return _rowcount(await self.session.execute(delete(MachineTranslation)))

    async def delete_expired(self, now: datetime) -> int:
        """Rows past their expiry (for `tailored cleanup`)."""
        result = await self.session.execute(
            delete(MachineTranslation).where(MachineTranslation.expires_at <= now)
        )
        return _rowcount(result)

    async def delete_stale(self) -> int:
        """Rows made from a chapter source the chapter no longer has (never asked for again)."""
        current = select(Chapter.source_hash).where(Chapter.id == MachineTranslation.chapter_id)
        result = await self.session.execute(
            delete(MachineTranslation).where(
                MachineTranslation.source_hash != current.scalar_subquery()
            )
        )
        return _rowcount(result)
