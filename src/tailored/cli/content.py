from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from tailored.cli.common import console, err_console, fail, run, settings_from
from tailored.config import Settings
from tailored.content import service
from tailored.content.service import IngestReport
from tailored.kit import migrate
from tailored.kit.db import transaction
from tailored.state import AppState

DocsDir = Annotated[
    Path,
    typer.Argument(
        help="A Docusaurus-style docs folder (.md/.mdx).",
        exists=True,
        file_okay=False,
        resolve_path=True,
    ),
]


def ingest(ctx: typer.Context, directory: DocsDir) -> None:
    """Load a docs folder into the library; report added, changed, unchanged, removed."""
    settings = settings_from(ctx)
    if settings.should_auto_migrate:
        migrate.upgrade(settings.database_url)
    report = ingest_folder(settings, directory)
    if not report.ok:
        for error in report.errors:
            err_console.print(f"{error.path}: {error.message}", highlight=False, soft_wrap=True)
        fail(f"{len(report.errors)} file(s) with errors; nothing was changed")


def ingest_folder(settings: Settings, directory: Path) -> IngestReport:
    async def _ingest() -> IngestReport:
        state = AppState.build(settings)
        try:
            with Progress(console=err_console, transient=True) as progress:
                task = progress.add_task("ingesting", total=None)

                def advance(_chapter_id: str, total: int) -> None:
                    progress.update(task, total=total, advance=1)

                async with transaction(state.sessionmaker) as session:
                    report = await service.ingest(session, directory, on_chapter=advance)
            if report.ok:
                await service.announce_change(state.cache)
            return report
        finally:
            await state.close()

    report = run(_ingest())
    if report.ok:
        console.print(
            f"{len(report.added)} added, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, "
            f"{report.glossary_terms} glossary terms"
        )
    return report
