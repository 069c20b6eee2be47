"""The FastAPI application. Nothing is built at import: `create_app(settings)` wires routers and
error handlers, and the lifespan builds engines, cache and the rest of AppState."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tailored import __version__
from tailored.accounts.endpoints import router as accounts_router
from tailored.analytics.endpoints import router as analytics_router
from tailored.config import Environment, Settings
from tailored.content.endpoints import router as content_router
from tailored.errors import AppError
from tailored.flags.endpoints import experiments_router, ofrep_router
from tailored.flags.endpoints import router as flags_router
from tailored.health import router as health_router
from tailored.kit.db import transaction
from tailored.kit.migrate import upgrade_async
from tailored.openapi import install as install_openapi
from tailored.personalization.endpoints import router as personalization_router
from tailored.privacy.endpoints import router as privacy_router
from tailored.profiles.endpoints import router as profiles_router
from tailored.recommendations.endpoints import router as recommendations_router
from tailored.signals import rebuild as signals_rebuild
from tailored.signals.endpoints import router as signals_router
from tailored.signals.segment.endpoints import router as segment_router
from tailored.state import AppState
from tailored.stream.endpoints import router as stream_router
from tailored.translation.endpoints import router as translation_router
from tailored.tutor.endpoints import router as tutor_router
from tailored.web.endpoints import router as web_router

log = logging.getLogger("tailored")


async def _check_signals(state: AppState) -> None:
    """Warn when stored scores were computed with other weights or half-life than these."""
    try:
        async with transaction(state.sessionmaker, write=True) as session:
            problem = await signals_rebuild.check(session, state.settings.signals)
    except Exception as exc:  # noqa: BLE001 - a check, not a reason to refuse to start
        log.warning("could not check the signals settings: %s", exc)
        return
    if problem:
        log.warning("signals: %s", problem)


def create_app(settings: Settings, *, state: AppState | None = None) -> FastAPI:
    """Build the app. Tests pass a prepared `state` to share engines and transactions."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = state is None
        app_state = state or AppState.build(settings)
        if owned and settings.should_auto_migrate:
            await upgrade_async(app_state.engine)
        app.state.tailored = app_state
        if owned:
            await _check_signals(app_state)
            app_state.recorder.start()
            app_state.exposures.start()
            if settings.stream.relay_in_serve:
                app_state.relay.start()
            # Start-up objects live forever; keeping them out of full collections removed
            # 30-60 ms pauses that stalled every request in flight (see bench/RESULTS.md).
            gc.freeze()
        try:
            yield
        finally:
            if owned:
                await app_state.close()

    docs = settings.api_docs
    if docs is None:
        docs = settings.environment is not Environment.production
    app = FastAPI(
        title="Tailored",
        version=__version__,
        summary="Every chapter of your docs, adapted to each learner.",
        lifespan=lifespan,
        # Without the schema FastAPI serves neither /docs nor /redoc.
        openapi_url="/openapi.json" if docs else None,
    )
    if state is not None:
        app.state.tailored = state
    _install_error_handlers(app)
    install_openapi(app, settings)
    # Before content: GET /chapters/{id}/session and /html must win over the chapter catch-all.
    for router in (
        accounts_router,
        privacy_router,
        profiles_router,
        signals_router,
        segment_router,
        personalization_router,
        recommendations_router,
        analytics_router,
        flags_router,
        experiments_router,
        stream_router,
        ofrep_router,
        web_router,
        translation_router,
        tutor_router,
        content_router,
    ):
        app.include_router(router)
    app.include_router(health_router)

    return app


def _error(
    status: int, name: str, detail: object, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": name, "detail": detail}, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_request: Request, exc: AppError) -> JSONResponse:
        return _error(exc.status_code, exc.name, exc.detail, exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return _error(422, "ValidationError", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot decode (bad UTF-8, nesting too deep): a
            # malformed payload like any other, so the documented 422.
            problem = {"loc": ["body"], "msg": "the body is not JSON text", "type": "json_invalid"}
            return _error(422, "ValidationError", [problem])
        names = {404: "NotFound", 405: "MethodNotAllowed", 401: "NotAuthenticated"}
        name = names.get(exc.status_code, "HTTPError")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; list them all.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _error(exc.status_code, name, exc.detail, headers or None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with the trace for operators; the client never sees internals.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Starlette re-raises after this response and uvicorn then drops the connection;
        # saying so lets a keep-alive client send its next request on a new one.
        return _error(500, "InternalError", "internal server error", {"Connection": "close"})


def _allowed_methods(request: Request) -> list[str]:
    # Asks the router, method by method, which would answer this path: included routers keep
    # their routes to themselves, so reading `methods` off the top-level routes is not enough.
    allowed = []
    for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"):
        scope = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "headers": [],
            "query_string": b"",
        }
        if any(r.matches(scope)[0] is Match.FULL for r in request.app.router.routes):
            allowed.append(method)
    return allowed


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from TAILORED_* and the config file."""
    from tailored.config import load_settings

    return create_app(load_settings())
