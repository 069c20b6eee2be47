"""Single flight never turns a slow generation into an error."""

from __future__ import annotations

import asyncio
import uuid

from tailored.config import Settings
from tailored.derived.singleflight import LOCK_MARGIN_SECONDS, SingleFlight, lock_ttl_for
from tailored.kit.cache import create_cache


class TestLockLifetime:
    def test_lock_outlives_the_time_budget_whatever_the_setting(self) -> None:
        settings = Settings(personalization_lock_ttl_seconds=1.0, llm_budget_seconds=120.0)
        ttl = lock_ttl_for(
            settings.llm_budget_seconds, floor=settings.personalization_lock_ttl_seconds
        )
        assert ttl >= settings.llm_budget_seconds + LOCK_MARGIN_SECONDS
        assert lock_ttl_for(0.0, floor=30.0) == 30.0

    async def test_work_that_outlives_its_lock_still_answers(self) -> None:
        cache = create_cache("memory://", namespace=uuid.uuid4().hex)
        flight: SingleFlight[str] = SingleFlight(cache, lock_ttl=0.05)

        async def lookup() -> str | None:
            return None

        async def slow() -> str:
            await asyncio.sleep(0.3)  # the lock expires meanwhile
            return "made"

        assert await flight.run("k", lookup, slow) == ("made", True)
        await cache.close()

    async def test_a_waiter_that_gives_up_on_the_lock_still_answers(self) -> None:
        cache = create_cache("memory://", namespace=uuid.uuid4().hex)
        # Another process holds the lock and never lets go (until its TTL).
        assert await cache.set_if_absent("lock:flight:k", b"other", ttl=60)
        flight: SingleFlight[str] = SingleFlight(cache, lock_ttl=60, wait=0.1)

        async def lookup() -> str | None:
            return None

        async def produce() -> str:
            return "made anyway"

        assert await flight.run("k", lookup, produce) == ("made anyway", True)
        await cache.close()

    async def test_followers_in_one_process_share_the_leaders_result(self) -> None:
        cache = create_cache("memory://", namespace=uuid.uuid4().hex)
        flight: SingleFlight[str] = SingleFlight(cache, lock_ttl=5)
        calls = 0

        async def lookup() -> str | None:
            return None

        async def produce() -> str:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.05)
            return "once"

        results = await asyncio.gather(*(flight.run("k", lookup, produce) for _ in range(10)))
        assert calls == 1
        assert [r[0] for r in results] == ["once"] * 10
        assert sum(r[1] for r in results) == 1
        await cache.close()
