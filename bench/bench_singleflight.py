"""Single flight: 100 concurrent identical uncached requests cause exactly one adaptation.

The engine (`Personalizer`) with the rules adapter on a temporary SQLite database holding the
ingested sample textbook; 100 concurrent `personalize` calls for one chapter and one profile
(3 chapters x 2 profiles), each with its own session from a real sessionmaker (committing like
a request), counted with `personalizer.adaptations`. Run for the in-process cache
(`memory://`) and, when one answers, Redis at 127.0.0.1:6379/0 under a namespace of its own,
deleted afterwards. Each backend starts from nothing stored (no result rows, a fresh cache
namespace); a second, identical burst then shows the same 100 requests served from the cache.

    .venv/bin/python bench/bench_singleflight.py [--requests 100] [--redis URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass

from _common import TEXTBOOK, machine_line, median, rules_adapter, table, verdict
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.derived.recorder import Recorder
from tailored.kit.cache import Cache, create_cache
from tailored.kit.db import create_engine, create_sessionmaker, transaction
from tailored.kit.migrate import upgrade_async
from tailored.models import PersonalizedResult
from tailored.personalization.engine import Personalizer
from tailored.profiles.schemas import ProfileData

CHAPTERS = ("ros2/nodes-and-topics", "perception/cameras-and-depth", "vla/vla-models")
PROFILES = {
    "beginner": ProfileData.model_validate(
        {
            "software_level": "beginner",
            "hardware_level": "none",
            "languages": ["python"],
            "hardware_available": ["none"],
            "difficulty_preference": "gentle",
        }
    ),
    "advanced": ProfileData.model_validate(
        {
            "software_level": "advanced",
            "hardware_level": "advanced",
            "languages": ["cpp"],
            "hardware_available": ["jetson_kit"],
            "difficulty_preference": "challenging",
        }
    ),
}


@dataclass
class Burst:
    backend: str
    chapter: str
    profile: str
    kind: str
    requests: int
    adaptations: int
    cached: int
    unverified: int
    wall: float
    latencies: list[float]

    def row(self) -> list[object]:
        return [
            self.backend,
            self.chapter,
            self.profile,
            self.kind,
            self.requests,
            self.adaptations,
            self.cached,
            self.unverified,
            f"{self.wall * 1000:.0f}",
            f"{median(self.latencies) * 1000:.0f}",
            f"{max(self.latencies) * 1000:.0f}",
        ]


async def burst(
    maker: async_sessionmaker[AsyncSession],
    personalizer: Personalizer,
    backend: str,
    chapter_id: str,
    profile_name: str,
    kind: str,
    requests: int,
) -> Burst:
    profile = PROFILES[profile_name]
    async with maker() as session:
        chapter = await content.get_chapter(session, chapter_id)

    async def one() -> tuple[bool, bool, float]:
        started = time.perf_counter()
        result = await personalizer.personalize(chapter, profile, user_id=None)
        return result.cached, result.verified, time.perf_counter() - started

    before = personalizer.adaptations
    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(requests)))
    wall = time.perf_counter() - started
    return Burst(
        backend,
        chapter_id,
        profile_name,
        kind,
        requests,
        personalizer.adaptations - before,
        sum(cached for cached, _, _ in results),
        sum(not verified for _, verified, _ in results),
        wall,
        [latency for _, _, latency in results],
    )


async def redis_cache(url: str) -> Cache | None:
    cache = create_cache(url, namespace=f"tailored-bench-flight-{uuid.uuid4().hex}")
    try:
        await asyncio.wait_for(cache.ping(), timeout=2.0)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable": skip it
        print(f"# {url}: not reachable ({exc!r}); skipped")
        await cache.close()
        return None
    return cache


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="tailored-bench-") as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            await upgrade_async(engine)
            maker = create_sessionmaker(engine)
            async with transaction(maker) as session:
                report = await content.ingest(session, TEXTBOOK)
            if not report.ok:
                sys.exit(f"ingest failed: {report.errors}")
            adapter = rules_adapter()
            print(f"# {machine_line()}")
            print(
                f"# adapter {adapter.name}@{adapter.version}; SQLite (temporary file); "
                f"{args.requests} concurrent identical requests per burst"
            )
            backends: list[tuple[str, Cache]] = [
                ("memory://", create_cache("memory://", namespace=uuid.uuid4().hex))
            ]
            if (redis := await redis_cache(args.redis)) is not None:
                backends.append((args.redis, redis))
            bursts: list[Burst] = []
            for label, cache in backends:
                try:
                    personalizer = Personalizer(
                        adapter=adapter,
                        cache=cache,
                        recorder=Recorder(maker),
                        sessionmaker=maker,
                        ttl_seconds=3600,
                        lock_ttl=30.0,
                    )
                    async with transaction(maker) as session:
                        await session.execute(delete(PersonalizedResult))
                    for chapter_id in CHAPTERS:
                        for profile in PROFILES:
                            for kind in ("uncached", "again (cached)"):
                                bursts.append(
                                    await burst(
                                        maker,
                                        personalizer,
                                        label,
                                        chapter_id,
                                        profile,
                                        kind,
                                        args.requests,
                                    )
                                )
                    await personalizer.recorder.flush()
                finally:
                    if cache is not backends[0][1]:
                        await cache.delete_prefix("")  # our own namespace only
                    await cache.close()
        finally:
            await engine.dispose()
    print()
    print(
        table(
            [
                "cache",
                "chapter",
                "profile",
                "burst",
                "requests",
                "adaptations",
                "cached=true",
                "unverified",
                "wall ms",
                "p50 ms",
                "max ms",
            ],
            [b.row() for b in bursts],
        )
    )
    uncached = [b for b in bursts if b.kind == "uncached"]
    ok = all(b.adaptations == 1 for b in uncached) and all(
        b.adaptations == 0 for b in bursts if b.kind != "uncached"
    )
    print(
        f"\ngoal: exactly 1 adaptation per uncached burst of {args.requests} "
        f"({', '.join(str(b.adaptations) for b in uncached)}): {verdict(ok)}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    argp = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    argp.add_argument("--requests", type=int, default=100)
    argp.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    sys.exit(asyncio.run(main(argp.parse_args())))
