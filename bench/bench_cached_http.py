"""Cached personalization over HTTP on loopback, against the raw chapter from the same server.

Goal (issue): with 32 concurrent clients, POST /api/chapters/{id}/personalize served from the
cache has a p99 at most 1.5x that of GET /api/chapters/{id}/raw, and at least 2/3 of its
throughput, both measured in the same run against the same server.

A real server runs as a subprocess (`tailored serve`, SQLite in a temporary folder, memory
cache), a learner registers, logs in and completes a profile over HTTP, the chapter is
personalized once (warm), then phases alternate raw, personalize, raw, personalize... so slow
drift (thermal, page cache, the recorder's growing tables) hits both sides alike.

The load generator shares the machine's cores with the server; its CPU time is measured and
printed beside the server's. httpx costs the client about as much CPU per request as the raw
endpoint costs the server, so with httpx alone the raw phase measures the client as much as the
server. Both clients therefore run, against the same server, in the same run:

- httpx: one `httpx.AsyncClient` with a pool of 32 connections, 32 worker tasks;
- raw: 32 worker tasks, each with its own keep-alive HTTP/1.1 connection (asyncio streams,
  pre-built request bytes, Content-Length bodies), roughly a tenth of httpx's CPU per request.

    .venv/bin/python bench/bench_cached_http.py [--requests 3000] [--client both|raw|httpx]

Errors the server logged are summarized at the end; BENCH_KEEP_LOG=FILE keeps its whole log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from _common import machine_line, median, percentile, table, verdict
from _server import Server, cpu_seconds, run_load_generator, summarize_errors

EMAIL = "bench@example.org"
PASSWORD = "a long passphrase for benchmarks"
PROFILE = {
    "software_level": "beginner",
    "hardware_level": "none",
    "languages": ["python"],
    "hardware_available": ["none"],
    "difficulty_preference": "gentle",
    "role": "student",
    "interests": ["humanoids"],
}
P99_GOAL = 1.5
THROUGHPUT_GOAL = 2 / 3


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    errors: int = 0
    not_cached: int = 0
    body_bytes: int = 0

    def merge(self, other: Phase) -> None:
        self.latencies += other.latencies
        self.wall += other.wall
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu
        self.errors += other.errors
        self.not_cached += other.not_cached
        self.body_bytes = other.body_bytes

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct_ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def row(self) -> list[object]:
        n = len(self.latencies)
        return [
            self.name,
            n,
            f"{self.rps:,.0f}",
            f"{self.pct_ms(50):.1f}",
            f"{self.pct_ms(95):.1f}",
            f"{self.pct_ms(99):.1f}",
            f"{max(self.latencies) * 1000:.1f}" if self.latencies else "-",
            f"{self.server_cpu / n * 1e6:,.0f}" if n else "-",
            f"{self.client_cpu / n * 1e6:,.0f}" if n else "-",
            self.errors,
            f"{self.body_bytes:,}",
        ]


HEADERS = [
    "phase",
    "requests",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "server CPU µs/req",
    "client CPU µs/req",
    "errors",
    "body bytes",
]


async def learner_headers(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post("/api/auth/register", json={"email": EMAIL, "password": PASSWORD})
    response.raise_for_status()
    response = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    response.raise_for_status()
    headers = {"authorization": f"Bearer {response.json()['access_token']}"}
    response = await client.patch("/api/me/profile", headers=headers, json=PROFILE)
    response.raise_for_status()
    return headers


class Fetcher(Protocol):
    name: str

    async def __call__(self, worker: int, method: str, path: str) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


class HttpxFetcher:
    """One httpx.AsyncClient with a connection pool as large as the concurrency."""

    name = "httpx"

    def __init__(self, base: str, headers: dict[str, str], concurrency: int) -> None:
        # Idle connections are dropped before uvicorn's 5 s keep-alive closes them: reusing
        # one the server just closed fails the request ("Server disconnected").
        limits = httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
        )
        self.client = httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0)
        self.headers = headers

    async def __call__(self, worker: int, method: str, path: str) -> tuple[int, bytes]:
        response = await self.client.request(method, path, headers=self.headers)
        return response.status_code, response.content

    async def close(self) -> None:
        await self.client.aclose()


class RawFetcher:
    """A minimal HTTP/1.1 keep-alive client: one connection per worker, bodies by length."""

    name = "raw"

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.connections: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        self.requests: dict[tuple[str, str], bytes] = {}

    async def __call__(self, worker: int, method: str, path: str) -> tuple[int, bytes]:
        request = self.requests.get((method, path))
        if request is None:
            request = (
                f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{self.port}\r\n{self.extra}"
                "content-length: 0\r\n\r\n"
            ).encode()
            self.requests[(method, path)] = request
        connection = self.connections.get(worker)
        if connection is None:
            connection = await asyncio.open_connection("127.0.0.1", self.port)
            self.connections[worker] = connection
        reader, writer = connection
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        closing = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise RuntimeError("chunked responses are not supported by this client")
            elif name == b"connection" and value.strip().lower() == b"close":
                closing = True
        body = await reader.readexactly(length)
        if closing:
            writer.close()
            del self.connections[worker]
        return status, body

    async def close(self) -> None:
        for _, writer in self.connections.values():
            writer.close()
        self.connections.clear()


async def run_phase(
    fetch: Fetcher,
    server: Server,
    name: str,
    method: str,
    url: str,
    requests: int,
    concurrency: int,
) -> Phase:
    phase = Phase(name)
    remaining = requests
    check_cached = method == "POST"

    async def worker(index: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status, body = await fetch(index, method, url)
            phase.latencies.append(time.perf_counter() - started)
            if status != 200:
                phase.errors += 1
            elif check_cached and b'"cached":true' not in body:
                phase.not_cached += 1
            phase.body_bytes = len(body)

    pids = server.pids()
    server_before, client_before = cpu_seconds(pids), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    phase.wall = time.perf_counter() - started
    phase.server_cpu = cpu_seconds(pids) - server_before
    phase.client_cpu = time.process_time() - client_before
    return phase


@dataclass
class Verdicts:
    client: str
    p99_ratio: float
    rps_ratio: float

    @property
    def ok(self) -> bool:
        return self.p99_ratio <= P99_GOAL and self.rps_ratio >= THROUGHPUT_GOAL


async def measure(
    fetch: Fetcher, server: Server, args: argparse.Namespace, raw_url: str, pz_url: str
) -> Verdicts:
    # Warm-up: connections, every worker process's hot copy, the library cache.
    for method, url in (("GET", raw_url), ("POST", pz_url)):
        await run_phase(fetch, server, "warm", method, url, args.warmup, args.concurrency)
    raw_total = Phase(f"{fetch.name}: raw (all)")
    pz_total = Phase(f"{fetch.name}: personalize (all)")
    rows: list[list[object]] = []
    for number in range(1, args.rounds + 1):
        raw = await run_phase(
            fetch,
            server,
            f"{fetch.name}: raw #{number}",
            "GET",
            raw_url,
            args.requests,
            args.concurrency,
        )
        pz = await run_phase(
            fetch,
            server,
            f"{fetch.name}: personalize #{number}",
            "POST",
            pz_url,
            args.requests,
            args.concurrency,
        )
        rows += [raw.row(), pz.row()]
        raw_total.merge(raw)
        pz_total.merge(pz)
        if pz.not_cached:
            print(f"warning: {pz.not_cached} personalize responses were not cached")
    rows += [raw_total.row(), pz_total.row()]
    print(f"\n## client: {fetch.name}\n")
    print(table(HEADERS, rows))
    p99_ratio = pz_total.pct_ms(99) / raw_total.pct_ms(99)
    p50_ratio = median(pz_total.latencies) / median(raw_total.latencies)
    rps_ratio = pz_total.rps / raw_total.rps
    cpu_ratio = (pz_total.server_cpu / len(pz_total.latencies)) / (
        raw_total.server_cpu / len(raw_total.latencies)
    )
    client_cpu = raw_total.client_cpu + pz_total.client_cpu
    server_cpu = raw_total.server_cpu + pz_total.server_cpu
    print()
    print(
        table(
            [f"{fetch.name}: personalize / raw", "value", "goal", "verdict"],
            [
                [
                    "p99 latency",
                    f"{p99_ratio:.2f}x",
                    f"<= {P99_GOAL}x",
                    verdict(p99_ratio <= P99_GOAL),
                ],
                [
                    "throughput",
                    f"{rps_ratio:.2f}x",
                    f">= {THROUGHPUT_GOAL:.2f}x",
                    verdict(rps_ratio >= THROUGHPUT_GOAL),
                ],
                ["p50 latency", f"{p50_ratio:.2f}x", "-", "-"],
                ["server CPU per request", f"{cpu_ratio:.2f}x", "-", "-"],
            ],
        )
    )
    print(
        f"\nload generator's share of the CPU used: {client_cpu / (client_cpu + server_cpu):.0%} "
        f"(client {client_cpu:.1f}s, server {server_cpu:.1f}s, {os.cpu_count()} cores)"
    )
    if raw_total.errors or pz_total.errors:
        raise RuntimeError(f"{raw_total.errors + pz_total.errors} requests failed")
    return Verdicts(fetch.name, p99_ratio, rps_ratio)


async def main(args: argparse.Namespace) -> int:
    server = Server(args.workers, args.log_level, args.database_url, args.cache_url)
    try:
        await server.wait_ready()
        async with httpx.AsyncClient(base_url=server.base, timeout=60.0) as setup:
            headers = await learner_headers(setup)
            raw_url = f"/api/chapters/{args.chapter}/raw"
            pz_url = f"/api/chapters/{args.chapter}/personalize"
            first = await setup.post(pz_url, headers=headers)
            first.raise_for_status()
            body = first.json()
        if not body["verification"]["ok"]:
            print(f"warning: the chapter was not personalized: {body['verification']}")
        print(f"# {machine_line()}")
        database = args.database_url or "SQLite (temporary file)"
        print(f"# server: {server.command} (log level {args.log_level})")
        print(f"# database: {database}; cache: {args.cache_url}")
        print(
            f"# chapter {args.chapter}: {len(body['content'].encode()):,} bytes adapted, "
            f"transformations {[t['name'] for t in body['applied_transformations']]}, "
            f"adapter {body['adapter']}"
        )
        print(
            f"# per client: {args.rounds} rounds x (raw, personalize) x {args.requests} "
            f"requests, {args.concurrency} concurrent, warm-up {args.warmup} per endpoint"
        )
        kinds = ["httpx", "raw"] if args.client == "both" else [args.client]
        results: list[Verdicts] = []
        for kind in kinds:
            fetch: Fetcher = (
                HttpxFetcher(server.base, headers, args.concurrency)
                if kind == "httpx"
                else RawFetcher(server.port, headers)
            )
            try:
                results.append(await measure(fetch, server, args, raw_url, pz_url))
            finally:
                await fetch.close()
        print("\n## goals\n")
        print(
            table(
                ["client", "p99 ratio (<= 1.5x)", "throughput ratio (>= 0.67x)", "verdict"],
                [
                    [r.client, f"{r.p99_ratio:.2f}x", f"{r.rps_ratio:.2f}x", verdict(r.ok)]
                    for r in results
                ],
            )
        )
        print(f"\n{summarize_errors(server.logged_errors())}")
        return 0
    finally:
        server.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase")
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="raw/personalize pairs")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--chapter", default="ros2/nodes-and-topics")
    parser.add_argument("--client", choices=["both", "raw", "httpx"], default="both")
    parser.add_argument(
        "--log-level", default="warning", help="server log level (info adds an access log line)"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database to serve from (default: SQLite in a temporary folder)",
    )
    parser.add_argument(
        "--cache-url", default="memory://", help="cache URL (e.g. redis://127.0.0.1:6379/9)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    run_load_generator(main(parse_args()))
