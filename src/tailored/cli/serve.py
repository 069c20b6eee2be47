from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from tailored.cli.common import (
    cache_problem,
    check_database,
    err_console,
    fail,
    settings_from,
    upgrade_database,
    warn,
)
from tailored.cli.content import Prune, ingest_folder


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
    prune: Prune = False,
) -> None:
    """Run the HTTP API and reader (migrating the embedded SQLite database first).

    Refuses to start on a database that does not answer (exit 3) or is not migrated (exit 4:
    run `tailored db upgrade`). An unreachable cache is a warning: /readyz reports it.
    """
    settings = settings_from(ctx, content_dir=content, host=host, port=port)
    if settings.should_auto_migrate:
        upgrade_database(settings)
    else:
        check_database(settings)
    problem = cache_problem(settings)
    if problem is not None:
        warn(f"{problem}; serving anyway, /readyz reports the cache as failing")
    if settings.content_dir is not None:
        report = ingest_folder(settings, settings.content_dir, prune=prune)
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
