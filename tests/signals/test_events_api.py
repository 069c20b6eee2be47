"""POST /api/events and what a learner reads back: validation by index, duplicates and
retries, a site sending for its users, progress, and one learner never seeing another's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.cache import Cache
from tailored.models import Outbox, SignalEvent
from tailored.signals import structures
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user

pytestmark = pytest.mark.usefixtures("library")
NOW = datetime.now(UTC).replace(microsecond=0)


def event(kind: str = "view", content: str | None = "intro", **extra: Any) -> dict[str, Any]:
    return {
        "id": extra.pop("id", uuid.uuid4().hex),
        "type": kind,
        "content_id": content,
        "content_type": "section" if content and "#" in content else "chapter",
        "occurred_at": extra.pop("occurred_at", NOW.isoformat()),
        "session_id": "s1",
        "metadata": {},
        **extra,
    }


async def post(client: httpx.AsyncClient, headers: dict[str, str], *events: Any) -> Any:
    response = await client.post("/api/events", json={"events": list(events)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


class TestValidation:
    async def test_bad_items_come_back_by_index_and_the_rest_are_stored(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, auth = await create_logged_in_user(state, client)
        future = (NOW + timedelta(hours=1)).isoformat()
        body = await post(
            client,
            auth,
            event("view", "intro"),
            event("teleport", "intro"),  # unknown type
            {"id": "x", "type": "view"},  # no occurred_at
            event("view", "no/such-chapter"),
            event("view", "intro", occurred_at=future),
            event("complete", "ros2/urdf", user_id="someone-else"),
            event("view", "ros2/urdf#links-and-joints"),
            "not an object",
        )
        assert (body["inserted"], body["duplicates"]) == (2, 0)
        by_index = {e["index"]: e["detail"][0]["loc"] for e in body["errors"]}
        assert by_index == {
            1: ["type"],
            2: ["occurred_at"],
            3: ["content_id"],
            4: ["occurred_at"],
            5: ["user_id"],
            7: [],
        }

    async def test_a_batch_over_the_limit_is_refused_whole(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, auth = await create_logged_in_user(state, client)
        events = [event() for _ in range(1001)]
        response = await client.post("/api/events", json={"events": events}, headers=auth)
        assert response.status_code == 422
        assert response.json()["error"] == "BatchTooLarge"

    async def test_no_token_is_a_401_and_a_bad_site_key_too(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/events", json={"events": [event()]})
        assert response.status_code == 401
        bad = {"Authorization": "Bearer tk_00000000_nope"}
        response = await client.post("/api/events", json={"events": [event()]}, headers=bad)
        assert response.status_code == 401
        assert response.json()["error"] == "InvalidSiteKey"


class TestDuplicates:
    async def test_a_retried_batch_stores_nothing_twice(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        session: AsyncSession,
    ) -> None:
        user, auth = await create_logged_in_user(state, client)
        batch = [event("complete", "intro"), event("bookmark", "ros2/urdf")]
        first = await post(client, auth, *batch, batch[0])
        assert (first["inserted"], first["duplicates"]) == (2, 1)
        retry = await post(client, auth, *batch)
        assert (retry["inserted"], retry["duplicates"]) == (0, 2)
        stored = await session.scalar(
            select(func.count()).select_from(SignalEvent).where(SignalEvent.user_id == user.id)
        )
        messages = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.learner_key == str(user.id))
        )
        assert (stored, messages) == (2, 2)

    async def test_the_database_catches_what_the_cache_forgot(
        self, client: httpx.AsyncClient, state: AppState, cache: Cache
    ) -> None:
        user, auth = await create_logged_in_user(state, client)
        item = event("complete", "intro")
        await post(client, auth, item)
        assert await cache.zcard(structures.seen_key(str(user.id))) == 1
        ttl = await cache.ttl(structures.seen_key(str(user.id)))
        assert ttl is not None
        assert 47 * 3600 < ttl <= 48 * 3600
        await cache.delete(structures.seen_key(str(user.id)))
        again = await post(client, auth, item)
        assert (again["inserted"], again["duplicates"]) == (0, 1)

    async def test_repeated_views_within_the_window_collapse(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, auth = await create_logged_in_user(state, client)
        minute = timedelta(minutes=1)
        body = await post(
            client,
            auth,
            *(event("view", "intro", occurred_at=(NOW - k * minute).isoformat()) for k in range(5)),
            event("view", "intro", occurred_at=(NOW - 90 * minute).isoformat()),
        )
        assert (body["inserted"], body["collapsed"]) == (2, 4)


class TestProgress:
    async def test_progress_lists_completed_newest_first_and_the_last_view(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, auth = await create_logged_in_user(state, client)
        empty = await client.get("/api/me/progress", headers=auth)
        assert empty.json() == {"completed": [], "last_viewed": None}
        hour = timedelta(hours=1)
        await post(
            client,
            auth,
            event("complete", "intro", occurred_at=(NOW - 3 * hour).isoformat()),
            event("complete", "ros2/urdf", occurred_at=(NOW - 2 * hour).isoformat()),
            event("view", "ros2/nodes-and-topics", occurred_at=(NOW - hour).isoformat()),
            event("view", "intro", occurred_at=(NOW - 5 * hour).isoformat()),
        )
        got = (await client.get("/api/me/progress", headers=auth)).json()
        assert got == {"completed": ["ros2/urdf", "intro"], "last_viewed": "ros2/nodes-and-topics"}

    async def test_a_learner_never_sees_another_learners_signals(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, ada = await create_logged_in_user(state, client)
        _, bob = await create_logged_in_user(state, client)
        await post(client, ada, event("complete", "intro"), event("view", "ros2/urdf"))
        for path in ("/api/me/progress", "/api/me/signals/scores", "/api/me/events"):
            mine = (await client.get(path, headers=ada)).json()
            theirs = (await client.get(path, headers=bob)).json()
            assert mine
            assert mine != theirs
        assert (await client.get("/api/me/progress", headers=bob)).json()["completed"] == []
        assert (await client.get("/api/me/signals/scores", headers=bob)).json() == []
        assert (await client.get("/api/me/events", headers=bob)).json() == []
        assert (await client.get("/api/me/signals/rollups", headers=bob)).json() == []


class TestSiteKeys:
    async def test_a_site_sends_for_its_users_and_for_accounts_by_id(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        site_key: str,
    ) -> None:
        user, auth = await create_logged_in_user(state, client)
        site = {"Authorization": f"Bearer {site_key}"}
        body = await post(
            client,
            site,
            event("complete", "intro", user_id=str(user.id)),
            event("complete", "ros2/urdf", user_id="site-user-7"),
            event("view", "intro"),  # names nobody
        )
        assert body["inserted"] == 2
        assert [e["index"] for e in body["errors"]] == [2]
        mine = (await client.get("/api/me/progress", headers=auth)).json()
        assert mine["completed"] == ["intro"]


class TestAccountData:
    async def test_export_includes_events_and_deletion_removes_them(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        user, auth = await create_logged_in_user(state, client)
        item = event("complete", "intro")
        await post(client, auth, item)
        exported = (await client.get("/api/me/export", headers=auth)).json()["signals"]
        assert [e["id"] for e in exported["events"]] == [item["id"]]
        assert [s["content_id"] for s in exported["scores"]] == ["intro"]
        assert exported["rollups"][0]["signal_type"] == "complete"
        response = await client.request(
            "DELETE", "/api/me", json={"password": "correct horse battery staple"}, headers=auth
        )
        assert response.status_code == 204
        async with sessionmaker() as session:
            left = await session.scalar(
                select(func.count()).select_from(SignalEvent).where(SignalEvent.id == item["id"])
            )
            pending = await session.scalars(
                select(Outbox.topic).where(
                    Outbox.learner_key == str(user.id), Outbox.published_at.is_(None)
                )
            )
            assert left == 0
            assert list(pending) == ["learners"]  # only the deletion notice
