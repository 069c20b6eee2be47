from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tailored import housekeeping
from tailored.analytics import service as analytics
from tailored.analytics.schemas import PersonalizationStats
from tailored.cli.common import console, open_state, run, settings_from
from tailored.kit.db import transaction


def cleanup(ctx: typer.Context) -> None:
    """Remove expired/stale personalized chapters and machine translations, evict beyond the
    cap, drop old logs and expired tokens."""
    settings = settings_from(ctx)

    async def _cleanup() -> housekeeping.CleanupReport:
        async with (
            open_state(settings) as state,
            transaction(state.sessionmaker, write=True) as session,
        ):
            return await housekeeping.cleanup(session, settings, state.personalizer)

    r = run(_cleanup())
    console.print(
        f"results: {r.expired_results} expired, {r.stale_results} stale, "
        f"{r.evicted_results} evicted; {r.old_request_logs} request logs and "
        f"{r.expired_tokens} expired tokens removed; machine translations: "
        f"{r.expired_translations} expired, {r.stale_translations} stale; "
        f"{r.anonymous_conversations} anonymous tutor conversations past retention; "
        f"{r.published_outbox} published outbox rows removed"
    )


def stats(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, help="Window in days.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Personalization requests, hit rate, p50/p95/p99 latency, top chapters."""
    settings = settings_from(ctx)

    async def _stats() -> PersonalizationStats:
        async with open_state(settings) as state, transaction(state.sessionmaker) as session:
            return await analytics.personalization_stats(session, days=days)

    figures = run(_stats())
    if as_json:
        typer.echo(json.dumps(figures.model_dump(mode="json"), indent=2))
        return
    for table in stats_tables(figures, days):
        console.print(table)


def stats_tables(figures: PersonalizationStats, days: int) -> list[Table]:
    """The figures as three tables: totals, latency by cached/uncached, top chapters."""
    since = f"{figures.since:%Y-%m-%d %H:%M} UTC"
    totals = Table(
        title=f"Personalization, last {days} days", caption=f"since {since}", show_header=False
    )
    totals.add_column("figure")
    totals.add_column("value", justify="right")
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(figures.by_status.items())) or "none"
    rate = "n/a" if figures.hit_rate is None else f"{figures.hit_rate:.1%}"
    for label, value in (
        ("requests", f"{figures.requests} ({by_status})"),
        ("hit rate", rate),
        ("distinct audiences", str(figures.distinct_audiences)),
        ("stored entries", str(figures.stored_entries)),
        ("stored bytes", f"{figures.stored_bytes:,}"),
        ("model tokens in / out", f"{figures.input_tokens:,} / {figures.output_tokens:,}"),
    ):
        totals.add_row(label, value)
    latency = Table(title="Latency")
    for column in ("", "requests", "p50", "p95", "p99"):
        latency.add_column(column, justify="left" if not column else "right")
    for label, lat in (("cached", figures.cached), ("uncached", figures.uncached)):
        latency.add_row(label, str(lat.requests), _ms(lat.p50), _ms(lat.p95), _ms(lat.p99))
    top = Table(title="Top chapters")
    top.add_column("chapter")
    top.add_column("requests", justify="right")
    for item in figures.top_chapters:
        top.add_row(Text(item.chapter_id), str(item.requests))
    if not figures.top_chapters:
        top.add_row("(none yet)", "")
    return [totals, latency, top]


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"
