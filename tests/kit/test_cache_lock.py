"""`CacheLock` against every backend; ``peer`` stands in for another process."""

from __future__ import annotations

import asyncio
import time

import pytest

from tailored.kit.cache import (
    Cache,
    CacheLock,
    LockLostError,
    LockTimeoutError,
    cache_lock,
)


async def test_acquire_and_release(cache: Cache) -> None:
    lock = CacheLock(cache, "job", ttl=5)
    await lock.acquire()
    assert lock.held
    assert await cache.get("lock:job") is not None
    assert await CacheLock(cache, "job", wait=0).try_acquire() is False
    assert await lock.release() is True
    assert not lock.held
    assert await cache.get("lock:job") is None
    assert await CacheLock(cache, "job", wait=0).try_acquire() is True


async def test_lock_key_carries_the_ttl(cache: Cache) -> None:
    async with cache_lock(cache, "job", ttl=5):
        ttl = await cache.ttl("lock:job")
        assert ttl is not None
        assert 4 < ttl <= 5


async def test_mutual_exclusion(cache: Cache, peer: Cache) -> None:
    handles = [cache, peer]
    inside = 0
    most_inside = 0
    order: list[int] = []

    async def worker(i: int) -> None:
        nonlocal inside, most_inside
        async with CacheLock(handles[i % 2], "counter", ttl=5, wait=10):
            inside += 1
            most_inside = max(most_inside, inside)
            # A read-modify-write spanning awaits loses updates unless the lock serialises it.
            count = int(await cache.get("count") or b"0")
            await asyncio.sleep(0.002)
            await cache.set("count", str(count + 1).encode())
            order.append(i)
            inside -= 1

    await asyncio.gather(*(worker(i) for i in range(20)))
    assert most_inside == 1
    assert await cache.get("count") == b"20"
    assert sorted(order) == list(range(20))


async def test_crashed_holder_lock_expires(cache: Cache, peer: Cache) -> None:
    crashed = CacheLock(cache, "job", ttl=0.2)
    await crashed.acquire()  # and never released
    started = time.monotonic()
    async with CacheLock(peer, "job", ttl=5, wait=3) as successor:
        waited = time.monotonic() - started
        assert successor.held
    assert 0.1 < waited < 2


async def test_release_never_deletes_someone_elses_lock(cache: Cache, peer: Cache) -> None:
    slow = CacheLock(cache, "job", ttl=0.1)
    await slow.acquire()
    await asyncio.sleep(0.2)
    successor = CacheLock(peer, "job", ttl=5, wait=0)
    await successor.acquire()
    assert await slow.release() is False
    assert await CacheLock(cache, "job", wait=0).try_acquire() is False
    assert await successor.release() is True


async def test_context_manager_reports_a_lost_lock(cache: Cache, peer: Cache) -> None:
    async def outlive_the_lock() -> None:
        async with CacheLock(cache, "job", ttl=0.1):
            await asyncio.sleep(0.2)
            await CacheLock(peer, "job", wait=0).acquire()

    with pytest.raises(LockLostError, match="'job' expired before release"):
        await outlive_the_lock()
    assert await cache.get("lock:job") is not None  # the other owner's lock is untouched


async def test_context_manager_lets_the_blocks_error_through(cache: Cache) -> None:
    async def fail_inside(ttl: float, pause: float) -> None:
        async with CacheLock(cache, "job", ttl=ttl):
            await asyncio.sleep(pause)
            raise KeyError("from the block")

    with pytest.raises(KeyError):
        await fail_inside(ttl=0.1, pause=0.2)  # the lock is lost too, but the block's error wins
    with pytest.raises(KeyError):
        await fail_inside(ttl=5, pause=0)
    assert await cache.get("lock:job") is None


async def test_wait_timeout_raises_a_clear_error(cache: Cache, peer: Cache) -> None:
    async with CacheLock(cache, "job", ttl=5):
        started = time.monotonic()
        with pytest.raises(LockTimeoutError, match=r"lock 'job' is still held .* 0\.3s"):
            await CacheLock(peer, "job", wait=0.3).acquire()
        assert 0.25 < time.monotonic() - started < 1.5
        with pytest.raises(TimeoutError):
            await CacheLock(peer, "job", wait=0).acquire()


async def test_waiter_gets_the_lock_when_released(cache: Cache, peer: Cache) -> None:
    holder = CacheLock(cache, "job", ttl=5)
    await holder.acquire()

    async def release_soon() -> None:
        await asyncio.sleep(0.1)
        await holder.release()

    started = time.monotonic()
    async with asyncio.TaskGroup() as group:
        group.create_task(release_soon())
        async with CacheLock(peer, "job", ttl=5, wait=None):
            waited = time.monotonic() - started
    assert 0.05 < waited < 1


async def test_names_are_independent(cache: Cache) -> None:
    async with CacheLock(cache, "a", wait=0), CacheLock(cache, "b", wait=0):
        pass


async def test_reacquire_after_release(cache: Cache) -> None:
    lock = CacheLock(cache, "job", ttl=5, wait=0)
    for _ in range(3):
        async with lock:
            assert lock.held
        assert not lock.held


async def test_misuse_raises(cache: Cache) -> None:
    lock = CacheLock(cache, "job", ttl=5, wait=0)
    with pytest.raises(RuntimeError, match="not held"):
        await lock.release()
    await lock.acquire()
    with pytest.raises(RuntimeError, match="already held"):
        await lock.acquire()
    await lock.release()


@pytest.mark.parametrize(
    "kwargs",
    [{"ttl": 0}, {"ttl": -1}, {"wait": -1}, {"poll_min": 0}, {"poll_min": 1, "poll_max": 0.5}],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, float]) -> None:
    from tailored.kit.cache import MemoryCache

    with pytest.raises(ValueError, match="ttl|wait|poll"):
        CacheLock(MemoryCache(), "job", **kwargs)
