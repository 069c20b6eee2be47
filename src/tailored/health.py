"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tailored.content import service as content
from tailored.deps import StateDep
from tailored.kit import migrate
from tailored.state import AppState

# Liveness must answer fast even while Redis does not.
CACHE_PING_SECONDS = 0.5
router = APIRouter(tags=["operations"])

# A probe must answer well within an orchestrator's timeout, even when a backend hangs.
CHECK_SECONDS = 2.0


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, Check]


@router.get("/healthz")
async def healthz(state: StateDep) -> dict[str, str]:
    """Liveness: the process answers (no database); "cache" is "degraded" while it serves
    without Redis (the cache's own view of the outage: no wait on a dead server)."""
    try:
        up = await asyncio.wait_for(state.cache.ping(), CACHE_PING_SECONDS)
    except (TimeoutError, OSError):
        up = False
    return {"status": "ok", "cache": "ok" if up else "degraded"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A check failed; the body names it."}},
)
async def readyz(state: StateDep) -> JSONResponse:
    """Readiness: database reachable and migrated, cache reachable, content loaded."""
    body = await readiness(state)
    status = 200 if body.status == "ready" else 503
    return JSONResponse(body.model_dump(), status_code=status)


async def readiness(state: AppState) -> Readiness:
    names = ("database", "cache", "content")
    results = await asyncio.gather(
        _timed(_database(state)), _timed(_cache(state)), _timed(_content(state))
    )
    checks = dict(zip(names, results, strict=True))
    ready = all(check.ok for check in checks.values())
    return Readiness(status="ready" if ready else "not ready", checks=checks)


async def _timed(check: Awaitable[Check]) -> Check:
    try:
        return await asyncio.wait_for(check, CHECK_SECONDS)
    except TimeoutError:
        return Check(ok=False, detail=f"no answer within {CHECK_SECONDS:g} s")


async def _database(state: AppState) -> Check:
    try:
        status = await migrate.schema_status(state.engine)
    except migrate.DatabaseUnreachable as exc:
        return Check(ok=False, detail=f"unreachable: {exc.reason}")
    except Exception as exc:  # noqa: BLE001 - any failure here means "not ready", named
        return Check(ok=False, detail=f"cannot read the schema revision: {type(exc).__name__}")
    if status.problem is not None:
        return Check(ok=False, detail=status.problem)
    return Check(ok=True, detail=f"at revision {', '.join(sorted(status.current))}")


async def _cache(state: AppState) -> Check:
    if await state.cache.ping():
        return Check(ok=True, detail="answers")
    return Check(ok=False, detail="unreachable (check TAILORED_CACHE_URL)")


async def _content(state: AppState) -> Check:
    try:
        async with state.sessionmaker() as session:
            count = await content.chapter_count(session)
    except Exception as exc:  # noqa: BLE001 - any failure here means "not ready", named
        return Check(ok=False, detail=f"cannot count chapters: {type(exc).__name__}")
    if count == 0:
        return Check(ok=False, detail="no chapters: run `tailored ingest DIR`")
    return Check(ok=True, detail=f"{count} chapters")
