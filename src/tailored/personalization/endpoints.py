from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tailored.content.endpoints import CHAPTER_ERRORS, ChapterDep
from tailored.deps import AdminUser, CurrentUser, PersonalizerDep, SessionDep
from tailored.errors import AdminRequired, NotAuthenticated, error_responses
from tailored.personalization import service
from tailored.personalization.engine import Personalized
from tailored.personalization.schemas import (
    HistoryItem,
    PersonalizedOut,
    PersonalizeForProfileIn,
    SessionIn,
    SessionOut,
    TransformationOut,
    VerificationOut,
)
from tailored.personalization.service import ProfileIncomplete

router = APIRouter(prefix="/api", tags=["personalization"])
LEARNER_ERRORS = {**CHAPTER_ERRORS, **error_responses(NotAuthenticated, ProfileIncomplete)}


def _out(result: Personalized) -> PersonalizedOut:
    return PersonalizedOut(
        chapter_id=result.chapter_id,
        adapter=result.adapter,
        audience_key=result.audience_key,
        content=result.content,
        applied_transformations=[
            TransformationOut(name=t.name, detail=t.detail) for t in result.applied
        ],
        cached=result.cached,
        verification=VerificationOut(ok=result.verified, issues=list(result.issues)),
        warning=result.warning,
    )


@router.post(
    "/chapters/{chapter_id:path}/personalize",
    response_model=PersonalizedOut,
    responses=LEARNER_ERRORS,
)
async def personalize(
    chapter: ChapterDep, user: CurrentUser, session: SessionDep, personalizer: PersonalizerDep
) -> Response:
    """The chapter adapted to my profile, with the transformations applied."""
    result = await service.personalize_for_user(session, personalizer, chapter, user)
    # Serialized once here: letting FastAPI re-validate the model cost a tenth of a cached
    # request (bench/bench_cached_http.py).
    return Response(_out(result).model_dump_json(), media_type="application/json")


@router.get("/chapters/{chapter_id:path}/session", responses=LEARNER_ERRORS)
async def get_session_mode(
    chapter: ChapterDep, user: CurrentUser, session: SessionDep
) -> SessionOut:
    """Whether I left this chapter personalized (true) or original (false)."""
    active = await service.get_mode(session, user.id, chapter.id)
    return SessionOut(chapter_id=chapter.id, active=active)


@router.put("/chapters/{chapter_id:path}/session", responses=LEARNER_ERRORS)
async def set_session_mode(
    body: SessionIn, chapter: ChapterDep, user: CurrentUser, session: SessionDep
) -> SessionOut:
    """Remember whether I read this chapter personalized or original."""
    await service.set_mode(session, user.id, chapter.id, body.active)
    return SessionOut(chapter_id=chapter.id, active=body.active)


@router.get("/me/personalizations", responses=error_responses(NotAuthenticated))
async def my_history(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[HistoryItem]:
    """The chapters I personalized, newest first."""
    rows = await service.history(session, user.id, limit=limit, offset=offset)
    return [HistoryItem.model_validate(r) for r in rows]


@router.post(
    "/admin/chapters/{chapter_id:path}/personalize",
    responses={**CHAPTER_ERRORS, **error_responses(NotAuthenticated, AdminRequired)},
)
async def personalize_for_profile(
    body: PersonalizeForProfileIn,
    chapter: ChapterDep,
    _admin: AdminUser,
    session: SessionDep,
    personalizer: PersonalizerDep,
) -> PersonalizedOut:
    """The chapter adapted to the profile in the body (admin; for sites with their own users)."""
    result = await personalizer.personalize(session, chapter, body.profile, user_id=None)
    return _out(result)
