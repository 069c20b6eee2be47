"""Admin routes for flags and experiments, and the OFREP evaluation endpoints.

OFREP routes take no SessionDep: most evaluations read nothing (definitions are in memory); a
signed-in learner's profile and traits are read in one short transaction of their own.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from tailored.accounts import service as accounts
from tailored.deps import AdminUser, MaybeBearer, SessionDep, StateDep
from tailored.errors import (
    AdminRequired,
    FlagExists,
    FlagNotFound,
    InvalidFlag,
    NotAuthenticated,
    error_responses,
)
from tailored.flags import ofrep, service
from tailored.flags.rules import evaluate
from tailored.flags.schemas import ExperimentReport, FlagChange, FlagIn, FlagOut
from tailored.kit.db import transaction
from tailored.models import Role
from tailored.signals import identity, keys
from tailored.state import AppState

router = APIRouter(prefix="/api/admin/flags", tags=["flags"])
experiments_router = APIRouter(prefix="/api/admin/experiments", tags=["flags"])
ofrep_router = APIRouter(prefix="/ofrep/v1", tags=["ofrep"])

_ADMIN = error_responses(NotAuthenticated, AdminRequired)


@router.get("", responses=_ADMIN)
async def list_flags(_admin: AdminUser, session: SessionDep) -> list[FlagOut]:
    """Every flag, by key."""
    return await service.list_flags(session)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**_ADMIN, **error_responses(FlagExists, InvalidFlag)},
)
async def create_flag(
    body: FlagIn,
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
    background: BackgroundTasks,
) -> FlagOut:
    """Create a flag (boolean: variants on/off, default off)."""
    flag = await service.create_flag(session, body)
    background.add_task(state.flags.invalidate)
    return flag


@router.get("/{key}", responses={**_ADMIN, **error_responses(FlagNotFound)})
async def get_flag(key: str, _admin: AdminUser, session: SessionDep) -> FlagOut:
    """One flag's definition."""
    return await service.get_flag(session, key)


@router.patch("/{key}", responses={**_ADMIN, **error_responses(FlagNotFound, InvalidFlag)})
async def change_flag(
    key: str,
    body: FlagChange,
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
    background: BackgroundTasks,
) -> FlagOut:
    """Change the fields sent (`enabled: false` is the kill switch); the version moves."""
    flag = await service.change_flag(session, key, body)
    background.add_task(state.flags.invalidate)
    return flag


@router.delete(
    "/{key}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_ADMIN, **error_responses(FlagNotFound)},
)
async def delete_flag(
    key: str,
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
    background: BackgroundTasks,
) -> None:
    """Delete a flag; evaluating it is then FLAG_NOT_FOUND (clients serve their default)."""
    await service.delete_flag(session, key)
    background.add_task(state.flags.invalidate)


@experiments_router.get("/{key}", responses={**_ADMIN, **error_responses(FlagNotFound)})
async def experiment_report(
    key: str,
    _admin: AdminUser,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> ExperimentReport:
    """Outcome signals (completion, time on chapter, bookmarks) per variant of a flag."""
    return await service.experiment(session, key, version)


async def _resolve(
    state: AppState, credentials: MaybeBearer, site_key: str | None, context: ofrep.Context
) -> tuple[str | None, dict[str, Any], str | None]:
    """Targeting key, attributes and the learner key to record exposures for.

    A signed-in learner is always evaluated as themselves (their id, their stored profile and
    traits win over the context); an admin may name any learner id as targetingKey; a site
    (X-API-Key: its site key) evaluates for its own users, the context as sent; anyone else is
    evaluated on the context alone and records nothing."""
    if credentials is None and site_key is None:
        return context.targeting_key, context.attributes, None
    async with transaction(state.sessionmaker) as session:
        if credentials is None:
            assert site_key is not None
            site = await keys.site_for_key(session, state.cache, site_key)
            key = context.targeting_key
            learner = identity.learner_for_site_user(site.prefix, key) if key else None
            return key, context.attributes, learner
        token = credentials.credentials
        user = await accounts.cached_user_for_token(state.settings, state.cache, token)
        if user is None:
            user = await accounts.user_for_token(session, state.settings, state.cache, token)
        if user.role is Role.admin:
            named = _as_uuid(context.targeting_key)
            if named is None:
                return context.targeting_key, context.attributes, None
            stored = await service.learner_context(session, named)
            return context.targeting_key, {**stored, **context.attributes}, str(named)
        stored = await service.learner_context(session, user.id)
    return str(user.id), {**context.attributes, **stored}, str(user.id)


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _bad(body: dict[str, Any], code: int = 400) -> JSONResponse:
    return JSONResponse(body, status_code=code)


_OFREP_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"context": {"type": "object", "additionalProperties": True}},
                }
            }
        }
    }
}


