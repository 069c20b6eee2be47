from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from redis.exceptions import RedisError
from rich.progress import Progress

from tailored.cli.common import (
    ExitCode,
    console,
    err_console,
    fail,
    open_state,
    run,
    settings_from,
    upgrade_database,
    warn,
)
from tailored.cli.inspect import print_coverage
from tailored.config import Settings
from tailored.content import service
from tailored.content.service import IngestReport, IngestWouldPrune
from tailored.kit.db import transaction
from tailored.personalization.library import CACHE_TTL

DocsDir = Annotated[
    Path,
    typer.Argument(
        help="A Docusaurus-style docs folder (.md/.mdx).",
        exists=True,
        file_okay=False,
        resolve_path=True,
    ),
]
Prune = Annotated[
    bool,
    typer.Option(
        "--prune",
        help="Allow removing more than half of the library's chapters (a folder that lost them).",
    ),
]


def ingest(ctx: typer.Context, directory: DocsDir, prune: Prune = False) -> None:
    """Load a docs folder into the library; report added, changed, unchanged, removed.

    Refuses (exit 5, nothing written) to remove more than half of the library's chapters
    without --prune: an empty or wrong folder would otherwise empty the library.
    """
    settings = settings_from(ctx)
    if settings.should_auto_migrate:
        upgrade_database(settings)
    report = ingest_folder(settings, directory, prune=prune)
    if not report.ok:
        for error in report.errors:
            err_console.print(f"{error.path}: {error.message}", highlight=False, soft_wrap=True)
        fail(f"{len(report.errors)} file(s) with errors; nothing was changed")
    for warning in print_coverage(directory):
        warn(warning)


def ingest_folder(settings: Settings, directory: Path, *, prune: bool = False) -> IngestReport:
    async def _ingest() -> IngestReport:
        async with open_state(settings) as state:
            # Off when stderr is not a terminal: a log would only get a blank line from it.
            bar = Progress(console=err_console, transient=True, disable=not err_console.is_terminal)
            with bar as progress:
                task = progress.add_task("ingesting", total=None)

                def advance(_chapter_id: str, total: int) -> None:
                    progress.update(task, total=total, advance=1)

                async with transaction(state.sessionmaker, write=True) as session:
                    report = await service.ingest(
                        session, directory, on_chapter=advance, prune=prune
                    )
            if report.ok:
                try:
                    await service.announce_change(state.cache)
                except (RedisError, OSError) as exc:
                    # The chapters are written; only the cached glossary and titles lag.
                    warn(
                        f"cache unreachable ({exc}); the cached library refreshes within "
                        f"{CACHE_TTL:.0f} s"
                    )
            return report

    try:
        report = run(_ingest())
    except IngestWouldPrune as exc:
        fail(f"{directory}: {exc.describe('--prune')}", ExitCode.REFUSED)
    if report.ok:
        console.print(
            f"{len(report.added)} added, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, "
            f"{report.glossary_terms} glossary terms"
        )
    return report
