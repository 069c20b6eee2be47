from __future__ import annotations

from typing import Annotated

import typer

from tailored.cli.common import console, settings_from, upgrade_database
from tailored.kit import migrate

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade_database(settings_from(ctx), revision)
    console.print(f"database at revision {revision}")


@app.command()
def revision(
    ctx: typer.Context,
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
) -> None:
    """Generate a migration from model changes (for developers)."""
    migrate.revision(settings_from(ctx).database_url, message)
