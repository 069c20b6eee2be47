from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from tailored.content.endpoints import (
    CHAPTER_ERRORS,
    ChapterBrief,
    ChapterDep,
    ChapterId,
    chapter_brief,
)
from tailored.deps import (
    AdminUserBrief,
    CurrentUser,
    CurrentUserBrief,
    MaybeBearer,
    SessionDep,
    StateDep,
    get_current_user_brief,
)
from tailored.derived.schemas import api_fields
from tailored.errors import (
    AdminRequired,
    AppError,
    NotAuthenticated,
    ProfileIncomplete,
    error_responses,
)
from tailored.kit.paging import Limit, Offset
from tailored.markdown.render import render_html_async
from tailored.personalization import service
from tailored.personalization.engine import Personalized
from tailored.personalization.schemas import (
    HistoryItem,
    PersonalizedOut,
    PersonalizeForProfileIn,
    SessionIn,
    SessionOut,
)
from tailored.personalization.streaming import stream
from tailored.profiles.schemas import ProfileData
from tailored.signals.identity import learner_for_user
from tailored.state import AppState

log = logging.getLogger("tailored.personalization")
router = APIRouter(prefix="/api", tags=["personalization"])
LEARNER_ERRORS = {**CHAPTER_ERRORS, **error_responses(NotAuthenticated, ProfileIncomplete)}


async def learner_profile_brief(user: CurrentUserBrief, state: StateDep) -> ProfileData:
    """My completed profile (else 403), without the request's session."""
    return await service.learner_profile_briefly(state.sessionmaker, state.cache, user)


LearnerProfile = Annotated[ProfileData, Depends(learner_profile_brief)]


def _out(result: Personalized) -> PersonalizedOut:
    return PersonalizedOut.model_validate(api_fields(result))


@router.post(
    "/chapters/{chapter_id:path}/personalize",
    response_model=PersonalizedOut,
    responses=LEARNER_ERRORS,
)
async def personalize(
    chapter_id: ChapterId,
    request: Request,
    credentials: MaybeBearer,
    html: Annotated[bool, Query(description="Also return sanitized HTML (the reader).")] = False,
) -> Response:
    """The chapter adapted to my profile, with the transformations applied."""
    # The hottest route resolves its inputs here, in the order the dependencies would (chapter,
    # then token, then profile): FastAPI's work per dependency was a quarter of a cached
    # request's CPU (bench/RESULTS.md).
    state: AppState = request.app.state.tailored
    chapter = await chapter_brief(chapter_id, state)
    if credentials is None:
        raise NotAuthenticated()
    user = await get_current_user_brief(state, credentials)
    profile = await learner_profile_brief(user, state)
    # The personalization flag, when set, picks this learner's adapter (AppState).
    personalizer = await state.personalizer_for(learner_for_user(user.id), profile)
    result = await personalizer.personalize(chapter, profile, user_id=user.id)
    out = _out(result)
    if html:
        out.html = await render_html_async(result.content)
    # Serialized once here: letting FastAPI re-validate the model cost a tenth of a cached
    # request (bench/bench_cached_http.py).
    return Response(out.model_dump_json(), media_type="application/json")


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/chapters/{chapter_id:path}/personalize/stream",
    response_class=StreamingResponse,
    responses={
        **LEARNER_ERRORS,
        200: {
            "content": {"text/event-stream": {}},
            "description": "`section` events ({index, anchor, content}) in reading order as "
            "each is ready, then one `done` event (audience_key, cached, "
            "applied_transformations, verification, warning; `content` when the sections "
            "sent must be replaced). A failure after the stream began is an `error` event.",
        },
    },
)
async def personalize_stream(
    chapter: ChapterBrief,
    user: CurrentUserBrief,
    profile: LearnerProfile,
    state: StateDep,
) -> StreamingResponse:
    """The chapter adapted to me, streamed as Server-Sent Events, section by section."""
    user_id = user.id
    personalizer = await state.personalizer_for(learner_for_user(user_id), profile)

    async def events() -> AsyncIterator[str]:
        try:
            async for name, data in stream(personalizer, chapter, profile, user_id=user_id):
                yield _sse(name, data)
        except AppError as exc:
            yield _sse("error", {"error": type(exc).__name__, "detail": exc.detail})
        except Exception:
            log.exception("personalization stream failed for %s", chapter.id)
            yield _sse("error", {"error": "InternalError", "detail": "stream failed"})

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


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
    limit: Limit = 50,
    offset: Offset = 0,
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
    chapter: ChapterBrief,
    _admin: AdminUserBrief,
    state: StateDep,
) -> PersonalizedOut:
    """The chapter adapted to the profile in the body (admin; for sites with their own users).
    With `learner`, the personalization flag picks the adapter for that learner."""
    learner = body.learner
    # A site's user ("s:<site>:<id>") is split on their id, the targeting key a site sends OFREP.
    parts = learner.split(":", 2) if learner else []
    site_user = parts[2] if len(parts) == 3 and parts[0] == "s" and parts[2] else None
    personalizer = await state.personalizer_for(learner, body.profile, targeting_key=site_user)
    result = await personalizer.personalize(chapter, body.profile, user_id=None)
    return _out(result)
