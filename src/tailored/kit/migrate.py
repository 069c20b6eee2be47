"""Alembic driven from code, so `tailored db upgrade` works from an installed package; and the
schema check that tells a process whether the database it was given is usable."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tailored.kit.db import normalize_url

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"
UPGRADE_HINT = "run `tailored db upgrade`"


class DatabaseUnreachable(Exception):
    """No connection to the database: wrong URL, server down, no such database or folder."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


class SchemaNotCurrent(Exception):
    """The database answers but its schema is not the one this code expects."""

    def __init__(self, status: SchemaStatus) -> None:
        self.status = status
        super().__init__(status.problem or "schema is current")


@dataclass(frozen=True)
class SchemaStatus:
    """The database's Alembic revisions against this code's heads."""

    current: frozenset[str]
    heads: frozenset[str]
    known: frozenset[str]

    @property
    def at_head(self) -> bool:
        return self.current == self.heads

    @property
    def problem(self) -> str | None:
        """One line saying what is wrong and what to do; None at head."""
        if self.at_head:
            return None
        if not self.current:
            return f"database not migrated (no schema): {UPGRADE_HINT}"
        unknown = self.current - self.known
        if unknown:
            return (
                f"database is at revision {_names(unknown)}, which this version of Tailored "
                "does not know (migrated by a newer version?): upgrade Tailored"
            )
        return (
            f"database at revision {_names(self.current)}, not the newest "
            f"{_names(self.heads)}: {UPGRADE_HINT}"
        )


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions))


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Date-slug file names keep the history readable in a directory listing.
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s-%%(slug)s")
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


@functools.cache
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migrations shipped with this code; read once (~50 ms)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = frozenset(rev.revision for rev in scripts.walk_revisions())
    return frozenset(scripts.get_heads()), known


def _current(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def schema_status(engine: AsyncEngine) -> SchemaStatus:
    """Where the database stands; DatabaseUnreachable when no connection can be made.

    A SQLite file that does not exist yet counts as unmigrated and is not created by asking.
    """
    heads, known = _scripts()
    url = engine.url
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not path.parent.is_dir():
            raise DatabaseUnreachable(where, f"no folder {path.parent} for the SQLite file")
        if not path.exists():
            return SchemaStatus(frozenset(), heads, known)
    try:
        connection = await engine.connect()
    except (DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseUnreachable(where, reason[0] if reason else type(exc).__name__) from exc
    try:
        return SchemaStatus(await connection.run_sync(_current), heads, known)
    finally:
        await connection.close()


async def require_head(engine: AsyncEngine) -> None:
    """Raise DatabaseUnreachable or SchemaNotCurrent unless the schema is this code's newest."""
    status = await schema_status(engine)
    if not status.at_head:
        raise SchemaNotCurrent(status)


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade through an existing engine (used inside a running event loop)."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))

    def _run(sync_conn: object) -> None:
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
