"""/healthz (liveness) and /readyz (readiness), and `tailored serve` with an unreachable cache.

Every failing check is a real one: a closed loopback port for the database or Redis, an empty
SQLite file for an unmigrated schema, an empty library for missing content.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.app import create_app
from tailored.config import Settings
from tailored.content import service
from tailored.kit.cache import Cache, create_cache
from tailored.kit.db import create_engine, create_sessionmaker
from tailored.kit.migrate import schema_status
from tailored.state import AppState
from tests.services import redis_url


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _get(state: AppState, path: str) -> httpx.Response:
    app = create_app(state.settings, state=state)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
        return await c.get(path)


def _failing(body: dict[str, Any]) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


@pytest.fixture
async def library(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    async with sessionmaker() as session:
        assert (await service.ingest(session, textbook_dir)).ok
        await session.commit()


@pytest.fixture
async def broken_redis() -> AsyncIterator[Cache]:
    cache = create_cache(f"redis://127.0.0.1:{closed_port()}/0", namespace="health")
    yield cache
    await cache.close()


class TestLiveness:
    async def test_healthz_answers_without_a_database(self, settings: Settings) -> None:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/tailored"
        dead = settings.model_copy(update={"database_url": url})
        state = AppState.build(dead)
        try:
            live = await _get(state, "/healthz")
            ready = await _get(state, "/readyz")
        finally:
            await state.close()
        assert live.status_code == 200
        assert live.json() == {"status": "ok", "cache": "ok"}
        assert ready.status_code == 503
        assert {"database", "content"} <= _failing(ready.json())
        assert ready.json()["checks"]["database"]["detail"].startswith("unreachable: ")
        assert ready.json()["checks"]["cache"]["ok"] is True


class TestReadiness:
    @pytest.mark.usefixtures("library")
    async def test_ready_names_each_check(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ready"
        assert set(body["checks"]) == {"database", "cache", "content"}
        assert _failing(body) == set()
        (head,) = (await schema_status(engine)).heads
        assert body["checks"]["database"]["detail"] == f"at revision {head}"
        assert body["checks"]["content"]["detail"] == "7 chapters"

    async def test_no_chapters_is_not_ready(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "not ready"
        assert _failing(body) == {"content"}
        assert "tailored ingest" in body["checks"]["content"]["detail"]

    @pytest.mark.usefixtures("library")
    async def test_unreachable_redis_fails_the_cache_check(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        broken_redis: Cache,
    ) -> None:
        state = AppState.build(
            settings, engine=engine, sessionmaker=sessionmaker, cache=broken_redis
        )
        response = await _get(state, "/readyz")
        assert response.status_code == 503
        assert _failing(response.json()) == {"cache"}
        assert "TAILORED_CACHE_URL" in response.json()["checks"]["cache"]["detail"]

    @pytest.mark.usefixtures("library")
    async def test_reachable_redis_passes(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        cache = create_cache(redis_url(), namespace="health")
        state = AppState.build(settings, engine=engine, sessionmaker=sessionmaker, cache=cache)
        try:
            response = await _get(state, "/readyz")
        finally:
            await cache.close()
        assert response.status_code == 200, response.text

    async def test_unmigrated_database_is_not_ready(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        empty = settings.model_copy(update={"database_url": str(engine.url)})
        state = AppState.build(empty, engine=engine, sessionmaker=create_sessionmaker(engine))
        try:
            response = await _get(state, "/readyz")
        finally:
            await state.close()
        assert response.status_code == 503
        body = response.json()
        assert {"database", "content"} == _failing(body)
        assert "tailored db upgrade" in body["checks"]["database"]["detail"]


class TestServeWithUnreachableRedis:
    """A wrong Redis port must not go unnoticed: a warning at start, a failing /readyz."""

    def test_serve_warns_and_readyz_reports_the_cache(
        self, tmp_path: Path, textbook_dir: Path
    ) -> None:
        port, redis_port = closed_port(), closed_port()
        env = {
            **os.environ,
            "TAILORED_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
            "TAILORED_CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TAILORED_LOG_LEVEL": "warning",
        }
        env.pop("TAILORED_CONTENT_DIR", None)
        err = tmp_path / "stderr.txt"
        code = "from tailored.cli.main import app; app()"
        args = ["serve", "--content", str(textbook_dir), "--port", str(port)]
        with err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-c", code, *args],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            try:
                ready = self._wait_for(port, proc)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        assert ready.status_code == 503
        body = ready.json()
        assert _failing(body) == {"cache"}
        log = err.read_text()
        assert f"tailored: warning: cache unreachable at redis://127.0.0.1:{redis_port}/0" in log
        assert "Traceback" not in log

    @staticmethod
    def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> httpx.Response:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, "serve exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("serve did not answer /healthz within 60 s")
