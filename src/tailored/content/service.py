"""The content library: ingest a docs folder into chapters and sections, read them back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content.glossary import GlossaryError, ParsedTerm, find_glossary, parse_glossary
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.content.loader import LoadError, ParsedChapter, load_docs
from tailored.content.repository import ChapterRepository
from tailored.errors import ChapterNotFound, Conflict, InvalidChapterIdError
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models import Chapter, Section

# An ingest that would remove more than this share of the library (all of it, say) is far more
# often an empty or wrong folder than an author's intent: it needs `prune` to go ahead.
PRUNE_LIMIT = 0.5


class IngestWouldPrune(Conflict):
    """The folder lacks most of the library's chapters; nothing was written."""

    def __init__(self, removing: Sequence[str], total: int, found: int) -> None:
        self.removing = list(removing)
        self.total = total
        self.found = found
        super().__init__(self.describe("prune=true"))

    def describe(self, flag: str) -> str:
        return (
            f"ingest would remove {len(self.removing)} of the {self.total} chapters in the "
            f"library (the folder has {self.found}); nothing was changed: pass {flag} "
            "to remove them"
        )


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    glossary_terms: int = 0
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


async def ingest(
    session: AsyncSession,
    root: Path,
    *,
    on_chapter: Callable[[str, int], None] | None = None,
    prune: bool = False,
) -> IngestReport:
    """Load `root` and bring the library in line with it.

    All or nothing: when any file has an error, the report lists the errors and nothing is
    written, so one broken file never removes or half-updates its chapter. Removing more than
    PRUNE_LIMIT of the library raises IngestWouldPrune, before any write, unless `prune`.
    """
    loaded = load_docs(root)
    report = IngestReport(errors=list(loaded.errors))
    glossary = _load_glossary(root, report)
    if not report.ok:
        return report
    repo = ChapterRepository(session)
    known = await repo.hashes()
    removing = sorted(known.keys() - {c.id for c in loaded.chapters})
    if not prune and len(removing) > len(known) * PRUNE_LIMIT:
        raise IngestWouldPrune(removing, len(known), len(loaded.chapters))
    await repo.replace_glossary(glossary)
    report.glossary_terms = len(glossary)
    total = len(loaded.chapters)
    for parsed in loaded.chapters:
        before = known.pop(parsed.id, None)
        if before is None:
            report.added.append(parsed.id)
        elif before != (parsed.source_hash, parsed.path):
            report.changed.append(parsed.id)
        else:
            report.unchanged.append(parsed.id)
            # Order can move when siblings are added even though the text did not change.
            await repo.set_position(parsed.id, parsed.position)
            _notify(on_chapter, parsed.id, total)
            continue
        chapter, sections = _to_rows(parsed)
        await repo.upsert(chapter, sections)
        _notify(on_chapter, parsed.id, total)
    report.removed = sorted(known)
    await repo.delete_many(report.removed)
    await session.flush()
    # In-process copies of chapters and the library are refetched from now on (a rolled-back
    # ingest costs one refetch); other processes hear of it through announce_change.
    _bump_generation()
    return report


