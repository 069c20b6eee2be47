"""The Segment-compatible intake, driven by the real Segment SDK (segment-analytics-python)
pointed at Tailored on loopback: batches, gzip, retries, page paths, anonymous → account."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from segment.analytics.client import Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.app import create_app
from tailored.config import Settings
from tailored.models import SignalEvent
from tailored.signals import service
from tailored.signals.identity import learner_for_anonymous, learner_for_site_user
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.loopback import serve_on_loopback

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture
async def server(settings: Settings, state: AppState) -> AsyncIterator[str]:
    """Tailored served by uvicorn on loopback, on the test's transaction."""
    async with serve_on_loopback(create_app(settings, state=state)) as port:
        yield f"http://127.0.0.1:{port}"


async def send(host: str, write_key: str, calls: Callable[[Client], None], **options: Any) -> None:
    """Run the SDK in a thread (it blocks) so the server on this loop can answer it."""
    errors: list[Exception] = []

    def run() -> None:
        client = Client(
            write_key,
            host=host,
            on_error=lambda e, _batch: errors.append(e),
            max_retries=1,
            **options,
        )
        calls(client)
        client.flush()
        if not options.get("sync_mode"):
            client.shutdown()  # (in sync mode it has no consumer threads to stop)

    await asyncio.to_thread(run)
    assert errors == []


class TestSdk:
    async def test_a_gzipped_batch_from_the_sdk_is_stored_with_its_message_ids(
        self, server: str, site_key: str, session: AsyncSession
    ) -> None:
        anon = uuid.uuid4().hex
        sent: list[str] = []

        def calls(client: Client) -> None:
            for _ in range(3):
                _, msg = client.track(
                    anonymous_id=anon,
                    event="Chapter Completed",
                    properties={"content_id": "ros2/urdf", "score": 3},
                )
                sent.append(msg["messageId"])
            _, msg = client.page(
                anonymous_id=anon, properties={"path": "/docs/intro#what-is-physical-ai"}
            )
            sent.append(msg["messageId"])
            client.track(anonymous_id=anon, event="Newsletter Opened")  # maps to nothing

        await send(server, site_key, calls, gzip=True, upload_size=100)
        prefix = site_key.split("_")[1]
        rows = list(
            await session.scalars(
                select(SignalEvent).where(
                    SignalEvent.learner == learner_for_anonymous(prefix, anon)
                )
            )
        )
        assert sorted(r.id for r in rows) == sorted(sent)
        kinds = sorted((r.type, r.content_id, r.content_type, r.source) for r in rows)
        assert kinds[-1] == ("view", "intro#what-is-physical-ai", "section", "segment")
        assert {k[:2] for k in kinds[:3]} == {("complete", "ros2/urdf")}
        assert all(r.meta == {"score": 3} for r in rows if r.type == "complete")

    async def test_identify_moves_the_anonymous_history_to_the_account(
        self,
        server: str,
        site_key: str,
        client: httpx.AsyncClient,
        state: AppState,
        settings: Settings,
        session: AsyncSession,
    ) -> None:
        user, auth = await create_logged_in_user(state, client)
        anon = uuid.uuid4().hex

        def before(sdk: Client) -> None:
            sdk.track(
                anonymous_id=anon, event="Chapter Completed", properties={"content_id": "intro"}
            )
            sdk.page(anonymous_id=anon, properties={"path": "/docs/gazebo-vs-isaac/"})

        await send(server, site_key, before, sync_mode=True)
        assert (await client.get("/api/me/progress", headers=auth)).json()["completed"] == []

        def sign_in(sdk: Client) -> None:
            sdk.identify(user_id=str(user.id), anonymous_id=anon)

        await send(server, site_key, sign_in, sync_mode=True)
        progress = (await client.get("/api/me/progress", headers=auth)).json()
        assert progress == {"completed": ["intro"], "last_viewed": "simulation/gazebo-and-isaac"}
        prefix = site_key.split("_")[1]
        assert await service.completed(session, learner_for_anonymous(prefix, anon)) == []
        scores = await service.item_scores(session, str(user.id), config=settings.signals)
        assert set(scores) == {"intro", "simulation/gazebo-and-isaac"}

    async def test_alias_moves_a_previous_ids_history_to_the_new_user_id(
        self, server: str, site_key: str, session: AsyncSession
    ) -> None:
        old, new, anon = f"old-{uuid.uuid4().hex}", f"new-{uuid.uuid4().hex}", uuid.uuid4().hex

        def before(sdk: Client) -> None:
            sdk.track(user_id=old, event="Chapter Completed", properties={"content_id": "intro"})
            sdk.page(anonymous_id=anon, properties={"path": "/docs/ros2/urdf"})

        await send(server, site_key, before, sync_mode=True)
        prefix = site_key.split("_")[1]
        moved_to = learner_for_site_user(prefix, new)
        assert await service.completed(session, moved_to) == []

        def rename(sdk: Client) -> None:
            sdk.alias(previous_id=old, user_id=new)
            sdk.alias(previous_id=anon, user_id=new)

        await send(server, site_key, rename, sync_mode=True)
        assert await service.completed(session, moved_to) == ["intro"]
        assert (await service.progress(session, moved_to)).last_viewed == "ros2/urdf"
        assert await service.completed(session, learner_for_site_user(prefix, old)) == []
        rollups = await service.rollups(session, learner_for_anonymous(prefix, anon))
        assert rollups == []

    async def test_a_retried_message_is_stored_once(self, server: str, site_key: str) -> None:
        message = {
            "type": "track",
            "messageId": f"m-{uuid.uuid4().hex}",
            "userId": "reader-42",
            "event": "Content Bookmarked",
            "properties": {"content_id": "ros2/urdf"},
            "timestamp": datetime.now(UTC).isoformat(),
        }
        auth = {"Authorization": "Basic " + base64.b64encode(f"{site_key}:".encode()).decode()}
        async with httpx.AsyncClient(base_url=server) as http:
            replies = [
                (await http.post("/v1/track", json=message, headers=auth)).json() for _ in range(3)
            ]
        assert [(r["inserted"], r["duplicates"]) for r in replies] == [(1, 0), (0, 1), (0, 1)]


