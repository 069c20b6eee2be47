"""Tutor routes: conversations with answers cited from the book, search, and figures."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from tailored.accounts import service as accounts
from tailored.content.service import parse_chapter_id
from tailored.deps import AdminUser, MaybeBearer, SessionDep, StateDep
from tailored.errors import (
    AdminRequired,
    AppError,
    InvalidChapterIdError,
    NotAuthenticated,
    error_responses,
)
from tailored.kit.db import transaction
from tailored.kit.paging import Limit, Offset
from tailored.state import AppState
from tailored.tutor import service
from tailored.tutor.engine import Delta, Outcome, Refs
from tailored.tutor.identity import COOKIE, Asker, new_cookie, read_cookie
from tailored.tutor.schemas import (
    ConversationIn,
    ConversationList,
    ConversationOut,
    ConversationSummary,
    MessageIn,
    MessageOut,
    SearchOut,
    SearchResult,
    TutorStats,
)
from tailored.tutor.search import search

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["tutor"])
ERRORS = error_responses(
    NotAuthenticated, service.ConversationNotFound, InvalidChapterIdError, service.TooManyQuestions
)


@dataclass
class Who:
    asker: Asker
    # A cookie to set (a new anonymous reader) or to clear (merged into an account).
    set_cookie: str | None = None
    clear_cookie: bool = False
    # Served over HTTPS: the cookie is never sent in the clear.
    secure: bool = False

    def apply(self, response: Response, max_age: int) -> None:
        if self.set_cookie is not None:
            response.set_cookie(
                COOKIE,
                self.set_cookie,
                max_age=max_age,
                httponly=True,
                samesite="lax",
                secure=self.secure,
                path="/api/tutor",
            )
        elif self.clear_cookie:
            response.delete_cookie(COOKIE, path="/api/tutor")


async def get_who(request: Request, state: StateDep, credentials: MaybeBearer) -> Who:
    """The learner (bearer token) or anonymous reader (signed cookie) asking.

    A reader who signs in keeps what they asked anonymously: the first tutor request with both
    a token and the cookie moves those conversations to the account and clears the cookie."""
    secret = state.settings.secret_key.get_secret_value()
    anon_id = read_cookie(request.cookies.get(COOKIE), secret)
    ip = request.client.host if request.client else "unknown"
    secure = request.url.scheme == "https"
    if credentials is None:
        return Who(Asker(None, anon_id, ip), secure=secure)
    token = credentials.credentials
    user = await accounts.cached_user_for_token(state.settings, state.cache, token)
    if user is None:
        async with transaction(state.sessionmaker) as session:
            user = await accounts.user_for_token(session, state.settings, state.cache, token)
    who = Who(Asker(user.id, None, ip), secure=secure)
    # A DELETE's request transaction already holds the writer turn: merge on the next request.
    if anon_id is not None and request.method != "DELETE":
        await service.adopt_anonymous(state.sessionmaker, anon_id, user.id)
        who.clear_cookie = True
    return who


WhoDep = Annotated[Who, Depends(get_who)]


def _anonymous_cookie(who: Who, state: AppState) -> Who:
    """An anonymous reader without a cookie gets one when they start a conversation."""
    if who.asker.user_id is None and who.asker.anon_id is None:
        anon_id, value = new_cookie(state.settings.secret_key.get_secret_value())
        return Who(Asker(None, anon_id, who.asker.ip), set_cookie=value, secure=who.secure)
    return who


def _chapter(raw: str | None) -> str | None:
    return None if raw is None else parse_chapter_id(raw)


def _max_age(state: AppState) -> int:
    return state.settings.tutor.anonymous_retention_days * 24 * 3600


@router.post("/tutor/conversations", status_code=201, responses=ERRORS)
async def create_conversation(
    body: ConversationIn, who: WhoDep, state: StateDep, response: Response
) -> ConversationOut:
    """Start a conversation, answering its first question when one is given."""
    chapter_id = _chapter(body.chapter_id)
    who = _anonymous_cookie(who, state)
    who.apply(response, _max_age(state))
    if body.question is not None:
        await service.check_rate(state.cache, state.settings.tutor, who.asker)
    title = service.title_of(body.question) if body.question else ""
    conversation = await service.start(state.sessionmaker, who.asker, title)
    messages = []
    if body.question is not None:
        question, answer = await _ask(state, who.asker, conversation.id, body.question, chapter_id)
        messages = [question, answer]
    return ConversationOut(
        id=conversation.id,
        title=conversation.title,
        created_at=conversation.created_at,
        updated_at=messages[-1].created_at if messages else conversation.updated_at,
        messages=messages,
    )


async def _ask(
    state: AppState, asker: Asker, conversation_id: uuid.UUID, text: str, chapter_id: str | None
) -> tuple[MessageOut, MessageOut]:
    question, history = await service.ask(
        state.sessionmaker,
        asker,
        conversation_id,
        text,
        history_turns=state.settings.tutor.history_turns,
    )
    learner = await service.learner_of(state.sessionmaker, asker.user_id)
    outcome: Outcome | None = None
    async for event in state.tutor.answer(
        text, chapter_id=chapter_id, history=history, learner=learner, user_id=asker.user_id
    ):
        if isinstance(event, Outcome):
            outcome = event
    assert outcome is not None
    answer = await service.answered(state.sessionmaker, conversation_id, outcome, chapter_id)
    return MessageOut.model_validate(question), MessageOut.model_validate(answer)


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/tutor/conversations/{conversation_id}/messages",
    responses={
        **ERRORS,
        200: {
            "content": {"application/json": {}, "text/event-stream": {}},
            "description": "The answer. With `Accept: text/event-stream`: a `refs` event (the "
            "sections retrieved, as citations), `delta` events ({text}), then `done` (the "
            "stored answer: its `content` replaces the deltas, its `citations` are the "
            "sections it cites). A failure after the stream began is an `error` event.",
        },
    },
)
async def post_message(
    conversation_id: uuid.UUID, body: MessageIn, who: WhoDep, state: StateDep, request: Request
) -> Response:
    """Ask a question in one of my conversations; the tutor's answer cites its sections."""
    chapter_id = _chapter(body.chapter_id)
    await service.check_rate(state.cache, state.settings.tutor, who.asker)
    if "text/event-stream" not in request.headers.get("accept", ""):
        _q, answer = await _ask(state, who.asker, conversation_id, body.content, chapter_id)
        response = Response(answer.model_dump_json(), media_type="application/json")
        who.apply(response, _max_age(state))
        return response
    _question, history = await service.ask(
        state.sessionmaker,
        who.asker,
        conversation_id,
        body.content,
        history_turns=state.settings.tutor.history_turns,
    )
    learner = await service.learner_of(state.sessionmaker, who.asker.user_id)

    async def events() -> AsyncIterator[str]:
        try:
            async for event in state.tutor.answer(
                body.content,
                chapter_id=chapter_id,
                history=history,
                learner=learner,
                user_id=who.asker.user_id,
            ):
                if isinstance(event, Refs):
                    yield _sse("refs", [c.as_dict() for c in event.citations])
                elif isinstance(event, Delta):
                    yield _sse("delta", {"text": event.text})
                else:
                    stored = await service.answered(
                        state.sessionmaker, conversation_id, event, chapter_id
                    )
                    yield _sse("done", MessageOut.model_validate(stored).model_dump(mode="json"))
        except AppError as exc:
            yield _sse("error", {"error": type(exc).__name__, "detail": exc.detail})
        except Exception:
            log.exception("tutor stream failed")
            yield _sse("error", {"error": "InternalError", "detail": "stream failed"})

    streaming = StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
    who.apply(streaming, _max_age(state))
    return streaming


