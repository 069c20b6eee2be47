"""Many logins at once: hashing runs in a bounded set of worker threads, off the event loop,
and no pooled database connection waits on it.

These tests commit for real (concurrent requests cannot share the per-test transaction), with
users of their own, deleted afterwards. A gate holds every password check until the test opens
it, so "while the logins run" is a state the test observes, not a timing guess.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from tailored.accounts import service
from tailored.accounts.security import Passwords
from tailored.app import create_app
from tailored.kit.cache import create_cache
from tailored.kit.db import create_engine, create_sessionmaker, transaction
from tailored.models import User
from tailored.state import AppState
from tests.fixtures.accounts import DEFAULT_PASSWORD, unique_email
from tests.fixtures.settings import make_settings

LOGINS = 100
USERS = 20
# More hashing threads than pooled connections: if a login held its connection while hashing,
# the other logins could not read their users and the threads would never all be busy.
THREADS = 3
# Long enough never to open on its own in a passing run; short enough that the code this test
# guards against (hashing on the event loop, which blocks the test itself) fails in seconds.
GATE_TIMEOUT = 5.0


class GatedHasher(PasswordHasher):
    """Argon2 as configured, but each verification first waits for the gate to open."""

    def __init__(self, gate: threading.Event, *, time_cost: int, memory_cost: int) -> None:
        super().__init__(time_cost=time_cost, memory_cost=memory_cost)
        self.gate = gate
        self.inside = 0
        self.most_inside = 0
        self.timed_out = False
        self._count = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # type: ignore[override]
        with self._count:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            if not self.gate.wait(GATE_TIMEOUT):
                # Nothing could open it: the event loop itself was stuck in this call.
                self.timed_out = True
                self.gate.set()
            return super().verify(hash, password)
        finally:
            with self._count:
                self.inside -= 1


class GatedPasswords(Passwords):
    def __init__(self, gate: threading.Event, *, time_cost: int, memory_cost_kib: int) -> None:
        super().__init__(time_cost=time_cost, memory_cost_kib=memory_cost_kib, threads=THREADS)
        self.hasher = GatedHasher(gate, time_cost=time_cost, memory_cost=memory_cost_kib)
        self._hasher = self.hasher


async def _until(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` came true within ten seconds (polled, never assumed)."""
    for _ in range(1000):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return False


@pytest.fixture
async def small_pool_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The test database behind a pool of one connection."""
    url = engine.url.render_as_string(hide_password=False)
    small = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=30)
    yield small
    await small.dispose()


class TestConcurrentLogins:
    async def test_logins_queue_for_hashing_without_blocking_the_loop_or_the_pool(
        self, small_pool_engine: AsyncEngine
    ) -> None:
        settings = make_settings(small_pool_engine)
        cache = create_cache("memory://", namespace=uuid.uuid4().hex)
        state = AppState.build(settings, engine=small_pool_engine, cache=cache)
        emails = [unique_email("load") for _ in range(USERS)]
        async with transaction(create_sessionmaker(small_pool_engine)) as session:
            for email in emails:
                await service.register(
                    session, settings, state.passwords, email=email, password=DEFAULT_PASSWORD
                )
        gate = threading.Event()
        gated = GatedPasswords(
            gate,
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_cost_kib,
        )
        state.passwords = gated
        app = create_app(settings, state=state)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as client:
                logins = [
                    asyncio.create_task(
                        client.post(
                            "/api/auth/login",
                            json={"email": emails[i % USERS], "password": DEFAULT_PASSWORD},
                        )
                    )
                    for i in range(LOGINS)
                ]
                all_busy = await _until(lambda: gated.hasher.inside == THREADS)
                health = await client.get("/healthz")
                gate_was_open = gate.is_set()
                finished_first = [task for task in logins if task.done()]
                in_threads = gated.hasher.inside
                gate.set()
                responses = await asyncio.gather(*logins)
        finally:
            gate.set()
            async with transaction(create_sessionmaker(small_pool_engine)) as session:
                await session.execute(delete(User).where(User.email.in_(emails)))
            await cache.close()
        assert not gated.hasher.timed_out, "the event loop was blocked inside a password hash"
        assert health.status_code == 200
        assert not gate_was_open
        assert all_busy, "the hashing threads never all ran at once"
        assert finished_first == [], "logins finished before their hashes could run"
        # Bounded: the other logins queue for a thread instead of each starting one.
        assert in_threads == gated.hasher.most_inside == THREADS
        statuses = [r.status_code for r in responses]
        assert set(statuses) <= {200, 429}, statuses
        assert statuses.count(200) == LOGINS
