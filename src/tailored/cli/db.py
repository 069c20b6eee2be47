from __future__ import annotations

from typing import Annotated

import typer

from tailored.cli.common import console, fail, settings_from
from tailored.kit import migrate

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = settings_from(ctx)
    try:
        migrate.upgrade(settings.database_url, revision)
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one line for people
        fail(f"migration failed: {type(exc).__name__}: {exc}".splitlines()[0])
    console.print(f"database at revision {revision}")


@app.command()
def revision(
    ctx: typer.Context,
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
) -> None:
    """Generate a migration from model changes (for developers)."""
    migrate.revision(settings_from(ctx).database_url, message)
