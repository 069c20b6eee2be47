"""What every command shares: settings from the global options, the database check, and one
place that turns any error into `tailored: <one line>` and a documented exit code."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.core import TyperGroup

from tailored.config import Settings, load_settings
from tailored.errors import AppError
from tailored.kit import migrate
from tailored.kit.cache import create_cache
from tailored.kit.db import create_engine
from tailored.state import AppState

T = TypeVar("T")
err_console = Console(stderr=True)
console = Console()


class ExitCode(enum.IntEnum):
    """What `tailored` exits with; the table is in `tailored --help` and the README."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNREACHABLE = 3
    NOT_MIGRATED = 4
    REFUSED = 5


EXIT_CODES_HELP = """Exit codes (errors are one line on stderr; --debug shows the traceback):
  0  done
  1  the operation failed
  2  bad input or usage: options, configuration, chapter id, profile
  3  database or cache unreachable
  4  database not migrated: run `tailored db upgrade`
  5  refused as unsafe: ingest would remove most of the library (pass --prune)
"""


def fail(message: str, code: int = ExitCode.FAILED) -> NoReturn:
    """Print one line to stderr and exit: no stack traces for people."""
    line = " ".join(message.split("\n"))
    err_console.print(f"[red]tailored:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    line = " ".join(message.split("\n"))
    err_console.print(
        f"[yellow]tailored: warning:[/yellow] {escape(line)}", highlight=False, soft_wrap=True
    )


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def describe(exc: Exception) -> tuple[ExitCode, str]:
    """The exit code and the one line for an error no command handled itself."""
    if isinstance(exc, migrate.DatabaseUnreachable):
        return ExitCode.UNREACHABLE, f"database unreachable: {exc} (check TAILORED_DATABASE_URL)"
    if isinstance(exc, migrate.SchemaNotCurrent):
        return ExitCode.NOT_MIGRATED, str(exc)
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return (
            ExitCode.UNREACHABLE,
            f"cache unreachable: {_first_line(exc)} (check TAILORED_CACHE_URL)",
        )
    if isinstance(exc, AppError):
        return ExitCode.FAILED, str(exc.detail)
    if isinstance(exc, DBAPIError):
        return ExitCode.FAILED, f"database error: {_first_line(exc.orig or exc)}"
    return (
        ExitCode.FAILED,
        f"{type(exc).__name__}: {_first_line(exc)} (run with --debug for the traceback)",
    )


class CliGroup(TyperGroup):
    """The root group: every command runs inside `invoke`, so its errors end here."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # exits, usage errors and aborts: typer reports these itself
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            code, message = describe(exc)
            fail(message, code)


def settings_from(ctx: typer.Context, **overrides: Any) -> Settings:
    config_file: Path | None = (ctx.obj or {}).get("config_file")
    try:
        return load_settings(config_file, **{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        fail(f"invalid configuration: {where}: {first.get('msg')}", ExitCode.USAGE)
    except ValueError as exc:
        fail(f"invalid configuration: {exc}", ExitCode.USAGE)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _build_state(settings: Settings) -> AppState:
    try:
        return AppState.build(settings)
    except ValueError as exc:  # a database or cache URL no backend takes
        fail(f"invalid configuration: {exc}", ExitCode.USAGE)


@asynccontextmanager
async def open_state(settings: Settings) -> AsyncIterator[AppState]:
    """The app's resources for one command, once the database answers and is at head."""
    state = _build_state(settings)
    try:
        await migrate.require_head(state.engine)
        yield state
    finally:
        await state.close()


def _engine_for(settings: Settings) -> AsyncEngine:
    try:
        return create_engine(settings.database_url)
    except ValueError as exc:
        fail(f"invalid configuration: {exc}", ExitCode.USAGE)


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Migrate to `revision`; an unreachable database or one ahead of this code is an error."""

    async def _upgrade() -> None:
        engine = _engine_for(settings)
        try:
            status = await migrate.schema_status(engine)
            if status.current - status.known:
                raise migrate.SchemaNotCurrent(status)
            await migrate.upgrade_async(engine, revision)
        finally:
            await engine.dispose()

    run(_upgrade())


def check_database(settings: Settings) -> None:
    """Raise unless the database answers and is at head (for commands that do not migrate)."""

    async def _check() -> None:
        engine = _engine_for(settings)
        try:
            await migrate.require_head(engine)
        finally:
            await engine.dispose()

    run(_check())


CACHE_PING_SECONDS = 3.0


def cache_problem(settings: Settings) -> str | None:
    """None when the cache answers a ping; else one line saying which cache did not."""

    try:
        cache = create_cache(settings.cache_url, namespace=settings.cache_namespace)
    except ValueError as exc:
        fail(f"invalid configuration: {exc}", ExitCode.USAGE)

    async def _ping() -> bool:
        try:
            return await asyncio.wait_for(cache.ping(), CACHE_PING_SECONDS)
        except TimeoutError:
            return False
        finally:
            await cache.close()

    if run(_ping()):
        return None
    where = make_url(settings.cache_url).render_as_string(hide_password=True)
    return f"cache unreachable at {where} (check TAILORED_CACHE_URL)"
