from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from tailored.cli.common import err_console, fail, settings_from
from tailored.cli.content import ingest_folder
from tailored.kit import migrate


def serve(
    ctx: typer.Context,
    content: Annotated[
        Path | None,
        typer.Option(
            help="Docs folder to ingest before serving. Env: TAILORED_CONTENT_DIR.",
            exists=True,
            file_okay=False,
            resolve_path=True,
        ),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address. Env: TAILORED_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port. Env: TAILORED_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API and reader (migrating the embedded SQLite database first)."""
    settings = settings_from(ctx, content_dir=content, host=host, port=port)
    if settings.should_auto_migrate:
        migrate.upgrade(settings.database_url)
    if settings.content_dir is not None:
        report = ingest_folder(settings, settings.content_dir)
        if not report.ok:
            for error in report.errors:
                err_console.print(f"{error.path}: {error.message}", highlight=False)
            fail("content has errors; fix them or serve without --content")
    # Workers build their own settings from the environment (uvicorn imports the factory).
    config_file = (ctx.obj or {}).get("config_file")
    if config_file is not None:
        os.environ["TAILORED_CONFIG_FILE"] = str(config_file)
    if settings.content_dir is not None:
        os.environ["TAILORED_CONTENT_DIR"] = str(settings.content_dir)
    uvicorn.run(
        "tailored.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
    )
