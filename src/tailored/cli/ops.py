from __future__ import annotations

import json
from typing import Annotated

import typer

from tailored import housekeeping
from tailored.analytics import service as analytics
from tailored.analytics.schemas import PersonalizationStats
from tailored.cli.common import console, run, settings_from
from tailored.kit.db import transaction
from tailored.state import AppState


def cleanup(ctx: typer.Context) -> None:
    """Remove expired/stale personalized chapters and machine translations, evict beyond the
    cap, drop old logs and expired tokens."""
    settings = settings_from(ctx)

    async def _cleanup() -> housekeeping.CleanupReport:
        state = AppState.build(settings)
        try:
            async with transaction(state.sessionmaker) as session:
                return await housekeeping.cleanup(session, settings, state.personalizer)
        finally:
            await state.close()

    r = run(_cleanup())
    console.print(
        f"results: {r.expired_results} expired, {r.stale_results} stale, "
        f"{r.evicted_results} evicted; {r.old_request_logs} request logs and "
        f"{r.expired_tokens} expired tokens removed; machine translations: "
        f"{r.expired_translations} expired, {r.stale_translations} stale"
    )


def stats(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, help="Window in days.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Personalization requests, hit rate, p50/p95/p99 latency, top chapters."""
    settings = settings_from(ctx)

    async def _stats() -> PersonalizationStats:
        state = AppState.build(settings)
        try:
            async with transaction(state.sessionmaker) as session:
                return await analytics.personalization_stats(session, days=days)
        finally:
            await state.close()

    figures = run(_stats())
    if as_json:
        typer.echo(json.dumps(figures.model_dump(mode="json"), indent=2))
        return
    rate = "n/a" if figures.hit_rate is None else f"{figures.hit_rate:.1%}"
    console.print(f"requests: {figures.requests} ({figures.by_status})  hit rate: {rate}")
    for label, lat in (("cached", figures.cached), ("uncached", figures.uncached)):
        console.print(
            f"{label:>9}: {lat.requests} requests, p50 {_ms(lat.p50)}, p95 {_ms(lat.p95)}, "
            f"p99 {_ms(lat.p99)}"
        )
    console.print(
        f"audiences: {figures.distinct_audiences}  stored: {figures.stored_entries} entries, "
        f"{figures.stored_bytes} bytes  model tokens: {figures.input_tokens} in, "
        f"{figures.output_tokens} out"
    )
    for item in figures.top_chapters:
        console.print(f"  {item.requests:>6}  {item.chapter_id}")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"