def _load_glossary(root: Path, report: IngestReport) -> tuple[ParsedTerm, ...]:
    path = find_glossary(root)
    if path is None:
        return ()
    try:
        return parse_glossary(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        report.errors.append(LoadError(path.name, f"not valid UTF-8 at byte {exc.start}"))
    except GlossaryError as exc:
        report.errors.append(LoadError(path.name, f"glossary: {exc}"))
    return ()


def parse_chapter_id(raw: str) -> str:
    try:
        return validate_chapter_id(raw)
    except InvalidChapterId as exc:
        raise InvalidChapterIdError(f"invalid chapter id: {exc}") from None


# Cache entries built from the library (chapter titles, glossary) carry this tag; an ingest
# drops them all, so no reader of content needs to be named here.
CONTENT_TAG = "content"


# Ingests announced by this process: in-process copies of what the library derives (see
# personalization.engine) check it, so this process sees its own ingest at once.
_generation = 0


def generation() -> int:
    return _generation


def _bump_generation() -> None:
    global _generation
    _generation += 1


async def announce_change(cache: Cache) -> None:
    """Call after an ingest so the next request sees the new glossary and titles."""
    _bump_generation()
    await cache.invalidate_tags(CONTENT_TAG)


class NearChapters:
    """Chapters read for routes that generate, kept in this process for NEAR_TTL seconds: a
    chapter changes only on ingest, which this process sees at once (`generation`) and another
    process's within NEAR_TTL. One per app (AppState), so apps on other databases never share."""

    NEAR_TTL = 2.0

    def __init__(self, entries: int = 256) -> None:
        self._items: TTLCache[tuple[int, str], Chapter] = TTLCache(entries, self.NEAR_TTL)

    async def get(self, maker: async_sessionmaker[AsyncSession], raw_id: str) -> Chapter:
        """The chapter (ChapterNotFound, InvalidChapterIdError as `get_chapter`)."""
        key = (generation(), raw_id)
        if (found := self._items.get(key)) is not None:
            return found
        async with transaction(maker) as session:
            chapter = await get_chapter(session, raw_id)
        self._items[key] = chapter
        return chapter


async def get_chapter(
    session: AsyncSession, raw_id: str, *, with_sections: bool = False
) -> Chapter:
    chapter = await ChapterRepository(session).get(
        parse_chapter_id(raw_id), with_sections=with_sections
    )
    if chapter is None:
        raise ChapterNotFound(f"no chapter with id {raw_id!r}")
    return chapter


async def list_chapters(session: AsyncSession) -> tuple[Sequence[Chapter], dict[str, int]]:
    repo = ChapterRepository(session)
    return await repo.list(), await repo.section_counts()


async def chapter_hashes(session: AsyncSession) -> dict[str, str]:
    """chapter id → source hash, for whatever follows the library (the tutor's index)."""
    return {cid: h for cid, (h, _path) in (await ChapterRepository(session).hashes()).items()}


async def glossary_entries(session: AsyncSession) -> Sequence[tuple[str, str, Sequence[str]]]:
    """The library's glossary: (term, definition, aliases), in the file's order."""
    return await ChapterRepository(session).glossary()


async def library_with_sections(session: AsyncSession) -> Sequence[Chapter]:
    """Every chapter in reading order with its sections (for indexes built per ingest)."""
    return await ChapterRepository(session).list_with_sections()


async def library_fingerprint(session: AsyncSession) -> tuple[int, str]:
    """A cheap token that changes when the library does (see ChapterRepository.fingerprint)."""
    return await ChapterRepository(session).fingerprint()


async def chapter_ids_for(session: AsyncSession, names: Sequence[str]) -> dict[str, str]:
    """Which of `names` name a chapter (by id, or by Docusaurus slug without its leading
    slash): name → chapter id."""
    return await ChapterRepository(session).ids_for(names)


async def headings(session: AsyncSession) -> Sequence[tuple[str, str | None, str, int]]:
    """Every section heading of the library (chapter id, anchor, text, level), in order."""
    return await ChapterRepository(session).headings()


async def chapter_count(session: AsyncSession) -> int:
    return await ChapterRepository(session).count()


def _notify(callback: Callable[[str, int], None] | None, chapter_id: str, total: int) -> None:
    if callback is not None:
        callback(chapter_id, total)


def _to_rows(parsed: ParsedChapter) -> tuple[Chapter, list[Section]]:
    chapter = Chapter(
        id=parsed.id,
        title=parsed.title,
        slug=parsed.slug,
        path=parsed.path,
        position=parsed.position,
        front_matter=parsed.front_matter,
        source=parsed.source,
        source_hash=parsed.source_hash,
    )
    sections = [
        Section(
            chapter_id=parsed.id,
            position=position,
            anchor=s.anchor,
            title=s.heading,
            level=s.level,
            start_line=s.start_line,
            end_line=s.end_line,
            content=s.text,
        )
        for position, s in enumerate(parsed.sections)
    ]
    return chapter, sections


def chapter_row(parsed: ParsedChapter) -> Chapter:
    """The database row of one parsed chapter (with its sections), to add to a session."""
    chapter, sections = _to_rows(parsed)
    chapter.sections = sections
    return chapter
