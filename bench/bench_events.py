"""Event ingest through the HTTP batch API into PostgreSQL, beside a bare INSERT of the same rows.

A `tailored serve` process on a fresh PostgreSQL database receives batches of 1,000 events
(POST /api/events with a site API key, for 2,000 site users) over keep-alive connections; each
batch goes through validation, the cache dedup set, the unique event id, view collapsing,
per-item decayed scores, rollups, popularity and the outbox, in one transaction per batch. About
5 % of the events are retries of events already sent. The baseline inserts the same rows, in the
same batches and with the same concurrency, into a plain table with the events' columns
(SQLAlchemy Core executemany, one transaction per batch): what storing the rows alone costs.

    .venv/bin/python bench/bench_events.py [--batches 60] [--concurrency 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import ROOT, machine_line, postgres_database
from _server import Connection, Server, cpu_seconds, postgres_pids, run_load_generator
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import create_async_engine

PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CHAPTERS = [
    "intro",
    "ros2/nodes-and-topics",
    "ros2/urdf",
    "simulation/gazebo-and-isaac",
    "perception/cameras-and-depth",
    "deployment/jetson-edge",
    "vla/vla-models",
]
KINDS = ["view"] * 6 + ["complete"] * 2 + ["bookmark", "share", "skip", "rate"]


def make_batches(n: int, size: int, users: int, seed: int = 1) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    batches: list[list[dict[str, Any]]] = []
    sent: list[dict[str, Any]] = []
    for _ in range(n):
        batch = []
        for _ in range(size):
            if sent and rng.random() < 0.05:
                batch.append(rng.choice(sent))  # a retry
                continue
            item = {
                "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                "type": rng.choice(KINDS),
                "content_id": rng.choice(CHAPTERS),
                "content_type": "chapter",
                "occurred_at": (now - timedelta(seconds=rng.randrange(30 * 86400))).isoformat(),
                "session_id": f"s{rng.randrange(10_000)}",
                "metadata": {},
                "user_id": f"user-{rng.randrange(users)}",
            }
            sent.append(item)
            batch.append(item)
        batches.append(batch)
    return batches


async def send_all(
    port: int, key: str, batches: list[list[dict[str, Any]]], concurrency: int
) -> dict[str, int]:
    queue = list(reversed(batches))
    totals = {"inserted": 0, "duplicates": 0, "collapsed": 0, "errors": 0, "failed": 0}

    async def worker() -> None:
        conn = Connection(port, key)
        try:
            while queue:
                body = json.dumps({"events": queue.pop()}).encode()
                status, payload = await conn.request("POST", "/api/events", body)
                if status != 200:
                    totals["failed"] += 1
                    print(f"  batch failed: {status} {payload[:200]!r}")
                    continue
                reply = json.loads(payload)
                for name in ("inserted", "duplicates", "collapsed"):
                    totals[name] += reply[name]
                totals["errors"] += len(reply["errors"])
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return totals


BARE = Table(
    "events_bare",
    MetaData(),
    Column("id", String(128), primary_key=True),
    Column("learner", String(255)),
    Column("user_id", Uuid(), nullable=True),
    Column("type", String(32)),
    Column("content_id", String(200)),
    Column("content_type", String(32)),
    Column("session_id", String(128)),
    Column("metadata", JSON),
    Column("weight", Float),
    Column("occurred_at", DateTime(timezone=True)),
    Column("received_at", DateTime(timezone=True)),
    Column("source", String(16)),
)


async def bare_insert(
    url: str, batches: list[list[dict[str, Any]]], concurrency: int
) -> tuple[float, float]:
    """The same rows (first copy of each id) in the same batches: seconds taken, and the
    PostgreSQL CPU seconds they cost."""
    engine = create_async_engine(url, pool_size=concurrency)
    async with engine.begin() as conn:
        await conn.run_sync(BARE.metadata.create_all)
    seen: set[str] = set()
    row_batches = []
    now = datetime.now(UTC)
    for batch in batches:
        rows = []
        for e in batch:
            if e["id"] in seen:
                continue
            seen.add(e["id"])
            rows.append(
                {
                    **{
                        k: e[k]
                        for k in (
                            "id",
                            "type",
                            "content_id",
                            "content_type",
                            "session_id",
                            "metadata",
                        )
                    },
                    "learner": f"s:bench:{e['user_id']}",
                    "user_id": None,
                    "weight": 1.0,
                    "occurred_at": datetime.fromisoformat(e["occurred_at"]),
                    "received_at": now,
                    "source": "api",
                }
            )
        row_batches.append(rows)
    queue = list(reversed(row_batches))

    async def worker() -> None:
        while queue:
            rows = queue.pop()
            async with engine.begin() as conn:
                await conn.execute(BARE.insert(), rows)

    pg0, own0 = cpu_seconds(postgres_pids()), time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    pg_cpu, own = cpu_seconds(postgres_pids()) - pg0, time.process_time() - own0
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(BARE))
    await engine.dispose()
    print(
        f"  bare INSERT: {count:,} rows in {elapsed:.2f} s "
        f"(CPU: client {own:.1f} s, PostgreSQL {pg_cpu:.1f} s)"
    )
    return elapsed, pg_cpu


def create_key(database_url: str) -> str:
    env = {**os.environ, "TAILORED_DATABASE_URL": database_url}
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "tailored"), "keys", "create", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


async def counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                t: int(await conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
                for t in ("events", "outbox", "signal_scores", "signal_rollups")
            }
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> int:
    batches = make_batches(args.batches, args.size, args.users)
    total = sum(len(b) for b in batches)
    async with postgres_database(args.pg_admin_url) as url:
        server = Server(args.workers, "warning", url, args.cache_url)
        try:
            await server.wait_ready()
            key = create_key(url)
            print(f"# {machine_line()}")
            print(f"# server: {server.command}; database: PostgreSQL; cache: {args.cache_url}")
            print(
                f"# {args.batches} batches x {args.size} events, {args.users} users, "
                f"{args.concurrency} connections"
            )
            warm = make_batches(2, args.size, args.users, seed=99)
            await send_all(server.port, key, warm, 1)
            cpu0, pg0 = cpu_seconds(server.pids()), cpu_seconds(postgres_pids())
            start = time.perf_counter()
            totals = await send_all(server.port, key, batches, args.concurrency)
            elapsed = time.perf_counter() - start
            cpu = cpu_seconds(server.pids()) - cpu0
            pg_cpu = cpu_seconds(postgres_pids()) - pg0
        finally:
            server.stop()
        rows = await counts(url)
        bare, bare_pg = await bare_insert(url, batches, args.concurrency)
    rate = total / elapsed
    distinct = len({e["id"] for b in batches for e in b})
    bare_rate = distinct / bare
    print(
        f"\nHTTP ingest: {total:,} events in {elapsed:.2f} s = {rate:,.0f} events/s "
        f"(CPU: server {cpu:.1f} s, PostgreSQL {pg_cpu:.1f} s); {totals}"
    )
    print(f"stored: {rows}")
    print(f"bare INSERT of the same {distinct:,} rows: {bare_rate:,.0f} rows/s")
    print(
        f"PostgreSQL CPU per event: {1e6 * pg_cpu / total:.1f} us through the API, "
        f"{1e6 * bare_pg / distinct:.1f} us per bare row; server CPU per event "
        f"{1e6 * cpu / total:.1f} us"
    )
    ratio = rate / bare_rate
    print("\n| | events/s | goal | verdict |\n|---|---|---|---|")
    print(f"| HTTP ingest | {rate:,.0f} | >= 10,000 | {'PASS' if rate >= 10_000 else 'FAIL'} |")
    print(f"| ratio to bare INSERT | {ratio:.2f} | >= 0.5 | {'PASS' if ratio >= 0.5 else 'FAIL'} |")
    return 0 if totals["failed"] == 0 else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    return parser.parse_args()


if __name__ == "__main__":
    run_load_generator(main(parse_args()))
