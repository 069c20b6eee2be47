"""All SQL for chapters and their sections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from tailored.content.glossary import ParsedTerm
from tailored.models import Chapter, GlossaryTerm, Section


class ChapterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chapter_id: str, *, with_sections: bool = False) -> Chapter | None:
        stmt = select(Chapter).where(Chapter.id == chapter_id)
        if with_sections:
            stmt = stmt.options(selectinload(Chapter.sections))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(self) -> Sequence[Chapter]:
        rows = await self.session.execute(select(Chapter).order_by(Chapter.position, Chapter.id))
        return rows.scalars().all()

    async def headings(self) -> Sequence[tuple[str, str | None, str, int]]:
        """(chapter id, anchor, heading, level) of every section, in reading order."""
        rows = await self.session.execute(
            select(Section.chapter_id, Section.anchor, Section.title, Section.level)
            .join(Chapter, Chapter.id == Section.chapter_id)
            .where(Section.level > 1)
            .order_by(Chapter.position, Chapter.id, Section.position)
        )
        return [(str(c), a, str(t), int(lv)) for c, a, t, lv in rows]

    async def list_with_sections(self) -> Sequence[Chapter]:
        """Every chapter in reading order, sections loaded (recommendations' catalogue)."""
        stmt = (
            select(Chapter)
            .options(selectinload(Chapter.sections))
            .order_by(Chapter.position, Chapter.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def fingerprint(self) -> tuple[int, str]:
        """(count, newest update): changes whenever a chapter is added, edited, moved or removed
        next to an addition; a one-row read to tell whether the library moved."""
        row = (await self.session.execute(select(func.count(), func.max(Chapter.updated_at)))).one()
        return int(row[0] or 0), str(row[1])

    async def hashes(self) -> dict[str, tuple[str, str]]:
        """chapter id → (source hash, path), for diffing a re-ingest."""
        rows = await self.session.execute(select(Chapter.id, Chapter.source_hash, Chapter.path))
        return {cid: (h, p) for cid, h, p in rows}

    async def ids_for(self, names: Sequence[str]) -> dict[str, str]:
        """name → chapter id, for names that are a chapter's id or its slug."""
        if not names:
            return {}
        wanted = list(set(names))
        rows = await self.session.execute(
            select(Chapter.id, Chapter.slug).where(
                (Chapter.id.in_(wanted)) | (Chapter.slug.in_(wanted))
            )
        )
        found: dict[str, str] = {}
        for cid, slug in rows:
            if slug is not None and slug in wanted:
                found.setdefault(slug, cid)
            found[cid] = cid
        return found

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Chapter)) or 0)

    async def section_counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(Section.chapter_id, func.count()).group_by(Section.chapter_id)
        )
        return {str(cid): int(n) for cid, n in rows}

    async def upsert(self, chapter: Chapter, sections: Sequence[Section]) -> None:
        """Write a chapter and replace its sections."""
        existing = await self.session.get(Chapter, chapter.id)
        if existing is None:
            self.session.add(chapter)
        else:
            for field in ("title", "slug", "path", "position", "front_matter", "source"):
                setattr(existing, field, getattr(chapter, field))
            existing.source_hash = chapter.source_hash
            await self.session.execute(delete(Section).where(Section.chapter_id == chapter.id))
        await self.session.flush()
        self.session.add_all(sections)
        await self.session.flush()

    async def set_position(self, chapter_id: str, position: int) -> None:
        chapter = await self.session.get(Chapter, chapter_id)
        if chapter is not None and chapter.position != position:
            chapter.position = position

    async def delete_many(self, chapter_ids: Sequence[str]) -> int:
        if not chapter_ids:
            return 0
        result = await self.session.execute(delete(Chapter).where(Chapter.id.in_(chapter_ids)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def replace_glossary(self, terms: Sequence[ParsedTerm]) -> None:
        await self.session.execute(delete(GlossaryTerm))
        self.session.add_all(
            GlossaryTerm(term=t.term, definition=t.definition, aliases=list(t.aliases), position=i)
            for i, t in enumerate(terms)
        )
        await self.session.flush()

    async def glossary(self) -> Sequence[tuple[str, str, Sequence[str]]]:
        rows = await self.session.execute(
            select(GlossaryTerm.term, GlossaryTerm.definition, GlossaryTerm.aliases).order_by(
                GlossaryTerm.position
            )
        )
        return [(t, d, list(a or [])) for t, d, a in rows]
