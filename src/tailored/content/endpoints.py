from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import PlainTextResponse

from tailored.content import service
from tailored.content.ids import CHAPTER_ID_PATTERN, MAX_CHAPTER_ID_LENGTH
from tailored.content.schemas import ChapterOut, ChapterSummary, IngestOut, LoadErrorOut
from tailored.deps import AdminUser, CacheDep, SessionDep, SettingsDep, StateDep
from tailored.errors import (
    AdminRequired,
    BadRequest,
    ChapterNotFound,
    InvalidChapterIdError,
    NotAuthenticated,
    UnprocessableInput,
    error_responses,
)
from tailored.models import Chapter

router = APIRouter(prefix="/api", tags=["content"])
CHAPTER_ERRORS = error_responses(ChapterNotFound, InvalidChapterIdError)

# Published, not enforced here: the service refuses the rest with InvalidChapterIdError,
# whose messages say what is wrong (a test keeps the pattern and the check in step).
ChapterId = Annotated[
    str,
    Path(
        description="A doc id such as ros2/nodes-and-topics.",
        json_schema_extra={"pattern": CHAPTER_ID_PATTERN, "maxLength": MAX_CHAPTER_ID_LENGTH},
    ),
]


async def chapter_with_sections(chapter_id: ChapterId, session: SessionDep) -> Chapter:
    return await service.get_chapter(session, chapter_id, with_sections=True)


async def chapter_only(chapter_id: ChapterId, session: SessionDep) -> Chapter:
    return await service.get_chapter(session, chapter_id)


ChapterDep = Annotated[Chapter, Depends(chapter_only)]


async def chapter_brief(chapter_id: ChapterId, state: StateDep) -> Chapter:
    """The chapter, read in a short transaction of its own (routes that generate), or kept
    near for a moment (see service.NearChapters)."""
    return await state.chapters.get(state.sessionmaker, chapter_id)


ChapterBrief = Annotated[Chapter, Depends(chapter_brief)]


@router.get("/chapters")
async def list_chapters(session: SessionDep) -> list[ChapterSummary]:
    """Every chapter in reading order."""
    chapters, counts = await service.list_chapters(session)
    return [
        ChapterSummary(
            id=c.id,
            title=c.title,
            slug=c.slug,
            path=c.path,
            position=c.position,
            source_hash=c.source_hash,
            section_count=counts.get(c.id, 0),
            updated_at=c.updated_at,
        )
        for c in chapters
    ]


# Declared before the catch-all route below: `{chapter_id:path}` would otherwise swallow "/raw".
@router.get(
    "/chapters/{chapter_id:path}/raw",
    # No response class media type: errors stay JSON in the document, as they are sent.
    response_class=Response,
    responses={
        200: {
            "description": "The Markdown source.",
            "content": {"text/markdown": {"schema": {"type": "string"}}},
            "headers": {
                "ETag": {"description": "The source hash, quoted.", "schema": {"type": "string"}}
            },
        },
        **CHAPTER_ERRORS,
    },
)
async def get_chapter_raw(chapter: ChapterDep) -> PlainTextResponse:
    """The chapter's Markdown source, byte for byte."""
    return PlainTextResponse(
        chapter.source,
        media_type="text/markdown; charset=utf-8",
        headers={"ETag": f'"{chapter.source_hash}"'},
    )


@router.get("/chapters/{chapter_id:path}", responses=CHAPTER_ERRORS)
async def get_chapter(
    chapter: Annotated[Chapter, Depends(chapter_with_sections)],
) -> ChapterOut:
    """One chapter with its front matter, sections and raw Markdown."""
    return ChapterOut.model_validate(chapter)


@router.post(
    "/admin/ingest",
    responses=error_responses(
        NotAuthenticated, AdminRequired, BadRequest, service.IngestWouldPrune, UnprocessableInput
    ),
)
async def ingest(
    _admin: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    prune: Annotated[
        bool, Query(description="Allow removing more than half of the library's chapters.")
    ] = False,
) -> IngestOut:
    """Re-ingest the configured content folder (admin). Any file error writes nothing; removing
    more than half of the library is a 409 unless `prune=true`."""
    if settings.content_dir is None:
        raise BadRequest("no content folder configured (TAILORED_CONTENT_DIR)")
    report = await service.ingest(session, settings.content_dir, prune=prune)
    out = IngestOut(
        added=report.added,
        changed=report.changed,
        unchanged=report.unchanged,
        removed=report.removed,
        errors=[LoadErrorOut(path=e.path, message=e.message) for e in report.errors],
    )
    if not report.ok:
        raise UnprocessableInput(out.model_dump())
    await service.announce_change(cache)
    return out