class TestIntakeErrors:
    async def test_bad_messages_come_back_by_index(
        self, client: httpx.AsyncClient, site_key: str
    ) -> None:
        now = datetime.now(UTC).isoformat()
        batch = [
            {
                "type": "track",
                "messageId": "ok-1",
                "userId": "u",
                "event": "Content Viewed",
                "properties": {"content_id": "intro"},
                "timestamp": now,
            },
            {"type": "track", "userId": "u", "event": "Content Viewed"},  # no messageId
            {"type": "track", "messageId": "no-one", "event": "Content Viewed"},
            {
                "type": "track",
                "messageId": "bad-content",
                "userId": "u",
                "event": "Content Viewed",
                "properties": {"content_id": "nowhere"},
            },
        ]
        body = gzip.compress(json.dumps({"batch": batch, "writeKey": site_key}).encode())
        response = await client.post(
            "/v1/batch", content=body, headers={"content-encoding": "gzip"}
        )
        assert response.status_code == 200, response.text
        got = response.json()
        assert got["inserted"] == 1
        assert [e["index"] for e in got["errors"]] == [1, 2, 3]

    async def test_an_unknown_write_key_is_a_401(self, client: httpx.AsyncClient) -> None:
        auth = {"Authorization": "Basic " + base64.b64encode(b"tk_dead_beef:").decode()}
        response = await client.post("/v1/batch", json={"batch": []}, headers=auth)
        assert response.status_code == 401
        assert response.json()["error"] == "InvalidSiteKey"

    async def test_a_body_that_is_not_gzip_is_a_400(
        self, client: httpx.AsyncClient, site_key: str
    ) -> None:
        response = await client.post(
            "/v1/batch", content=b"not gzip", headers={"content-encoding": "gzip"}
        )
        assert response.status_code == 400
