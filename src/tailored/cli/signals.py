"""`tailored keys ...` (site API keys) and `tailored rollups refresh|rebuild`."""

from __future__ import annotations

from typing import Annotated

import typer

from tailored.cli.common import console, fail, open_state, run, settings_from
from tailored.errors import AppError
from tailored.kit.db import transaction
from tailored.signals import keys as site_keys
from tailored.signals import rebuild as rebuilding
from tailored.signals import service
from tailored.signals.schemas import SiteKeyOut

keys_app = typer.Typer(
    help="Site API keys: a site sends its users' events (and Segment calls) with one.",
    no_args_is_help=True,
)
rollups_app = typer.Typer(
    help="Derived signals: the dashboards' view, and recomputing scores and rollups.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="A name for the site, e.g. docs.example.org.")]


@keys_app.command("create")
def create(ctx: typer.Context, name: NameArg) -> None:
    """Create a key and print it: it is shown once and stored only as a hash."""
    if not name.strip() or len(name) > 120:
        fail("the name must be 1 to 120 characters", 2)
    settings = settings_from(ctx)

    async def _create() -> str:
        async with (
            open_state(settings) as state,
            transaction(state.sessionmaker, write=True) as session,
        ):
            _, plain = await site_keys.create_key(session, name.strip())
            return plain

    try:
        plain = run(_create())
    except AppError as exc:
        fail(str(exc.detail))
    typer.echo(plain)


@keys_app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """Every key: name, prefix, created, revoked."""
    settings = settings_from(ctx)

    async def _list() -> list[SiteKeyOut]:
        async with open_state(settings) as state, transaction(state.sessionmaker) as session:
            return await site_keys.list_keys(session)

    for key in run(_list()):
        revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
        console.print(
            f"{key.name}\t{key.prefix}\t{key.created_at.isoformat()}\t{revoked}", highlight=False
        )


@keys_app.command("revoke")
def revoke(ctx: typer.Context, name: NameArg) -> None:
    """Revoke a key: refused at once by this host, within a minute by every API process."""
    settings = settings_from(ctx)

    async def _revoke() -> None:
        async with open_state(settings) as state:
            async with transaction(state.sessionmaker, write=True) as session:
                await site_keys.revoke_key(session, None, name)
            await site_keys.forget_cached(state.cache, name, state.sessionmaker)

    try:
        run(_revoke())
    except AppError as exc:
        fail(str(exc.detail))
    console.print(f"key {name} revoked")


@rollups_app.command("refresh")
def refresh(ctx: typer.Context) -> None:
    """Recompute user_signal_rollups from the raw events (PostgreSQL; on SQLite it is a plain
    view, always current). Cron-friendly: quiet on success."""
    settings = settings_from(ctx)

    async def _refresh() -> None:
        async with open_state(settings) as state, transaction(state.sessionmaker) as session:
            await service.refresh_rollup_view(session)

    run(_refresh())


@rollups_app.command("rebuild")
def rebuild(ctx: typer.Context) -> None:
    """Recompute every learner's scores and rollups, and popularity, from the stored events
    with the current weights and half-life (after changing either). One transaction: readers
    see the old figures until it commits."""
    settings = settings_from(ctx)

    async def _rebuild() -> rebuilding.Rebuilt:
        async with (
            open_state(settings) as state,
            transaction(state.sessionmaker, write=True) as session,
        ):
            return await rebuilding.rebuild(session, settings.signals)

    done = run(_rebuild())
    console.print(
        f"rebuilt from {done.events:,} events of {done.learners:,} learners "
        f"({done.reweighted:,} events given new weights)"
    )