@router.get("/tutor/conversations", responses=ERRORS)
async def list_conversations(
    who: WhoDep, session: SessionDep, state: StateDep, response: Response
) -> ConversationList:
    """My conversations, most recent first."""
    who.apply(response, _max_age(state))
    found = await service.list_conversations(session, who.asker)
    return ConversationList(conversations=[ConversationSummary.model_validate(c) for c in found])


@router.get("/tutor/conversations/{conversation_id}", responses=ERRORS)
async def get_conversation(
    conversation_id: uuid.UUID,
    who: WhoDep,
    session: SessionDep,
    state: StateDep,
    response: Response,
) -> ConversationOut:
    """One of my conversations with all its messages."""
    who.apply(response, _max_age(state))
    return await service.get_conversation(session, who.asker, conversation_id)


@router.delete("/tutor/conversations/{conversation_id}", status_code=204, responses=ERRORS)
async def delete_conversation(
    conversation_id: uuid.UUID, who: WhoDep, session: SessionDep
) -> Response:
    """Delete one of my conversations."""
    await service.delete_conversation(session, who.asker, conversation_id)
    return Response(status_code=204)


@router.get("/search")
async def search_sections(
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Limit = 10,
    offset: Offset = 0,
) -> SearchOut:
    """Sections of the book matching `q`, best first (the reader's search box; at most the
    best 1,000)."""
    index = await state.tutor.library.follow(state.sessionmaker)
    return SearchOut(results=[SearchResult(**r) for r in search(index, q, limit, offset)])


@router.get("/admin/stats/tutor", responses=error_responses(NotAuthenticated, AdminRequired))
async def tutor_stats(
    _admin: AdminUser, session: SessionDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> TutorStats:
    """Questions asked and left unanswered, per chapter: where the book falls short."""
    return await service.stats(session, days=days)
