"""`tailored relay`: publish the outbox to the broker, standalone."""

from __future__ import annotations

import asyncio
import gc
import json
import signal
from typing import Annotated

import typer

from tailored.cli.common import ExitCode, console, fail, open_state, run, settings_from
from tailored.stream.brokers import broker_url
from tailored.stream.relay import backlog


def relay(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Publish what is waiting, then exit.")
    ] = False,
    status: Annotated[
        bool, typer.Option("--status", help="Print the backlog and the oldest row's age; exit.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Publish stored events (the outbox) to the broker in settings.stream.url: Redis Streams,
    NATS JetStream or in-process. Runs until Ctrl-C or SIGTERM; `serve` runs the same relay
    in-process unless stream.relay_in_serve is false. Safe to run beside it: one relay at a
    time publishes (a lease in the cache)."""
    settings = settings_from(ctx)
    url = broker_url(settings.stream, settings.cache_url)

    async def _status() -> dict[str, float | int | None]:
        async with open_state(settings) as state:
            return await backlog(state.sessionmaker)

    async def _run() -> int:
        async with open_state(settings) as state:
            if once:
                return await state.relay.drain()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, state.relay.request_stop)
            # The app's ~200,000 objects from start-up live as long as the process: out of the
            # collector's sight, a full collection no longer stops the loop for 100-250 ms
            # (the relay's lag p99 on NATS, where each message leaves a future behind).
            gc.collect()
            gc.freeze()
            await state.relay.run()
            return state.relay.stats.published

    if url.startswith("memory") and not status:
        fail(
            "the broker is memory:// (in-process): a standalone relay would mark events "
            "published that no one can read; set stream.url to redis:// or nats://",
            ExitCode.USAGE,
        )
    if status:
        figures = run(_status())
        if as_json:
            typer.echo(json.dumps({"broker": url.split("://")[0], **figures}))
        else:
            age = figures["oldest_unpublished_age_s"]
            console.print(
                f"backlog {figures['backlog']} (oldest {age or 0:.1f} s) → {url.split('://')[0]}",
                highlight=False,
            )
        return
    if not once:
        console.print(
            f"relaying the outbox to {url.split('://')[0]}; Ctrl-C stops", highlight=False
        )
    published = run(_run())
    if as_json:
        typer.echo(json.dumps({"published": published}))
    else:
        console.print(f"published {published}", highlight=False)
