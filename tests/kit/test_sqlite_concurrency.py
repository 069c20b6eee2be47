"""Concurrent writers on a real database: learners toggling their chapter sessions and editing
their profiles at the same time, while the request-log writer commits, get no error and leave
the right state, on a SQLite file and on PostgreSQL.

The cause this guards against (SQLite, WAL): a deferred transaction that has read cannot start
writing once another connection has committed since its snapshot (SQLITE_BUSY_SNAPSHOT) or while
one is writing (SQLITE_BUSY), and SQLite reports both at once, without waiting out busy_timeout.
Every request read (its chapter, its row) before writing, so any two concurrent writers failed.

Each test runs a real app with its own engine and pool on a database of its own (`create_app`
without a prepared state: the lifespan builds everything and starts the recorder); the suite's
per-test outer transaction would put every request on one connection and hide the problem.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from tailored.app import create_app
from tailored.config import Environment, Settings
from tailored.content import service as content
from tailored.errors import DatabaseBusy
from tailored.kit.db import begin_writing, create_engine, create_sessionmaker, transaction
from tailored.kit.migrate import upgrade_async
from tailored.models import RequestLog
from tailored.state import AppState
from tests.fixtures.databases import fresh_database
from tests.fixtures.settings import TEST_SECRET

LEARNERS = 10
ROUNDS = 8
PASSWORD = "a long enough password"
COMPLETE = {"software_level": "beginner", "hardware_level": "none", "languages": ["python"]}


def app_settings(url: str) -> Settings:
    return Settings(
        environment=Environment.test,
        database_url=url,
        secret_key=TEST_SECRET,
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        auto_migrate=True,
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (engine, pool, recorder started), and a client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
            yield c


async def ingest(app: FastAPI, textbook_dir: Path) -> list[str]:
    state: AppState = app.state.tailored
    async with transaction(state.sessionmaker) as session:
        await content.ingest(session, textbook_dir)
        chapters, _ = await content.list_chapters(session)
    return [c.id for c in chapters]


@dataclass
class Learner:
    client: httpx.AsyncClient
    email: str = field(default_factory=lambda: f"learner-{uuid.uuid4().hex[:10]}@example.org")
    headers: dict[str, str] = field(default_factory=dict)
    # What the last successful write said, per chapter, and the last interests sent.
    sessions: dict[str, bool] = field(default_factory=dict)
    interests: list[str] = field(default_factory=list)


async def sign_up(learner: Learner, failures: list[str]) -> None:
    c = learner.client
    body = {"email": learner.email, "password": PASSWORD}
    response = await c.post("/api/auth/register", json=body)
    if response.status_code != 201:
        failures.append(f"register {response.status_code} {response.text}")
        return
    response = await c.post("/api/auth/login", json=body)
    if response.status_code != 200:
        failures.append(f"login {response.status_code} {response.text}")
        return
    learner.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    response = await c.patch("/api/me/profile", headers=learner.headers, json=COMPLETE)
    if response.status_code != 200:
        failures.append(f"first PATCH {response.status_code} {response.text}")


async def read_and_toggle(
    learner: Learner, index: int, chapters: list[str], failures: list[str]
) -> None:
    """Each round: toggle a chapter's session, change the profile, personalize (request log)."""
    c, headers = learner.client, learner.headers
    for number in range(ROUNDS):
        chapter = chapters[(index + number) % len(chapters)]
        active = (index + number) % 2 == 0
        interests = [f"round-{number}"]
        calls = (
            ("PUT", f"/api/chapters/{chapter}/session", {"active": active}),
            ("PATCH", "/api/me/profile", {"interests": interests}),
            ("POST", f"/api/chapters/{chapter}/personalize", None),
        )
        for method, path, body in calls:
            response = await c.request(method, path, headers=headers, json=body)
            if response.status_code != 200:
                failures.append(f"{method} {path}: {response.status_code} {response.text}")
            elif method == "PUT":
                learner.sessions[chapter] = active
            elif method == "PATCH":
                learner.interests = interests


