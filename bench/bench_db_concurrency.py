"""Concurrent database use over HTTP: SQLite writers, and PostgreSQL connection churn.

1. `writers` (SQLite, the embedded default): N learners at once, each round toggling a chapter
   session (PUT /api/chapters/{id}/session), editing its profile (PATCH /api/me/profile) and
   personalizing (POST .../personalize, whose request log the recorder commits every 0.2 s).
   Before the fix 2 learners saw 25 % of writes fail with `database is locked`, 10 about 45 %.
   Prints failed requests and latency per method.
2. `churn` (PostgreSQL): 32 keep-alive clients fetch GET /api/chapters/{id}/raw for the measured
   window; PostgreSQL says how many sessions began (`pg_stat_database.sessions`, 14+) and how
   many were open (`pg_stat_activity`, sampled every 0.25 s), per pool configuration. The
   engine's old default pool (5 kept + 10 overflow, overflow closed on return) opened hundreds
   of connections per 20 s.

Each measurement runs a real server as a subprocess (`tailored serve`, one worker, memory cache,
the sample textbook) on a database of its own.

    .venv/bin/python bench/bench_db_concurrency.py [--part writers|churn|both]
        [--learners 2,10,32] [--rounds 10] [--seconds 15] [--configs 5:10,32:8]

TAILORED_TEST_POSTGRES_URL names the PostgreSQL server (default postgresql://postgres@127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from _common import machine_line, percentile, table
from _server import Server

ADMIN_DSN = os.environ.get(
    "TAILORED_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
).replace("postgresql+asyncpg://", "postgresql://")
CHAPTER = "intro"
PASSWORD = "a long passphrase for benchmarks"
PROFILE = {"software_level": "beginner", "hardware_level": "none", "languages": ["python"]}


# 1. SQLite writers ------------------------------------------------------------------------


async def until_ok(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> httpx.Response:
    for _ in range(50):
        try:
            response = await client.request(method, path, **kw)
        except httpx.TransportError:
            continue  # a connection dropped after a 500 (before the fix)
        if response.status_code < 300:
            return response
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{method} {path} never succeeded")


async def learner(
    client: httpx.AsyncClient,
    chapters: list[str],
    index: int,
    rounds: int,
    latencies: dict[str, list[float]],
    failures: Counter[str],
) -> None:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.org"
    body = {"email": email, "password": PASSWORD}
    # Set-up, not measured: retried, since writes failed at random before the fix.
    await until_ok(client, "POST", "/api/auth/register", json=body)
    login = await until_ok(client, "POST", "/api/auth/login", json=body)
    headers = {"authorization": f"Bearer {login.json()['access_token']}"}
    await until_ok(client, "PATCH", "/api/me/profile", headers=headers, json=PROFILE)
    for number in range(rounds):
        chapter = chapters[(index + number) % len(chapters)]
        for method, path, payload in (
            ("PUT", f"/api/chapters/{chapter}/session", {"active": number % 2 == 0}),
            ("PATCH", "/api/me/profile", {"interests": [f"round-{number}"]}),
            ("POST", f"/api/chapters/{chapter}/personalize", None),
        ):
            started = time.perf_counter()
            try:
                response = await client.request(method, path, headers=headers, json=payload)
                status = str(response.status_code)
            except httpx.TransportError as exc:
                status = type(exc).__name__  # the server dropped the connection
            latencies[method].append(time.perf_counter() - started)
            if status != "200":
                failures[f"{method} {status}"] += 1


async def writers(learners: int, rounds: int) -> list[list[object]]:
    server = Server(1, "warning", None, "memory://")
    try:
        await server.wait_ready()
        limits = httpx.Limits(max_connections=learners, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=60) as client:
            chapters = [c["id"] for c in (await client.get("/api/chapters")).json()]
            latencies: dict[str, list[float]] = defaultdict(list)
            failures: Counter[str] = Counter()
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    learner(client, chapters, i, rounds, latencies, failures)
                    for i in range(learners)
                )
            )
            wall = time.perf_counter() - started
        rows: list[list[object]] = []
        for method, values in latencies.items():
            failed = sum(n for k, n in failures.items() if k.startswith(f"{method} "))
            rows.append(
                [
                    learners,
                    method,
                    len(values),
                    f"{failed} ({failed / len(values):.0%})",
                    f"{percentile(values, 50) * 1000:.1f}",
                    f"{percentile(values, 99) * 1000:.1f}",
                    f"{len(values) / wall:,.0f}",
                ]
            )
        print(f"  {learners} learners: {dict(failures) or 'no failures'}, {wall:.1f} s")
        return rows
    finally:
        server.stop()


# 2. PostgreSQL churn ----------------------------------------------------------------------


@dataclass
class Churn:
    config: str
    requests: int = 0
    errors: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    new_sessions: int = 0
    open_samples: list[int] = field(default_factory=list)

    def row(self) -> list[object]:
        return [
            self.config,
            self.requests,
            f"{self.requests / self.wall:,.0f}",
            f"{percentile(self.latencies, 50) * 1000:.1f}",
            f"{percentile(self.latencies, 99) * 1000:.1f}",
            self.errors,
            self.new_sessions,
            f"{self.new_sessions * 20 / self.wall:,.0f}",
            f"{min(self.open_samples, default=0)}-{max(self.open_samples, default=0)}",
        ]


async def fetch_loop(port: int, stop_at: float, result: Churn) -> None:
    """One keep-alive HTTP/1.1 connection, requests back to back until `stop_at`."""
    request = f"GET /api/chapters/{CHAPTER}/raw HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            result.requests += 1
            if head[9:12] != b"200":
                result.errors += 1
    finally:
        writer.close()


async def sessions_begun(admin: asyncpg.Connection, name: str) -> int:
    value = await admin.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = $1", name)
    return int(value or 0)


async def sample_open(admin: asyncpg.Connection, name: str, stop_at: float, out: list[int]) -> None:
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
    while time.perf_counter() < stop_at:
        out.append(int(await admin.fetchval(query, name)))
        await asyncio.sleep(0.25)


async def churn(pool_size: int, max_overflow: int, args: argparse.Namespace) -> Churn:
    name = f"tailored_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    server = Server(
        1,
        "warning",
        ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}",
        "memory://",
        {"database_pool_size": str(pool_size), "database_max_overflow": str(max_overflow)},
    )
    result = Churn(f"{pool_size}:{max_overflow}")
    try:
        await server.wait_ready()
        warm_until = time.perf_counter() + args.warmup
        warm = Churn("warm-up")
        await asyncio.gather(*(fetch_loop(server.port, warm_until, warm) for _ in range(32)))
        await asyncio.sleep(0.5)  # the recorder's last writes of the warm-up land
        before = await sessions_begun(admin, name)
        started = time.perf_counter()
        stop_at = started + args.seconds
        await asyncio.gather(
            sample_open(admin, name, stop_at, result.open_samples),
            *(fetch_loop(server.port, stop_at, result) for _ in range(32)),
        )
        result.wall = time.perf_counter() - started
        await asyncio.sleep(1.5)  # backends report their statistics about once a second
        result.new_sessions = await sessions_begun(admin, name) - before
    finally:
        server.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return result


async def main(args: argparse.Namespace) -> int:
    print(f"# {machine_line()}")
    failed = 0
    if args.part in ("writers", "both"):
        print(f"\n## SQLite writers: {args.rounds} rounds x (PUT session, PATCH profile, POST)\n")
        rows: list[list[object]] = []
        for learners in (int(n) for n in args.learners.split(",")):
            rows += await writers(learners, args.rounds)
        print()
        print(
            table(["learners", "method", "requests", "failed", "p50 ms", "p99 ms", "req/s"], rows)
        )
        failed += sum(int(str(r[3]).split()[0]) for r in rows)
    if args.part in ("churn", "both"):
        print(
            f"\n## PostgreSQL churn: 32 keep-alive clients, GET /api/chapters/{CHAPTER}/raw, "
            f"{args.warmup:.0f} s warm-up then {args.seconds:.0f} s measured\n"
        )
        configs = [tuple(int(n) for n in c.split(":")) for c in args.configs.split(",")]
        results = [await churn(size, overflow, args) for size, overflow in configs]
        headers = ["pool:overflow", "requests", "req/s", "p50 ms", "p99 ms", "errors"]
        headers += ["new connections", "per 20 s", "open connections"]
        print(table(headers, [r.row() for r in results]))
        failed += sum(r.errors for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["writers", "churn", "both"], default="both")
    parser.add_argument("--learners", default="2,10,32", help="comma-separated learner counts")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--configs",
        default="5:10,32:8",
        help="pool_size:max_overflow pairs; 5:10 was the engine's default before",
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
