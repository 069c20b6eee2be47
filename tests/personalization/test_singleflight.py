"""Concurrent identical requests generate once: in one process, and across processes on Redis.

These tests commit for real (concurrent sessions cannot share the per-test transaction), on a
chapter id of their own, and delete it afterwards.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.kit.cache import Cache, create_cache
from tailored.kit.db import create_sessionmaker
from tailored.profiles.schemas import ProfileData
from tests.fixtures.content import committed_chapter as committed
from tests.personalization.adapters import NoteAdapter
from tests.personalization.conftest import CHAPTER, make_personalizer
from tests.services import redis_url

PROFILE = ProfileData(software_level="intermediate", hardware_level="basic")


@pytest.fixture
async def committed_chapter(engine: AsyncEngine) -> AsyncIterator[str]:
    async with committed(engine, CHAPTER, title="Publishers") as chapter:
        yield chapter.id


async def _burst(
    maker: async_sessionmaker[AsyncSession], cache: Cache, chapter_id: str, n: int, delay: float
) -> tuple[int, int]:
    """n concurrent identical requests; returns (adaptations, responses served from storage)."""
    adapter = NoteAdapter(delay=delay)
    engine = make_personalizer(maker, cache, adapter)
    async with maker() as session:
        chapter = await content.get_chapter(session, chapter_id)

    async def one() -> bool:
        result = await engine.personalize(chapter, PROFILE, user_id=None)
        return result.cached

    results = await asyncio.gather(*(one() for _ in range(n)))
    await engine.recorder.flush()
    return adapter.calls, sum(results)


class TestInOneProcess:
    async def test_hundred_identical_requests_adapt_once(
        self, engine: AsyncEngine, committed_chapter: str
    ) -> None:
        cache = create_cache("memory://", namespace=uuid.uuid4().hex)
        calls, cached = await _burst(
            create_sessionmaker(engine), cache, committed_chapter, 100, 0.2
        )
        assert calls == 1
        assert cached == 99


def _worker(db_url: str, cache_url: str, namespace: str, chapter_id: str, start: float) -> int:
    """One 'server process': waits for the common start time, then fires 50 requests."""
    import time

    from tailored.kit.db import create_engine

    async def main() -> int:
        eng = create_engine(db_url)
        cache = create_cache(cache_url, namespace=namespace)
        try:
            await asyncio.sleep(max(0.0, start - time.time()))
            calls, _ = await _burst(create_sessionmaker(eng), cache, chapter_id, 50, 0.5)
            return calls
        finally:
            await cache.close()
            await eng.dispose()

    return asyncio.run(main())


class TestAcrossProcesses:
    async def test_two_processes_sharing_redis_adapt_once(
        self, engine: AsyncEngine, committed_chapter: str
    ) -> None:
        import time

        url = redis_url()
        namespace = f"flight-{uuid.uuid4().hex}"
        db_url = engine.url.render_as_string(hide_password=False)
        ctx = multiprocessing.get_context("spawn")
        start = time.time() + 3.0
        with ctx.Pool(2) as pool:
            pending = [
                pool.apply_async(_worker, (db_url, url, namespace, committed_chapter, start))
                for _ in range(2)
            ]
            calls = [await asyncio.to_thread(p.get, 60) for p in pending]
        assert sum(calls) == 1, calls
        cache = create_cache(url, namespace=namespace)
        await cache.delete_prefix("")
        await cache.close()
