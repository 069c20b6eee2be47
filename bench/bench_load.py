"""Load: N learners (default 50), each its own account, a mixed workload against a real server.

Per backend (SQLite with the memory cache; PostgreSQL + Redis) a real server runs as a
subprocess (`tailored serve --content examples/textbook`, see _server.py). Every learner
registers, logs in and completes a profile over HTTP, then all of them run a closed loop for
`--seconds` (no think time unless `--think-ms`), each request drawn at random by weight:
reading (GET the chapter, GET raw), personalizing, toggling the chapter session, a profile
PATCH now and then, translating `intro` to Urdu (its human translation) and any chapter to
Spanish (Apertium; skipped, and said so, when the server offers no machine translator for es).

Printed per backend: requests/s, p50/p95/p99 per kind and overall, errors (any non-2xx, any
transport error), the server's and the client's CPU, the server's logged errors; then, after
the server stopped gracefully (SIGTERM: the lifespan flushes the request recorder), the
`request_logs` rows (kind personalize, kind translate) and `personalization_history` rows
against the personalize/translate requests the client got a 2xx for: they must be equal.

The client is a minimal keep-alive HTTP/1.1 client on asyncio streams, one connection per
learner (as bench_cached_http.py's light client), so it takes a small share of the cores.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--learners 50] [--backend both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from _common import machine_line, percentile, postgres_database, table, verdict
from _server import Connection, Server, cpu_seconds, run_load_generator, summarize_errors
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PASSWORD = "a long passphrase for load benchmarks"
PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/7"
# Weights of the request kinds in the mix (translate-es is dropped without a translator).
WEIGHTS = {
    "read": 25,
    "raw": 15,
    "personalize": 30,
    "session": 12,
    "profile": 3,
    "translate-ur": 8,
    "translate-es": 7,
}
PROFILES: list[dict[str, Any]] = [
    {
        "software_level": "beginner",
        "hardware_level": "none",
        "languages": ["python"],
        "hardware_available": ["none"],
        "difficulty_preference": "gentle",
        "role": "student",
    },
    {
        "software_level": "intermediate",
        "hardware_level": "basic",
        "languages": ["python", "cpp"],
        "hardware_available": ["rtx_workstation"],
        "difficulty_preference": "balanced",
        "role": "professional",
    },
    {
        "software_level": "advanced",
        "hardware_level": "advanced",
        "languages": ["cpp"],
        "hardware_available": ["jetson_kit"],
        "difficulty_preference": "challenging",
        "role": "researcher",
    },
]
# Connection refused or reset, a cut-off answer, a malformed status line or header.
TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    cached: int | None = None  # 2xx answers saying "cached": true (kinds that say it)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.ok + sum(self.errors.values())

    def row(self, name: str, wall: float) -> list[object]:
        ms = [f"{percentile(self.latencies, q) * 1000:.1f}" for q in (50, 95, 99)]
        top = f"{max(self.latencies) * 1000:.0f}" if self.latencies else "-"
        errors = sum(self.errors.values())
        cached = "-" if self.cached is None else self.cached
        return [name, self.sent, self.ok, cached, errors, f"{self.sent / wall:,.1f}", *ms, top]


HEADERS = [
    "kind",
    "requests",
    "2xx",
    "cached",
    "errors",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
]
CACHED = b'"cached":true'
SAYS_CACHED = ("personalize", "translate-ur", "translate-es")


@dataclass
class Learner:
    index: int
    connection: Connection
    rng: random.Random


@dataclass
class Run:
    name: str
    backend: str
    chapters: list[str]
    weights: dict[str, int]
    kinds: dict[str, Kind] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)  # one error body per kind:status
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def request(self, kind: str, rng: random.Random) -> tuple[str, str, bytes]:
        chapter = rng.choice(self.chapters)
        if kind == "read":
            return "GET", f"/api/chapters/{chapter}", b""
        if kind == "raw":
            return "GET", f"/api/chapters/{chapter}/raw", b""
        if kind == "personalize":
            return "POST", f"/api/chapters/{chapter}/personalize", b""
        if kind == "session":
            body = json.dumps({"active": rng.random() < 0.5}).encode()
            return "PUT", f"/api/chapters/{chapter}/session", body
        if kind == "profile":
            # Moves the learner's audience key now and then: some personalizations are new.
            patch = {
                "software_level": rng.choice(["beginner", "intermediate", "advanced"]),
                "difficulty_preference": rng.choice(["gentle", "balanced", "challenging"]),
            }
            return "PATCH", "/api/me/profile", json.dumps(patch).encode()
        if kind == "translate-ur":
            return "POST", "/api/chapters/intro/translate?lang=ur", b""
        return "POST", f"/api/chapters/{chapter}/translate?lang=es", b""

    def total(self) -> Kind:
        every = Kind(cached=sum(k.cached or 0 for k in self.kinds.values()))
        for kind in self.kinds.values():
            every.latencies += kind.latencies
            every.ok += kind.ok
            every.errors.update(kind.errors)
        return every

    def ok(self, *names: str) -> int:
        return sum(self.kinds[n].ok for n in names if n in self.kinds)

    def sent(self, *names: str) -> int:
        return sum(self.kinds[n].sent for n in names if n in self.kinds)


async def learner_loop(run: Run, learner: Learner, deadline: float, think: float) -> None:
    names, weights = list(run.weights), list(run.weights.values())
    while time.perf_counter() < deadline:
        name = learner.rng.choices(names, weights)[0]
        method, path, body = run.request(name, learner.rng)
        kind = run.kinds[name]
        started = time.perf_counter()
        try:
            status, payload = await learner.connection.request(method, path, body)
        except TRANSPORT_ERRORS as exc:
            kind.errors[f"transport {type(exc).__name__}"] += 1
            run.samples.setdefault(f"{name}: transport", repr(exc)[:200])
            continue
        kind.latencies.append(time.perf_counter() - started)
        if 200 <= status < 300:
            kind.ok += 1
            if kind.cached is not None and CACHED in payload:
                kind.cached += 1
        else:
            kind.errors[str(status)] += 1
            run.samples.setdefault(f"{name}: {status}", payload[:200].decode(errors="replace"))
        if think:
            await asyncio.sleep(learner.rng.expovariate(1 / think))


async def enroll(client: httpx.AsyncClient, index: int, tag: str) -> str:
    """Register, log in and complete a profile; the learner's bearer token."""
    email = f"learner{index}-{tag}@example.org"
    account = {"email": email, "password": PASSWORD}
    (await client.post("/api/auth/register", json=account)).raise_for_status()
    response = await client.post("/api/auth/login", json=account)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    profile = PROFILES[index % len(PROFILES)]
    headers = {"authorization": f"Bearer {token}"}
    (await client.patch("/api/me/profile", headers=headers, json=profile)).raise_for_status()
    return token


