"""LLM adaptation: end-to-end time against the ideal, engine overhead, single flight, streaming.

A loopback server speaking the OpenAI wire protocol (tests/llm/fake_servers.py) answers every
call after a fixed latency (300 ms), rewriting the section it was sent; the provider allows 4
calls at once. The chapter has 12 sections of prose, inline code, links and code blocks.

1. Uncached personalization through the engine (`Personalizer` + `LLMAdapter`, SQLite file,
   memory cache), fresh each run: total time vs the ideal ceil(12/4) x 300 ms, and engine
   overhead = total - time inside the provider (the union of the server's request intervals).
   "Inside the provider" is the union of the intervals during which at least one call to the
   provider (SDK, HTTP and server) was in flight; the server-side union is shown beside it.
2. Single flight: 100 concurrent identical uncached requests in one process; then two worker
   processes (spawned) sharing Redis and one database, 50 requests each: model calls / 12.
3. Streaming over HTTP (uvicorn on loopback, SSE endpoint): time to the first rewritten
   section vs one call's latency.

    .venv/bin/python bench/bench_llm.py [--runs 5] [--latency 0.3] [--redis URL]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from _common import ROOT, machine_line, median, table, verdict

sys.path.insert(0, str(ROOT))  # the loopback provider lives with the tests

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import delete  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from tailored.content import service as content  # noqa: E402
from tailored.derived.recorder import Recorder  # noqa: E402
from tailored.kit.cache import create_cache  # noqa: E402
from tailored.kit.db import create_engine, create_sessionmaker  # noqa: E402
from tailored.kit.migrate import upgrade_async  # noqa: E402
from tailored.llm import ChatMessage, Completion, ProviderConfig, ResilientProvider  # noqa: E402
from tailored.llm.openai_provider import OpenAIProvider  # noqa: E402
from tailored.models import PersonalizedResult  # noqa: E402
from tailored.personalization.engine import Personalizer  # noqa: E402
from tailored.personalization.llm_adapter import LLMAdapter  # noqa: E402
from tailored.personalization.rules import RulesAdapter  # noqa: E402
from tailored.profiles.schemas import ProfileData  # noqa: E402
from tailored.testing import OpenAIServer, Received, reply, section_of  # noqa: E402

SECTIONS = 12
CONCURRENCY = 4
PROFILE = ProfileData.model_validate(
    {"software_level": "beginner", "hardware_level": "none", "languages": ["python"]}
)


def chapter_text() -> str:
    parts = ["# Twelve sections\n\nAn introduction with `inline code` and a [link](./x.md).\n"]
    for i in range(1, SECTIONS):
        parts.append(
            f"\n## Part {i}\n\nA node in part {i} publishes on `/topic_{i}` at 10 Hz; see "
            f"[the guide](https://example.org/guide/{i}). It is a simple idea with a long "
            "tail of details that a beginner may want spelled out.\n\n"
            f"```python\nprint({i})\n```\n"
        )
    return "".join(parts)


def simplify(req: Received) -> str:
    return section_of(req).replace(" a ", " a plain ")


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, -math.inf
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


class TimedProvider(OpenAIProvider):
    """The real OpenAI provider, noting when each call is in flight (after the concurrency
    slot is taken: the resilient wrapper sits outside it)."""

    intervals: list[tuple[float, float]] = []

    async def complete(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> Completion:
        started = time.monotonic()
        try:
            return await super().complete(messages, system=system)
        finally:
            TimedProvider.intervals.append((started, time.monotonic()))


def build_provider(config: ProviderConfig) -> ResilientProvider:
    return ResilientProvider(TimedProvider(config), config)


def provider_config(server: OpenAIServer) -> ProviderConfig:
    return ProviderConfig(
        name="loopback",
        kind="openai",
        base_url=server.base_url,
        model="bench",
        api_key=SecretStr("sk-bench"),
        concurrency=CONCURRENCY,
        timeout_s=10,
    )


async def setup_db(url: str, docs: Path) -> None:
    engine = create_engine(url)
    await upgrade_async(engine)
    async with create_sessionmaker(engine)() as session:
        assert (await content.ingest(session, docs)).ok
        await session.commit()
    await engine.dispose()


_ENGINES: dict[str, AsyncEngine] = {}


def warm_engine(db_url: str) -> AsyncEngine:
    """One engine per database and process, as a running server holds (a warm pool)."""
    if db_url not in _ENGINES:
        _ENGINES[db_url] = create_engine(db_url)
    return _ENGINES[db_url]


def make_personalizer(server: OpenAIServer, db_url: str, cache_url: str, ns: str) -> Personalizer:
    engine = warm_engine(db_url)
    adapter = LLMAdapter(
        RulesAdapter(), build_provider(provider_config(server)), provider_label="b"
    )
    return Personalizer(
        adapter=adapter,
        cache=create_cache(cache_url, namespace=ns),
        recorder=Recorder(create_sessionmaker(engine)),
        ttl_seconds=3600,
        lock_ttl=30.0,
        sessionmaker=create_sessionmaker(engine),
    )


async def clear_results(db_url: str) -> None:
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as session:
        await session.execute(delete(PersonalizedResult))
        await session.commit()
    await engine.dispose()


async def burst(personalizer: Personalizer, db_url: str, n: int) -> None:
    maker = create_sessionmaker(warm_engine(db_url))
    async with maker() as session:
        chapter = await content.get_chapter(session, "twelve")

    async def one() -> None:
        await personalizer.personalize(chapter, PROFILE, user_id=None)

    await asyncio.gather(*(one() for _ in range(n)))


# -- 1. end to end -----------------------------------------------------------------------------


async def end_to_end(server: OpenAIServer, db_url: str, runs: int, latency: float) -> bool:
    totals, overheads, server_side = [], [], []
    for _ in range(runs):
        await clear_results(db_url)
        personalizer = make_personalizer(server, db_url, "memory://", uuid.uuid4().hex)
        server.intervals.clear()
        TimedProvider.intervals.clear()
        maker = create_sessionmaker(warm_engine(db_url))
        async with maker() as session:
            chapter = await content.get_chapter(session, "twelve")
            started = time.monotonic()
            result = await personalizer.personalize(chapter, PROFILE, user_id=None)
            total = time.monotonic() - started
            await session.commit()
        assert not result.cached
        assert "a plain" in result.content, result.applied
        totals.append(total)
        overheads.append(total - union_seconds(TimedProvider.intervals))
        server_side.append(total - union_seconds(server.intervals))
    ideal = math.ceil(SECTIONS / CONCURRENCY) * latency
    ratio = median(totals) / ideal
    over_ms = median(overheads) * 1000
    print(f"\n## 1. Uncached LLM personalization, {SECTIONS} sections, concurrency {CONCURRENCY}\n")
    print(
        table(
            [
                "runs",
                "ideal s",
                "median total s",
                "ratio (<= 1.3x)",
                "engine overhead ms (< 30)",
                "total - server time ms",
            ],
            [
                [
                    runs,
                    f"{ideal:.2f}",
                    f"{median(totals):.3f}",
                    f"{ratio:.3f}x",
                    f"{over_ms:.1f}",
                    f"{median(server_side) * 1000:.1f}",
                ]
            ],
        )
    )
    ok = ratio <= 1.3 and over_ms < 30
    print(f"\nverdict: {verdict(ok)} (totals {[round(t, 3) for t in totals]})")
    return ok


# -- 2. single flight --------------------------------------------------------------------------


def _worker(port: int, db_url: str, cache_url: str, ns: str, start: float, n: int) -> None:
    server = OpenAIServer()
    server.port = port  # only base_url is used: the parent's server answers

    async def main() -> None:
        personalizer = make_personalizer(server, db_url, cache_url, ns)
        await asyncio.sleep(max(0.0, start - time.time()))
        await burst(personalizer, db_url, n)

    asyncio.run(main())


async def single_flight(server: OpenAIServer, db_url: str, redis: str | None) -> bool:
    rows = []
    await clear_results(db_url)
    before = server.count
    await burst(make_personalizer(server, db_url, "memory://", uuid.uuid4().hex), db_url, 100)
    calls = server.count - before
    rows.append(["one process, memory://", 100, calls, f"{calls / SECTIONS:.2f}"])
    ok = calls == SECTIONS
    if redis:
        await clear_results(db_url)
        ns = f"bench-llm-{uuid.uuid4().hex}"
        before = server.count
        ctx = multiprocessing.get_context("spawn")
        start = time.time() + 3.0
        procs = [
            ctx.Process(target=_worker, args=(server.port, db_url, redis, ns, start, 50))
            for _ in range(2)
        ]
        for p in procs:
            p.start()
        while any(p.is_alive() for p in procs):
            await asyncio.sleep(0.05)
        calls = server.count - before
        rows.append(["two processes, Redis", 100, calls, f"{calls / SECTIONS:.2f}"])
        ok = ok and calls == SECTIONS and all(p.exitcode == 0 for p in procs)
        cache = create_cache(redis, namespace=ns)
        await cache.delete_prefix("")
        await cache.close()
    print("\n## 2. Single flight: 100 concurrent identical uncached requests\n")
    print(table(["setup", "requests", "model calls", "generations per section (= 1)"], rows))
    print(f"\nverdict: {verdict(ok)}")
    return ok


# -- 3. streaming ------------------------------------------------------------------------------


async def streaming(server: OpenAIServer, db_url: str, runs: int, latency: float) -> bool:
    """The API in its own process (`tailored serve`, configured by environment variables as an
    operator would), this process playing the model and the client."""
    import json
    import os
    import subprocess

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = {
        "name": "loopback",
        "kind": "openai",
        "base_url": server.base_url,
        "model": "bench",
        "api_key": "sk-bench",
        "concurrency": CONCURRENCY,
    }
    env = {
        **os.environ,
        "TAILORED_DATABASE_URL": db_url,
        "TAILORED_ADAPTER": "llm",
        "TAILORED_LLM": json.dumps({"providers": [provider]}),
        "TAILORED_ARGON2_TIME_COST": "1",
        "TAILORED_ARGON2_MEMORY_COST_KIB": "1024",
        "TAILORED_LOG_LEVEL": "warning",
    }
    tailored = Path(sys.executable).with_name("tailored")
    api = subprocess.Popen([str(tailored), "serve", "--port", str(port)], env=env)
    firsts, rewritten, arrivals, answered = [], [], [], []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(200):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
            creds = {"email": email, "password": "a long passphrase"}
            await client.post("/api/auth/register", json=creds)
            token = (await client.post("/api/auth/login", json=creds)).json()["access_token"]
            headers = {"authorization": f"Bearer {token}"}
            await client.patch("/api/me/profile", headers=headers, json=PROFILE.changes())
            for run in range(runs + 1):
                # A different chapter source each run: nothing stored or hot can answer.
                await edit_chapter(db_url, run)
                server.intervals.clear()
                started = time.monotonic()
                first = seen = None
                url = "/api/chapters/twelve/personalize/stream"
                async with client.stream("POST", url, headers=headers) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("event: section") and first is None:
                            first = time.monotonic() - started
                        if line.startswith("data:") and "a plain" in line and seen is None:
                            seen = time.monotonic() - started
                assert first is not None
                assert seen is not None
                if run:  # the first run warms the server's imports and connections
                    firsts.append(first)
                    rewritten.append(seen)
                    arrivals.append(min(a for a, _ in server.intervals) - started)
                    answered.append(min(b for _, b in server.intervals) - started)
    finally:
        api.terminate()
        api.wait(10)
    ratio = median(rewritten) / latency
    print(
        f"(first model call reached the server after {median(arrivals) * 1000:.1f} ms; "
        f"first answer left it at {median(answered) * 1000:.1f} ms)"
    )
    print("\n## 3. Streaming over HTTP (API in its own process): time to the first section\n")
    print(
        table(
            ["runs", "one call s", "first event s", "first rewritten section s", "ratio (< 1.2x)"],
            [
                [
                    runs,
                    f"{latency:.2f}",
                    f"{median(firsts):.3f}",
                    f"{median(rewritten):.3f}",
                    f"{ratio:.3f}x",
                ]
            ],
        )
    )
    ok = ratio < 1.2
    print(f"\nverdict: {verdict(ok)}")
    return ok


async def edit_chapter(db_url: str, run: int) -> None:
    """Give the chapter a new source (and hash), as an author's edit would."""
    import hashlib

    from sqlalchemy import update

    from tailored.models import Chapter

    source = chapter_text() + f"\nRevision {run}.\n"
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as session:
        await session.execute(
            update(Chapter)
            .where(Chapter.id == "twelve")
            .values(source=source, source_hash=hashlib.sha256(source.encode()).hexdigest())
        )
        await session.commit()
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    print(f"# bench_llm | {machine_line()}")
    server = OpenAIServer()
    server.default = reply(simplify, delay=args.latency)
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        (docs / "twelve.md").write_text(chapter_text())
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await setup_db(db_url, docs)
        redis = args.redis if _reachable(args.redis) else None
        if redis is None:
            print(f"(Redis at {args.redis} not reachable: the two-process run is skipped)")
        results = [
            await end_to_end(server, db_url, args.runs, args.latency),
            await single_flight(server, db_url, redis),
            await streaming(server, db_url, args.runs, args.latency),
        ]
    await server.close()
    print(f"\nall goals: {verdict(all(results))}")


def _reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    asyncio.run(main())
