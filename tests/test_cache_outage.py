"""The real app on a Redis of the test's own, killed mid-run: signed-in requests keep working
from the database, /healthz says the cache is degraded, and when Redis returns the app uses it
again without a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.kit.cache import Cache, RedisCache, ResilientCache
from tailored.kit.cache.redis import UNREACHABLE
from tailored.state import AppState
from tests.fixtures.accounts import DEFAULT_PASSWORD, create_logged_in_user, login
from tests.kit.redis_server import RedisServer, redis_server

__all__ = ["redis_server"]

NAMESPACE = "outage"
RETRY = 0.1
PERSONALIZE = "/api/chapters/ros2/nodes-and-topics/personalize"
OTHER_CHAPTER = "/api/chapters/intro/personalize"
PROFILE = {"software_level": "beginner", "hardware_level": "none", "languages": ["python"]}


@pytest.fixture
async def cache(redis_server: RedisServer) -> AsyncIterator[Cache]:
    """What create_cache builds for a redis:// URL, retrying sooner so the test is quick."""
    inner = RedisCache.from_url(redis_server.url, namespace=NAMESPACE)
    resilient = ResilientCache(inner, unreachable=UNREACHABLE, retry_after=RETRY)
    yield resilient
    await resilient.close()


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    other = RedisCache.from_url(redis_server.url, namespace=NAMESPACE)
    yield other.client
    await other.close()


@pytest.fixture
async def textbook(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    async with sessionmaker() as session:
        assert (await content.ingest(session, textbook_dir)).ok
        await session.commit()


async def _learner(client: httpx.AsyncClient, state: AppState) -> tuple[str, dict[str, str]]:
    user, headers = await create_logged_in_user(state, client)
    response = await client.patch("/api/me/profile", headers=headers, json=PROFILE)
    assert response.status_code == 200, response.text
    return user.email, headers


async def _health(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body: dict[str, str] = response.json()
    return body


async def _until_cache_ok(client: httpx.AsyncClient, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (await _health(client))["cache"] != "ok":
        assert loop.time() < deadline, "the cache did not come back"
        await asyncio.sleep(RETRY)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tailored.cache" and r.levelno >= logging.WARNING
    ]


@pytest.mark.usefixtures("textbook")
class TestRedisOutage:
    async def test_signed_in_requests_keep_working_and_recover(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        redis_server: RedisServer,
        raw: Redis,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="tailored.cache")
        email, headers = await _learner(client, state)
        assert await _health(client) == {"status": "ok", "cache": "ok"}
        first = await client.post(PERSONALIZE, headers=headers)
        assert first.status_code == 200, first.text
        assert first.json()["cached"] is False

        redis_server.kill()
        for _ in range(3):
            me = await client.get("/api/me", headers=headers)
            assert me.status_code == 200, me.text
            assert me.json()["email"] == email
            stored = await client.post(PERSONALIZE, headers=headers)
            assert stored.status_code == 200, stored.text
            assert stored.json()["cached"] is True  # the stored result, from the database
            assert stored.json()["content"] == first.json()["content"]
        # Generating still works (the single flight's lock is process-local meanwhile), and
        # its result is stored in the database.
        fresh = await client.post(OTHER_CHAPTER, headers=headers)
        assert fresh.status_code == 200, fresh.text
        assert fresh.json()["cached"] is False
        assert (await client.post(OTHER_CHAPTER, headers=headers)).json()["cached"] is True
        other_email, other_headers = await _learner(client, state)  # sign-up and sign-in too
        assert (await client.get("/api/me", headers=other_headers)).json()["email"] == other_email
        assert await _health(client) == {"status": "ok", "cache": "degraded"}
        warnings = _warnings(caplog)
        assert len(warnings) == 1, warnings
        assert "cache unreachable" in warnings[0]

        redis_server.start()
        await _until_cache_ok(client)
        me = await client.get("/api/me", headers=headers)
        assert me.status_code == 200
        again = await client.post(PERSONALIZE, headers=headers)
        assert again.status_code == 200
        assert again.json()["content"] == first.json()["content"]
        # Used again: the token check and the hot copy are back in this Redis.
        assert [key async for key in raw.scan_iter(match=f"{NAMESPACE}:auth:*")]
        assert [key async for key in raw.scan_iter(match=f"{NAMESPACE}:pz:*")]
        assert len(_warnings(caplog)) == 1

    async def test_a_password_change_during_the_outage_holds_after_it(
        self, client: httpx.AsyncClient, state: AppState, redis_server: RedisServer, raw: Redis
    ) -> None:
        """The invalidation Redis missed is replayed on its return: the old session's token,
        still cached there, does not come back to life."""
        email, old = await _learner(client, state)
        assert (await client.get("/api/me", headers=old)).status_code == 200  # cached in Redis
        current = await login(client, email)
        await raw.save()  # Redis comes back with its data, as after a network partition
        redis_server.kill()
        changed = await client.post(
            "/api/me/password",
            headers=current,
            json={"current_password": DEFAULT_PASSWORD, "new_password": "another long password"},
        )
        assert changed.status_code == 204, changed.text
        assert (await client.get("/api/me", headers=old)).status_code == 401
        redis_server.start()
        assert [key async for key in raw.scan_iter(match=f"{NAMESPACE}:auth:*")]  # stale
        await _until_cache_ok(client)
        assert (await client.get("/api/me", headers=old)).status_code == 401
        assert (await client.get("/api/me", headers=current)).status_code == 200
