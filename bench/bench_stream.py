"""The outbox relay: insert-to-publish lag at a steady event rate, and counts across a relay
crash, per broker (Redis Streams, NATS JetStream), on PostgreSQL.

A producer writes outbox rows (as the signals layer does with each stored event) at `--rate`
rows/s in batches every 20 ms, while `tailored relay` runs as its own process. Phase 1
(`--seconds`): steady; lag per event is outbox.published_at - created_at. Phase 2: the relay is
killed with SIGKILL (wherever it was: possibly between publishing and marking), the producer goes
on for 2 s, the relay is started again and catches up. Counts over both phases: rows written,
messages in the broker, distinct event ids among them (goal: all equal).

The producer writes the outbox directly: storing events through the signals layer is measured
by the signals benchmark, and here it would bound the rate, not the relay.

Baseline in the same run: the producer publishing the same rate straight to the broker (no
database, no outbox): the publish round trip alone.

    .venv/bin/python bench/bench_stream.py [--broker redis|nats|both] [--rate 5000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import nats
from _common import ROOT, machine_line, percentile, postgres_database, verdict
from nats.js.api import AckPolicy, ConsumerConfig
from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.flags import StreamConfig
from tailored.kit.db import create_engine, create_sessionmaker, transaction
from tailored.kit.migrate import upgrade_async
from tailored.models.signals import Outbox
from tailored.signals.schemas import Signal
from tailored.stream.brokers import Message, create_broker

TICK = 0.02
TYPES = ["view", "view", "view", "complete", "bookmark"]


def batch(n: int) -> list[Signal]:
    now = datetime.now(UTC)
    return [
        Signal(
            id=uuid.uuid4().hex,
            learner=f"learner-{random.randrange(2000)}",
            type=random.choice(TYPES),
            occurred_at=now,
            content_id=f"chapter-{random.randrange(5000)}",
            metadata={"n": i},
        )
        for i in range(n)
    ]


def start_relay(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "tailored"), "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def write_rows(maker: async_sessionmaker[AsyncSession], n: int) -> int:
    """n outbox rows in one transaction, shaped as the signals layer writes them; the last id."""
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": s.id,
            "learner_key": s.learner,
            "topic": "events",
            "payload": {"id": s.id, "learner": s.learner, "type": s.type,
                        "content_id": s.content_id, "occurred_at": now.isoformat()},
            "created_at": now,
        }
        for s in batch(n)
    ]  # fmt: skip
    async with transaction(maker, write=True) as session:
        ids = await session.scalars(insert(Outbox).returning(Outbox.id), rows)
        return max(ids)


async def unpublished(maker: async_sessionmaker[AsyncSession]) -> bool:
    async with transaction(maker) as session:
        found = await session.scalar(
            select(Outbox.id).where(Outbox.published_at.is_(None)).limit(1)
        )
    return found is not None


async def wait_drained(maker: async_sessionmaker[AsyncSession], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while await unpublished(maker) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def pace(maker: async_sessionmaker[AsyncSession], rate: int, seconds: float) -> int:
    """Write rows at `rate` for `seconds`; how many."""
    per_tick, written = max(1, int(rate * TICK)), 0
    start = next_tick = time.perf_counter()
    while time.perf_counter() - start < seconds:
        await write_rows(maker, per_tick)
        written += per_tick
        next_tick += TICK
        await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
    return written


async def produce(
    maker: async_sessionmaker[AsyncSession], rate: int, seconds: float, env: dict[str, str]
) -> tuple[int, int, int]:
    """Phase 1 steady, phase 2 across a relay crash. (rows written, first and last id of
    phase 1)."""
    relay = start_relay(env)
    # The relay is up once this one is published (start-up is not lag).
    sentinel = await write_rows(maker, 1)
    written = 1
    await wait_drained(maker)
    written += await pace(maker, rate, seconds)
    steady_last = await write_rows(maker, 1)
    written += 1
    await wait_drained(maker)
    # Phase 2: the kill lands while the relay is busy with the stream (mid-batch, likely).
    producer = asyncio.create_task(pace(maker, rate, 2.0))
    await asyncio.sleep(0.5)
    os.killpg(relay.pid, signal.SIGKILL)
    relay.wait()
    written += await producer
    relay = start_relay(env)
    written += await pace(maker, rate, 2.0)
    await wait_drained(maker)
    os.killpg(relay.pid, signal.SIGTERM)
    relay.wait(30)
    return written, sentinel, steady_last


async def lags(
    maker: async_sessionmaker[AsyncSession], sentinel: int, steady_last: int
) -> tuple[list[float], list[float]]:
    """Lag in ms of phase 1's rows and of phase 2's."""
    async with transaction(maker) as session:
        rows = (
            await session.execute(select(Outbox.id, Outbox.created_at, Outbox.published_at))
        ).all()
    if os.environ.get("BENCH_LAG_BY_SECOND"):
        by: dict[int, list[float]] = {}
        for _i, c, p in rows:
            if p is not None:
                by.setdefault(int(c.timestamp()), []).append((p - c).total_seconds() * 1000)
        for second, values in sorted(by.items()):
            print(second % 1000, len(values), f"{max(values):.0f}", file=sys.stderr)
    steady: list[float] = []
    crash: list[float] = []
    for i, c, p in rows:
        if p is not None and i > sentinel:
            (steady if i <= steady_last else crash).append((p - c).total_seconds() * 1000)
    return steady, crash


async def downstream(url: str, config: StreamConfig) -> list[str]:
    """Every event id in the broker, as a consumer reads them."""
    if url.startswith("redis"):
        client = Redis.from_url(url, decode_responses=True)
        try:
            entries: list[Any] = await client.xrange(f"{config.prefix}.events")  # type: ignore[assignment]
        finally:
            await client.aclose()
        return [fields["id"] for _id, fields in entries]
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(config.nats_stream)).state.messages
        sub = await js.pull_subscribe(
            f"{config.prefix}.>",
            stream=config.nats_stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE),
        )
        ids: list[str] = []
        while len(ids) < total:
            for msg in await sub.fetch(min(1000, total - len(ids)), timeout=10):
                ids.append((msg.headers or {})["Nats-Msg-Id"])
            await asyncio.sleep(0)
        return ids
    finally:
        await nc.close()


async def drop(url: str, config: StreamConfig) -> None:
    if url.startswith("redis"):
        client = Redis.from_url(url)
        await client.delete(f"{config.prefix}.events")
        await client.aclose()
        return
    nc = await nats.connect(url)
    await nc.jetstream().delete_stream(config.nats_stream)
    await nc.close()


async def direct(url: str, config: StreamConfig, rate: int, seconds: float) -> list[float]:
    """Baseline: publish each tick's events straight to the broker; ms per event's publish."""
    broker = create_broker(url, config)
    per_tick, out, n = max(1, int(rate * TICK)), [], 0
    start = next_tick = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            messages = [
                Message.of(n + i + 1, s.id, s.learner, "events", {"id": s.id})
                for i, s in enumerate(batch(per_tick))
            ]
            n += per_tick
            began = time.perf_counter()
            await broker.publish(messages)
            out.extend([(time.perf_counter() - began) * 1000] * per_tick)
            next_tick += TICK
            await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
    finally:
        await broker.close()
        await drop(url, config)
    return out


async def run_one(name: str, url: str, args: argparse.Namespace) -> bool:
    tag = uuid.uuid4().hex[:8]
    config = StreamConfig(url=url, prefix=f"bench{tag}", nats_stream=f"BENCH{tag.upper()}")
    async with postgres_database(args.pg_admin_url) as db_url:
        engine = create_engine(db_url)
        await upgrade_async(engine)
        maker = create_sessionmaker(engine)
        env = {
            **os.environ,
            "TAILORED_DATABASE_URL": db_url,
            "TAILORED_CACHE_URL": "memory://",
            "TAILORED_STREAM": config.model_dump_json(),
        }
        env.pop("TAILORED_CONFIG_FILE", None)
        try:
            stored, sentinel, steady_last = await produce(maker, args.rate, args.seconds, env)
            lag, crash = await lags(maker, sentinel, steady_last)
            ids = await downstream(url, config)
        finally:
            await engine.dispose()
            await drop(url, config)
    base = await direct(url, config, args.rate, min(args.seconds, 5))
    distinct = len(set(ids))
    counted = stored == len(ids) == distinct
    fast = percentile(lag, 99) < 100
    print(
        f"| {name} | relay, steady ({args.seconds:g} s) | {len(lag) / args.seconds:,.0f} "
        f"| {percentile(lag, 50):.1f} | {percentile(lag, 99):.1f} | {max(lag):.0f} | | | |"
    )
    print(f"| {name} | relay, killed and restarted (4 s) | {len(crash) / 4:,.0f} "
          f"| {percentile(crash, 50):.0f} | {percentile(crash, 99):.0f} | {max(crash):.0f} "
          f"| {stored:,} | {len(ids):,} | {distinct:,} |")  # fmt: skip
    print(f"| {name} | baseline: direct publish, no outbox | {args.rate:,} "
          f"| {percentile(base, 50):.1f} | {percentile(base, 99):.1f} | {max(base):.0f} "
          f"| | | |")  # fmt: skip
    print(f"| {name} | {verdict(counted)}: stored = in broker = distinct | "
          f"{verdict(fast)}: steady lag p99 < 100 ms | | | | | | |")  # fmt: skip
    return counted and fast


async def main(args: argparse.Namespace) -> int:
    print(machine_line(), "| load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(f"\n{args.rate:,} rows/s, PostgreSQL, `tailored relay` as its own process\n")
    print("| broker | path | rows/s written | lag p50 ms | lag p99 ms | max ms | stored "
          "| in broker | distinct |\n|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    brokers = {"redis": args.redis_url, "nats": args.nats_url}
    chosen = list(brokers) if args.broker == "both" else [args.broker]
    ok = True
    for name in chosen:
        ok &= await run_one(name, brokers[name], args)
    print(
        f"\n{verdict(ok)}: lag p99 < 100 ms; stored = in broker = distinct (nothing lost, "
        "nothing twice) across the relay crash"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", choices=["redis", "nats", "both"], default="both")
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument(
        "--pg-admin-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