async def run_learners(learners: list[Learner], chapters: list[str]) -> list[str]:
    failures: list[str] = []
    await asyncio.gather(*(sign_up(learner, failures) for learner in learners))
    assert failures == []
    await asyncio.gather(
        *(read_and_toggle(learner, i, chapters, failures) for i, learner in enumerate(learners))
    )
    return failures


async def assert_final_state(learner: Learner) -> None:
    c, headers = learner.client, learner.headers
    for chapter, active in learner.sessions.items():
        response = await c.get(f"/api/chapters/{chapter}/session", headers=headers)
        assert response.json()["active"] is active, (learner.email, chapter)
    profile = (await c.get("/api/me/profile", headers=headers)).json()
    assert profile["interests"] == learner.interests == [f"round-{ROUNDS - 1}"]
    assert profile["software_level"] == "beginner"


async def personalize_logs(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(RequestLog).where(RequestLog.kind == "personalize")
            )
            return int(count or 0)
    finally:
        await engine.dispose()


class TestConcurrentLearners:
    async def test_session_puts_and_profile_patches_all_succeed(
        self, database_url: str, textbook_dir: Path
    ) -> None:
        app = create_app(app_settings(database_url))
        async with running(app) as client:
            chapters = await ingest(app, textbook_dir)
            learners = [Learner(client) for _ in range(LEARNERS)]
            failures = await run_learners(learners, chapters)
            assert failures == [], f"{len(failures)} failed requests, first: {failures[:3]}"
            for learner in learners:
                await assert_final_state(learner)
        # The recorder ran throughout and wrote the rest at shutdown: each request once.
        assert await personalize_logs(database_url) == LEARNERS * ROUNDS

    async def test_two_processes_on_one_database(
        self, database_url: str, textbook_dir: Path
    ) -> None:
        """As `tailored serve --workers 2` runs: two engines, pools and recorders on one file
        (on SQLite, the second process's writers wait through busy_timeout)."""
        first, second = (
            create_app(app_settings(database_url)),
            create_app(app_settings(database_url)),
        )
        async with AsyncExitStack() as stack:
            # One after the other: the first start migrates the new database.
            clients = [await stack.enter_async_context(running(app)) for app in (first, second)]
            chapters = await ingest(first, textbook_dir)
            learners = [Learner(clients[i % 2]) for i in range(LEARNERS)]
            failures = await run_learners(learners, chapters)
            assert failures == [], f"{len(failures)} failed requests, first: {failures[:3]}"
            for learner in learners:
                await assert_final_state(learner)
        assert await personalize_logs(database_url) == LEARNERS * ROUNDS


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'kit.db'}", busy_timeout=0.5)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    yield engine
    await engine.dispose()


