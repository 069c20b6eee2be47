"""`tailored relay` against a real SQLite file and the test's Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from redis import Redis
from typer.testing import CliRunner

from tailored.cli.main import app
from tailored.kit.db import create_engine, create_sessionmaker
from tests.services import redis_url
from tests.stream.conftest import add_events

runner = CliRunner()


async def _add(url: str, n: int) -> int:
    engine = create_engine(url)
    try:
        return await add_events(create_sessionmaker(engine), learners=n, each=5)
    finally:
        await engine.dispose()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'relay.db'}"
    monkeypatch.setenv("TAILORED_DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


class TestRelayCommand:
    def test_once_publishes_the_backlog_to_redis(
        self, env: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        prefix = f"cli{uuid.uuid4().hex[:6]}"
        monkeypatch.setenv("TAILORED_STREAM", json.dumps({"url": redis_url(), "prefix": prefix}))
        n = asyncio.run(_add(env, 3))
        status = runner.invoke(app, ["relay", "--status", "--json"])
        assert json.loads(status.output)["backlog"] == n
        done = runner.invoke(app, ["relay", "--once", "--json"])
        assert done.exit_code == 0, done.output
        assert json.loads(done.output) == {"published": n}
        client = Redis.from_url(redis_url())
        try:
            assert client.xlen(f"{prefix}.events") == n
            client.delete(f"{prefix}.events")
        finally:
            client.close()
        assert (
            json.loads(runner.invoke(app, ["relay", "--status", "--json"]).output)["backlog"] == 0
        )

    def test_refuses_the_in_process_broker(self, env: str) -> None:
        result = runner.invoke(app, ["relay", "--once"])
        assert result.exit_code == 2
        assert "memory://" in result.output
