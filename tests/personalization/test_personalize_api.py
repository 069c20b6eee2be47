"""Personalization over HTTP with the default rules adapter on the sample textbook."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.models import PersonalizationHistory, PersonalizationSession, Role
from tailored.state import AppState
from tests.fixtures.accounts import DEFAULT_PASSWORD, create_logged_in_user

COMPLETE = {"software_level": "beginner", "hardware_level": "none", "languages": ["python"]}


@pytest.fixture
async def textbook(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    async with sessionmaker() as session:
        assert (await content.ingest(session, textbook_dir)).ok
        await session.commit()


async def _learner(
    client: httpx.AsyncClient, state: AppState, profile: Mapping[str, object] | None = None
) -> dict[str, str]:
    _user, headers = await create_logged_in_user(state, client)
    if profile is not None:
        response = await client.patch("/api/me/profile", headers=headers, json=profile)
        assert response.status_code == 200, response.text
    return headers


@pytest.mark.usefixtures("textbook")
class TestPersonalize:
    async def test_learner_gets_an_adapted_verified_chapter(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await _learner(client, state, COMPLETE)
        response = await client.post(
            "/api/chapters/ros2/nodes-and-topics/personalize", headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["verification"] == {"ok": True, "issues": []}
        assert body["applied_transformations"]
        assert all(t["name"] and t["detail"] for t in body["applied_transformations"])
        assert body["cached"] is False
        assert body["adapter"].startswith("rules@")
        again = await client.post(
            "/api/chapters/ros2/nodes-and-topics/personalize", headers=headers
        )
        assert again.json()["cached"] is True
        assert again.json()["content"] == body["content"]

    async def test_two_learners_with_the_same_needs_share_one_entry(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        first = await _learner(client, state, {**COMPLETE, "interests": ["drones"]})
        second = await _learner(client, state, {**COMPLETE, "interests": ["humanoids"]})
        a = await client.post("/api/chapters/intro/personalize", headers=first)
        b = await client.post("/api/chapters/intro/personalize", headers=second)
        assert a.json()["audience_key"] == b.json()["audience_key"]
        assert b.json()["cached"] is True

    async def test_profile_change_applies_at_once(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await _learner(client, state, COMPLETE)
        url = "/api/chapters/deployment/jetson-edge/personalize"
        before = (await client.post(url, headers=headers)).json()
        patched = await client.patch(
            "/api/me/profile", headers=headers, json={"software_level": "advanced"}
        )
        assert patched.status_code == 200
        after = (await client.post(url, headers=headers)).json()
        assert after["audience_key"] != before["audience_key"]
        assert after["content"] != before["content"]

    async def test_incomplete_profile_is_403(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await _learner(client, state, {"software_level": "beginner"})
        response = await client.post("/api/chapters/intro/personalize", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"] == "ProfileIncomplete"
        assert "hardware_level" in response.json()["detail"]

    async def test_needs_login_and_a_real_chapter(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        assert (await client.post("/api/chapters/intro/personalize")).status_code == 401
        headers = await _learner(client, state, COMPLETE)
        missing = await client.post("/api/chapters/nope/personalize", headers=headers)
        assert missing.status_code == 404


@pytest.mark.usefixtures("textbook")
class TestHistoryAndSessions:
    async def test_history_is_private(self, client: httpx.AsyncClient, state: AppState) -> None:
        alice = await _learner(client, state, COMPLETE)
        bob = await _learner(client, state, COMPLETE)
        await client.post("/api/chapters/intro/personalize", headers=alice)
        await client.post("/api/chapters/ros2/urdf/personalize", headers=alice)
        await state.personalizer.recorder.flush()
        mine = (await client.get("/api/me/personalizations", headers=alice)).json()
        assert [h["chapter_id"] for h in mine] == ["ros2/urdf", "intro"]
        assert (await client.get("/api/me/personalizations", headers=bob)).json() == []

    async def test_export_and_deletion_cover_history_and_modes(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        alice = await _learner(client, state, COMPLETE)
        await client.post("/api/chapters/intro/personalize", headers=alice)
        await client.put("/api/chapters/intro/session", headers=alice, json={"active": True})
        await state.personalizer.recorder.flush()
        export = (await client.get("/api/me/export", headers=alice)).json()
        assert [h["chapter_id"] for h in export["personalizations"]] == ["intro"]
        assert export["reading_modes"][0] == {
            "chapter_id": "intro",
            "active": True,
            "updated_at": export["reading_modes"][0]["updated_at"],
        }
        deleted = await client.request(
            "DELETE", "/api/me", headers=alice, json={"password": DEFAULT_PASSWORD}
        )
        assert deleted.status_code == 204
        async with state.sessionmaker() as session:
            left = await session.scalar(select(func.count()).select_from(PersonalizationHistory))
            modes = await session.scalar(select(func.count()).select_from(PersonalizationSession))
        assert (left, modes) == (0, 0)

    async def test_mode_toggle_is_remembered_per_chapter(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        alice = await _learner(client, state, COMPLETE)
        bob = await _learner(client, state, COMPLETE)
        url = "/api/chapters/ros2/urdf/session"
        assert (await client.get(url, headers=alice)).json()["active"] is False
        put = await client.put(url, headers=alice, json={"active": True})
        assert put.status_code == 200
        assert (await client.get(url, headers=alice)).json()["active"] is True
        assert (await client.get(url, headers=bob)).json()["active"] is False
        assert (await client.get("/api/chapters/intro/session", headers=alice)).json()[
            "active"
        ] is False


@pytest.mark.usefixtures("textbook")
class TestAdminVariantAndStats:
    async def test_admin_personalizes_for_a_profile_in_the_body(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _admin, headers = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.post(
            "/api/admin/chapters/intro/personalize",
            headers=headers,
            json={"profile": {"software_level": "advanced", "hardware_level": "advanced"}},
        )
        assert response.status_code == 200, response.text
        assert response.json()["verification"]["ok"] is True
        bad = await client.post(
            "/api/admin/chapters/intro/personalize",
            headers=headers,
            json={"profile": {"software_level": "wizard"}},
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "profile", "software_level"]

    async def test_learner_cannot_use_the_admin_variant_or_stats(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await _learner(client, state, COMPLETE)
        response = await client.post(
            "/api/admin/chapters/intro/personalize", headers=headers, json={"profile": {}}
        )
        assert response.status_code == 403
        stats = await client.get("/api/admin/stats/personalization", headers=headers)
        assert stats.status_code == 403

    async def test_stats_count_what_happened(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        learner = await _learner(client, state, COMPLETE)
        for _ in range(3):
            await client.post("/api/chapters/intro/personalize", headers=learner)
        await client.post("/api/chapters/ros2/urdf/personalize", headers=learner)
        _admin, admin = await create_logged_in_user(state, client, role=Role.admin)
        body = (await client.get("/api/admin/stats/personalization", headers=admin)).json()
        assert body["requests"] == 4
        assert body["hit_rate"] == pytest.approx(0.5)
        assert body["cached"]["requests"] == 2
        assert body["uncached"]["requests"] == 2
        assert body["top_chapters"][0] == {"chapter_id": "intro", "requests": 3}
        assert body["distinct_audiences"] == 1
        assert body["stored_entries"] == 2
        assert body["stored_bytes"] > 0