async def prepare(server: Server, args: argparse.Namespace) -> tuple[list[str], list[str], bool]:
    """Tokens, chapter ids, and whether the server offers a machine translator for es."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=server.base, timeout=120.0) as client:
        # One at a time: set-up is not what is measured, and on SQLite concurrent sign-ups
        # can fail with "database is locked" (the measured run shows such errors).
        tokens = [await enroll(client, i, tag) for i in range(args.learners)]
        listed = await client.get("/api/chapters")
        listed.raise_for_status()
        chapters = [c["id"] for c in listed.json()]
        offered = await client.get("/api/chapters/intro/translations")
        offered.raise_for_status()
        body = offered.json()
    if "ur" not in {h["lang"] for h in body["human"]}:
        sys.exit("the sample textbook lost intro's human Urdu translation; nothing to measure")
    machines: dict[str, list[str] | None] = body["machine"]
    spanish = any(langs is None or "es" in langs for langs in machines.values())
    print(f"# machine translators: {machines or 'none'}")
    return tokens, chapters, spanish


async def measure(server: Server, args: argparse.Namespace, name: str, label: str) -> Run:
    await server.wait_ready()
    tokens, chapters, spanish = await prepare(server, args)
    weights = dict(WEIGHTS)
    if not spanish:
        del weights["translate-es"]
        print("# translate lang=es SKIPPED: the server offers no machine translator for es")
    kinds = {kind: Kind(cached=0 if kind in SAYS_CACHED else None) for kind in weights}
    run = Run(name, label, chapters, weights, kinds)
    learners = [
        Learner(i, Connection(server.port, token), random.Random(args.seed * 1000 + i))
        for i, token in enumerate(tokens)
    ]
    pids = server.pids()
    server_before, client_before = cpu_seconds(pids), time.process_time()
    started = time.perf_counter()
    deadline = started + args.seconds
    think = args.think_ms / 1000
    await asyncio.gather(*(learner_loop(run, one, deadline, think) for one in learners))
    run.wall = time.perf_counter() - started
    run.server_cpu = cpu_seconds(pids) - server_before
    run.client_cpu = time.process_time() - client_before
    for one in learners:
        one.connection.close()
    return run


async def database_counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    queries = {
        "personalize": "SELECT count(*) FROM request_logs WHERE kind = 'personalize'",
        "translate": "SELECT count(*) FROM request_logs WHERE kind = 'translate'",
        "history": "SELECT count(*) FROM personalization_history",
    }
    try:
        async with engine.connect() as connection:
            return {
                k: int((await connection.execute(text(q))).scalar_one()) for k, q in queries.items()
            }
    finally:
        await engine.dispose()


def report(run: Run, counts: dict[str, int], problems: list[str], exit_status: int | None) -> bool:
    """Print the backend's figures; True when it made no errors and every row was recorded."""
    total = run.total()
    print(f"\n## {run.backend}\n")
    rows = [kind.row(name, run.wall) for name, kind in run.kinds.items()]
    print(table(HEADERS, [*rows, total.row("all", run.wall)]))
    errors = sum(total.errors.values())
    print(f"\nerrors: {errors}" + (f" ({dict(total.errors)})" if errors else ""))
    for what, sample in list(run.samples.items())[:8]:
        print(f"  {what}: {sample}")
    busy = run.server_cpu + run.client_cpu
    print(
        f"CPU over {run.wall:.1f} s: server {run.server_cpu:.1f} s, client {run.client_cpu:.1f} s"
        f" ({run.client_cpu / busy:.0%} of the two; {os.cpu_count()} cores)"
        if busy
        else "CPU: not measured"
    )
    print(summarize_errors(problems))
    # uvicorn re-raises the SIGTERM it caught once its graceful shutdown is done: -15.
    status = "killed after 60 s" if exit_status is None else str(exit_status)
    print(f"server exit status after SIGTERM: {status}")
    checks = [
        (
            "request_logs kind=personalize",
            run.ok("personalize"),
            run.sent("personalize"),
            "personalize",
        ),
        (
            "request_logs kind=translate",
            run.ok("translate-ur", "translate-es"),
            run.sent("translate-ur", "translate-es"),
            "translate",
        ),
        ("personalization_history", run.ok("personalize"), run.sent("personalize"), "history"),
    ]
    lines = [
        [what, ok, sent, counts[key], verdict(ok == counts[key])] for what, ok, sent, key in checks
    ]
    print()
    print(
        table(["rows after shutdown", "client 2xx", "client sent", "in database", "equal"], lines)
    )
    recorded = all(line[-1] == "PASS" for line in lines)
    relation = "equal" if recorded else "differ from"
    print(f"\n{verdict(recorded)}: recorded rows {relation} the 2xx answers the client got")
    return recorded and errors == 0


