"""The result store's near copy: whole results stay in process memory briefly, partial never."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.derived.outcome import Outcome
from tailored.derived.store import Lifetimes, ResultStore, encode
from tailored.kit.cache import Cache, create_cache
from tailored.models import PersonalizedResult, RequestStatus

WHOLE = Outcome("adapted text")
PARTIAL = Outcome("half adapted", status=RequestStatus.rejected, unfinished=("setup",))


@pytest.fixture
async def memory() -> AsyncIterator[Cache]:
    cache = create_cache("memory://", namespace=uuid.uuid4().hex)
    yield cache
    await cache.close()


@pytest.fixture
def store(
    memory: Cache, sessionmaker: async_sessionmaker[AsyncSession]
) -> ResultStore[PersonalizedResult]:
    life = Lifetimes(full=timedelta(hours=1), partial=timedelta(minutes=10))
    return ResultStore(
        "personalized", PersonalizedResult, cache=memory, sessionmaker=sessionmaker, lifetimes=life
    )


class TestNearCopy:
    async def test_a_whole_result_is_served_from_process_memory(
        self, memory: Cache, store: ResultStore[PersonalizedResult]
    ) -> None:
        await memory.set(store.hot_key("k"), encode(WHOLE), ttl=60)
        assert await store.hot("k") == WHOLE
        await memory.delete(store.hot_key("k"))  # the shared copy goes; the near one stays
        assert await store.hot("k") == WHOLE

    async def test_forget_drops_the_near_copy_too(
        self, memory: Cache, store: ResultStore[PersonalizedResult]
    ) -> None:
        await memory.set(store.hot_key("k"), encode(WHOLE), ttl=60)
        assert await store.hot("k") == WHOLE
        await store.forget(["k"])
        assert await store.hot("k") is None
        await memory.set(store.hot_key("k"), encode(WHOLE), ttl=60, tags=("personalized",))
        assert await store.hot("k") == WHOLE
        await store.forget_all()
        assert await store.hot("k") is None

    async def test_a_partial_result_is_never_kept_near(
        self, memory: Cache, store: ResultStore[PersonalizedResult]
    ) -> None:
        await memory.set(store.hot_key("p"), encode(PARTIAL), ttl=60)
        assert await store.hot("p") == PARTIAL
        await memory.delete(store.hot_key("p"))
        assert await store.hot("p") is None