@ofrep_router.post(
    "/evaluate/flags/{key}",
    openapi_extra=_OFREP_BODY,
    responses={
        **error_responses(NotAuthenticated),
        400: {"description": "bad request: {key, errorCode, errorDetails}"},
        404: {"description": "flag not found: {key, errorCode: FLAG_NOT_FOUND, errorDetails}"},
    },
)
async def evaluate_flag(
    key: str,
    request: Request,
    state: StateDep,
    credentials: MaybeBearer,
    x_api_key: Annotated[str | None, Header(description="a site key (tailored keys)")] = None,
) -> JSONResponse:
    """OFREP single flag evaluation (server providers)."""
    try:
        context = ofrep.parse_context(await request.body())
    except ofrep.OfrepError as exc:
        return _bad({"key": key, "errorCode": exc.code, "errorDetails": exc.details})
    flags = await state.flags.current()
    flag = flags.get(key)
    if flag is None:
        return _bad(ofrep.not_found(key), 404)
    targeting_key, attributes, learner = await _resolve(state, credentials, x_api_key, context)
    try:
        evaluation = evaluate(flag, attributes, targeting_key)
    except Exception as exc:
        return _bad(ofrep.failure(key, exc))
    if learner is not None:
        state.exposures.add(learner, key, flag.version, evaluation.variant)
    return JSONResponse(ofrep.success(evaluation))


@ofrep_router.post(
    "/evaluate/flags",
    openapi_extra=_OFREP_BODY,
    responses={
        **error_responses(NotAuthenticated),
        304: {"description": "not modified (If-None-Match names the current ETag)"},
        400: {"description": "bad request: {errorCode, errorDetails}"},
    },
)
async def evaluate_flags(
    request: Request,
    state: StateDep,
    credentials: MaybeBearer,
    if_none_match: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header(description="a site key (tailored keys)")] = None,
) -> Response:
    """OFREP bulk evaluation (client providers): every flag, with an ETag."""
    try:
        context = ofrep.parse_context(await request.body())
    except ofrep.OfrepError as exc:
        return _bad({"errorCode": exc.code, "errorDetails": exc.details})
    flags = await state.flags.current()
    targeting_key, attributes, learner = await _resolve(state, credentials, x_api_key, context)
    items = []
    for key, result in service.evaluate_all(flags, attributes, targeting_key).items():
        if isinstance(result, Exception):
            items.append(ofrep.failure(key, result))
            continue
        items.append(ofrep.success(result))
        if learner is not None:
            state.exposures.add(learner, key, flags[key].version, result.variant)
    payload = json.dumps({"flags": items}, separators=(",", ":")).encode()
    tag = ofrep.etag(payload)
    if ofrep.etag_matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(payload, media_type="application/json", headers={"ETag": tag})


@ofrep_router.get("/configuration")
async def configuration(state: StateDep) -> dict[str, Any]:
    """OFREP provider configuration: polling is supported, every value type is."""
    interval = max(1000, int(state.settings.flags.refresh_seconds * 1000))
    return {
        "name": "tailored",
        "capabilities": {
            "cacheInvalidation": {"polling": {"enabled": True, "minPollingIntervalMs": interval}},
            "flagEvaluation": {"supportedTypes": ["boolean", "string", "int", "float", "object"]},
        },
    }