async def serve_and_measure(
    args: argparse.Namespace, name: str, label: str, database_url: str | None, cache_url: str
) -> tuple[Run, bool]:
    print(f"\n# backend: {label}")
    server = Server(args.workers, args.log_level, database_url, cache_url)
    try:
        try:
            run = await measure(server, args, name, label)
        except httpx.HTTPStatusError as exc:
            server.terminate()
            print(summarize_errors(server.logged_errors()))
            sys.exit(f"set-up failed: {exc.response.status_code} on {exc.request.url.path}")
        finally:
            exit_status = server.terminate()
        counts = await database_counts(server.database_url)
        return run, report(run, counts, server.logged_errors(), exit_status)
    finally:
        server.cleanup()


async def run_backend(args: argparse.Namespace, backend: str) -> tuple[Run, bool]:
    if backend == "sqlite":
        label = "SQLite (embedded, temporary file), memory:// cache"
        return await serve_and_measure(args, "SQLite", label, None, "memory://")
    redis = Redis.from_url(args.redis_url)
    await redis.flushdb()
    await redis.aclose()
    async with postgres_database(args.pg_admin_url) as url:
        label = f"PostgreSQL ({url}), Redis ({args.redis_url})"
        return await serve_and_measure(args, "PostgreSQL + Redis", label, url, args.redis_url)


async def main(args: argparse.Namespace) -> int:
    print(f"# {machine_line()}")
    print(
        f"# {args.learners} learners, {args.seconds} s closed loop, think time {args.think_ms} ms,"
        f" server workers {args.workers}, weights {WEIGHTS}"
    )
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [await run_backend(args, backend) for backend in backends]
    print("\n## summary\n")
    rows = []
    for run, ok in results:
        rows.append([run.name, *run.total().row("all", run.wall)[1:], verdict(ok)])
    print(table(["backend", *HEADERS[1:], "zero errors, rows equal"], rows))
    return 0 if all(ok for _, ok in results) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured run")
    parser.add_argument("--learners", type=int, default=50, help="concurrent learners")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--think-ms", type=float, default=0.0, help="mean pause between requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--log-level", default="warning", help="server log level")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the database")
    parser.add_argument("--redis-url", default=REDIS_URL, help="flushed before the run")
    return parser.parse_args()


if __name__ == "__main__":
    run_load_generator(main(parse_args()))