class TestBeginWriting:
    async def test_a_transaction_that_read_cannot_write_after_another_committed(
        self, sqlite_engine: AsyncEngine
    ) -> None:
        """The failure itself, without begin_writing: SQLite refuses at once."""
        maker = create_sessionmaker(sqlite_engine)
        async with maker() as reader, maker() as other:
            await reader.execute(text("SELECT n FROM counter"))
            await other.execute(text("UPDATE counter SET n = n + 1"))
            await other.commit()
            with pytest.raises(OperationalError) as caught:
                await reader.execute(text("UPDATE counter SET n = n + 1"))
            assert caught.value.orig.sqlite_errorname == "SQLITE_BUSY_SNAPSHOT"  # type: ignore[union-attr]

    async def test_writers_take_turns_and_lose_no_update(self, sqlite_engine: AsyncEngine) -> None:
        maker = create_sessionmaker(sqlite_engine)

        async def increment() -> None:
            async with maker() as session:
                await begin_writing(session)
                n = await session.scalar(text("SELECT n FROM counter"))
                await asyncio.sleep(0)  # let the others try to get in between
                await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                await session.commit()

        await asyncio.gather(*(increment() for _ in range(40)))
        async with maker() as session:
            assert await session.scalar(text("SELECT n FROM counter")) == 40

    async def test_readers_do_not_wait_for_the_writer(self, sqlite_engine: AsyncEngine) -> None:
        maker = create_sessionmaker(sqlite_engine)
        async with maker() as writer:
            await begin_writing(writer)
            await writer.execute(text("UPDATE counter SET n = 7"))
            async with maker() as reader:
                # WAL: the reader sees the last commit while the writer holds its turn.
                read = reader.scalar(text("SELECT n FROM counter"))
                assert await asyncio.wait_for(read, timeout=10) == 0
            await writer.commit()

    async def test_the_turn_passes_on_rollback_and_close(self, sqlite_engine: AsyncEngine) -> None:
        maker = create_sessionmaker(sqlite_engine)
        async with maker() as session:
            await begin_writing(session)
            await session.rollback()
        async with maker() as session:
            await begin_writing(session)  # closed without commit
        async with maker() as session:
            await begin_writing(session)  # would wait 0.5 s and raise if a turn leaked
            await session.execute(text("UPDATE counter SET n = 1"))
            await session.commit()


class TestAnotherProcess:
    async def test_writer_waits_for_another_process_then_is_busy(self, tmp_path: Path) -> None:
        """Two engines on one file, as two worker processes: the second waits its busy timeout
        for the first's write lock (SQLite's busy handler), then gets DatabaseBusy, not a 500."""
        url = f"sqlite+aiosqlite:///{tmp_path / 'two.db'}"
        first, second = create_engine(url), create_engine(url, busy_timeout=0.3)
        try:
            async with first.begin() as conn:
                await conn.execute(text("CREATE TABLE t (n INTEGER)"))
            async with create_sessionmaker(first)() as holder:
                await begin_writing(holder)
                async with create_sessionmaker(second)() as waiter:
                    with pytest.raises(DatabaseBusy):
                        await begin_writing(waiter)
                await holder.commit()
            async with create_sessionmaker(second)() as writer:
                await begin_writing(writer)  # the turn was not leaked by the failure
                await writer.execute(text("INSERT INTO t VALUES (1)"))
                await writer.commit()
        finally:
            await first.dispose()
            await second.dispose()


class TestBusyDatabase:
    """When a writer holds its turn longer than the busy timeout, others get a clear 503."""

    async def test_503_for_writes_while_reads_and_personalize_go_on(
        self, tmp_path: Path, textbook_dir: Path
    ) -> None:
        settings = app_settings(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}")
        engine = create_engine(settings.database_url, busy_timeout=0.3)
        await upgrade_async(engine)
        state = AppState.build(settings, engine=engine)
        app = create_app(settings, state=state)
        try:
            async with running(app) as client:
                chapters = await ingest(app, textbook_dir)
                learner = Learner(client)
                assert await run_learners([learner], chapters[:1]) == []
                path = f"/api/chapters/{chapters[0]}"
                async with state.sessionmaker() as holder:
                    await begin_writing(holder)
                    busy = await client.put(
                        f"{path}/session", headers=learner.headers, json={"active": True}
                    )
                    assert busy.status_code == 503
                    assert busy.json() == {
                        "error": "DatabaseBusy",
                        "detail": "the database is busy; try again",
                    }
                    assert busy.headers["retry-after"] == "1"
                    # Reads, and the personalize POST (its transaction only reads), go on.
                    read = await client.get(f"{path}/session", headers=learner.headers)
                    assert read.status_code == 200
                    adapted = await client.post(f"{path}/personalize", headers=learner.headers)
                    assert adapted.status_code == 200
                ok = await client.put(
                    f"{path}/session", headers=learner.headers, json={"active": True}
                )
                assert ok.status_code == 200
        finally:
            await state.close()
