from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from tailored import housekeeping
from tailored.analytics import service as analytics
from tailored.cli.common import console, err_console, open_state, run, settings_from
from tailored.kit.db import transaction

app = typer.Typer(help="Stored personalized chapters.", no_args_is_help=True)


@app.command()
def stats(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, help="Hit rate over this many days.")] = 30,
) -> None:
    """Entries, stored bytes and hit rate."""
    settings = settings_from(ctx)

    async def _stats() -> None:
        async with open_state(settings) as state, transaction(state.sessionmaker) as session:
            figures = await analytics.personalization_stats(session, days=days)
        rate = "n/a" if figures.hit_rate is None else f"{figures.hit_rate:.1%}"
        console.print(
            f"{figures.stored_entries} entries, {figures.stored_bytes} bytes, "
            f"hit rate {rate} over {figures.requests} requests in {days} days"
        )

    run(_stats())


@app.command("warm")
def warm_cmd(
    ctx: typer.Context,
    audiences: Annotated[
        int, typer.Option(min=1, help="How many of the most common audiences to precompute.")
    ] = 10,
) -> None:
    """Precompute every chapter for the most common audiences (from history)."""
    settings = settings_from(ctx)

    async def _warm() -> tuple[int, int]:
        async with open_state(settings) as state:
            with Progress(console=err_console, transient=True) as progress:
                task = progress.add_task("warming", total=None)
                async with transaction(state.sessionmaker) as session:
                    return await housekeeping.warm(
                        session,
                        state.personalizer,
                        audiences=audiences,
                        on_step=lambda total: progress.update(task, total=total, advance=1),
                    )

    generated, stored = run(_warm())
    console.print(f"{generated} generated, {stored} already stored")


@app.command()
def clear(ctx: typer.Context) -> None:
    """Remove every stored personalized chapter and machine translation (they regenerate on
    demand; human translations are files and stay)."""
    settings = settings_from(ctx)

    async def _clear() -> tuple[int, int]:
        async with (
            open_state(settings) as state,
            transaction(state.sessionmaker, write=True) as session,
        ):
            results = await housekeeping.clear(session, state.personalizer)
            translations = await housekeeping.clear_translations(session, state.translator)
            return results, translations

    results, translations = run(_clear())
    console.print(f"{results} entries removed, {translations} machine translations removed")
