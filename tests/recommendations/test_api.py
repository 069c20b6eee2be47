"""GET /api/me/recommendations and the admin variant, on SQLite and PostgreSQL, with the
in-process cache and Redis: exclusions, reasons, cold start, isolation, authorization."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tailored.models import Role
from tailored.signals import service as signals
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_profile
from tests.recommendations.factories import ingest_book, record

URL = "/api/me/recommendations"


@pytest.fixture
async def book(state: AppState, tmp_path: Path) -> None:
    await ingest_book(state, tmp_path / "docs")


async def items(
    client: httpx.AsyncClient, headers: dict[str, str], url: str = URL, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [item["content_id"] for item in found]


@pytest.mark.usefixtures("book")
class TestExclusions:
    async def test_completed_skipped_and_excluded_content_never_appears(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await record(state, user_id=user.id, kind="complete", content_ids=["module-2/urdf-basics"])
        await record(state, user_id=user.id, kind="skip", content_ids=["module-2/xacro"])
        found = ids(await items(client, headers, n=20, exclude=["module-3/jetson"]))
        assert found
        for content_id in found:
            assert content_id.split("#")[0] not in {
                "module-2/urdf-basics",
                "module-2/xacro",
                "module-3/jetson",
            }
        # What follows the completed chapter (xacro) is skipped, so the next one leads.
        assert found[0] == "module-2/robot-state"

    async def test_served_items_are_left_out_of_the_next_list(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        first = ids(await items(client, headers, n=3))
        async with state.sessionmaker() as session:
            served = await signals.recently_served(session, signals.learner_for_user(user.id))
        assert sorted(served) == sorted(first)
        second = ids(await items(client, headers, n=3))
        assert second
        assert not set(first) & set(second)

    async def test_remember_false_serves_without_recording(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, headers = await create_logged_in_user(state, client)
        first = ids(await items(client, headers, n=3, remember="false"))
        assert ids(await items(client, headers, n=3, remember="false")) == first

    async def test_comma_separated_excludes_and_chapters_take_their_sections(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, headers = await create_logged_in_user(state, client)
        chapters = "module-1/welcome,module-1/python-tools,module-2/urdf-basics"
        found = ids(await items(client, headers, n=20, exclude=chapters))
        assert found
        assert not [c for c in found if c.split("#")[0] in chapters.split(",")]


@pytest.mark.usefixtures("book")
class TestEveryItem:
    async def test_explains_itself_and_points_at_real_content(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await record(
            state, user_id=user.id, kind="complete", content_ids=["module-3/jetson#power-modes"]
        )
        found = await items(client, headers, n=8)
        sources = {item["source"] for item in found}
        assert {"next_in_order", "because_completed"} <= sources
        for item in found:
            assert set(item) >= {"content_id", "title", "anchor", "score", "source", "reason"}
            assert item["reason"].strip()
            assert item["score"] > 0
            chapter = await client.get(f"/api/chapters/{item['chapter_id']}")
            assert chapter.status_code == 200
            body = chapter.json()
            if item["anchor"] is None:
                assert (item["content_id"], item["title"]) == (body["id"], body["title"])
            else:
                assert item["content_id"] == f"{body['id']}#{item['anchor']}"
                titles = {s["anchor"]: s["title"] for s in body["sections"]}
                assert titles[item["anchor"]] == item["title"]
        first = found[0]
        assert (first["content_id"], first["reason"]) == (
            "module-3/tensorrt",
            "Next in Module 3",
        )
        because = [i for i in found if i["source"] == "because_completed"]
        assert because[0]["reason"] == "Because you completed 'Power modes'"
        # Diversified: no chapter fills more than max_per_chapter places.
        per_chapter = Counter(i["chapter_id"] for i in found)
        assert max(per_chapter.values()) <= state.settings.recommendations.max_per_chapter

    async def test_popular_with_learners_of_the_same_audience(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        for _ in range(2):
            peer, _ = await create_logged_in_user(state, client)
            await create_profile(state, user_id=peer.id)
            await record(state, user_id=peer.id, kind="complete", content_ids=["module-3/tensorrt"])
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id)
        found = {i["content_id"]: i for i in await items(client, headers, n=10)}
        assert found["module-3/tensorrt"]["source"] == "popular"
        assert found["module-3/tensorrt"]["reason"] == "Popular with learners like you"


@pytest.mark.usefixtures("book")
class TestColdStart:
    async def test_a_new_learner_without_a_profile_starts_at_the_beginning(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, headers = await create_logged_in_user(state, client)
        first = (await items(client, headers))[0]
        assert (first["content_id"], first["source"]) == ("module-1/welcome", "cold_start")
        assert first["reason"] == "A good place to start"

    async def test_the_profile_picks_chapters_about_the_learners_interests(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id, interests=["jetson"])
        first = (await items(client, headers))[0]
        assert first["content_id"] == "module-3/jetson"
        assert first["reason"] == "Matches your interest in jetson"


@pytest.mark.usefixtures("book")
class TestIsolation:
    async def test_a_learner_never_sees_another_learners_recommendations(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        ada, ada_headers = await create_logged_in_user(state, client)
        await record(state, user_id=ada.id, kind="complete", content_ids=["module-2/xacro"])
        ada_items = await items(client, ada_headers, n=5)
        assert ada_items[0]["reason"] == "Next in Module 2"
        bob, bob_headers = await create_logged_in_user(state, client)
        bob_items = await items(client, bob_headers, n=5)
        # Bob has no history: nothing drawn from Ada's (only the aggregate popular list).
        assert {i["source"] for i in bob_items} <= {"cold_start", "popular"}
        assert not [i for i in bob_items if "completed" in i["reason"]]
        assert bob_items[0]["content_id"] == "module-1/welcome"
        # What each was served is remembered for each alone.
        async with state.sessionmaker() as session:
            for user, found in ((ada, ada_items), (bob, bob_items)):
                learner = signals.learner_for_user(user.id)
                served = await signals.recently_served(session, learner)
                assert sorted(served) == sorted(ids(found))
        forbidden = await client.get(
            f"/api/admin/users/{ada.id}/recommendations", headers=bob_headers
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["error"] == "AdminRequired"


@pytest.mark.usefixtures("book")
class TestAdminVariant:
    async def test_an_admin_reads_a_learners_list_without_marking_it_served(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        learner, _ = await create_logged_in_user(state, client)
        await record(state, user_id=learner.id, kind="complete", content_ids=["module-1/welcome"])
        _, admin = await create_logged_in_user(state, client, role=Role.admin)
        url = f"/api/admin/users/{learner.id}/recommendations"
        found = await items(client, admin, url)
        assert found[0]["content_id"] == "module-1/python-tools"
        assert found[0]["reason"] == "Next in Module 1"
        async with state.sessionmaker() as session:
            assert await signals.recently_served(session, str(learner.id)) == []
        assert ids(await items(client, admin, url)) == ids(found)

    @pytest.mark.parametrize(
        ("who", "status", "error"),
        [("nobody", 401, "NotAuthenticated"), ("learner", 403, "AdminRequired")],
    )
    async def test_only_admins_may_ask(
        self, client: httpx.AsyncClient, state: AppState, who: str, status: int, error: str
    ) -> None:
        learner, learner_headers = await create_logged_in_user(state, client)
        headers = learner_headers if who == "learner" else {}
        response = await client.get(
            f"/api/admin/users/{learner.id}/recommendations", headers=headers
        )
        assert (response.status_code, response.json()["error"]) == (status, error)

    async def test_an_unknown_user_is_a_404(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, admin = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.get(
            f"/api/admin/users/{uuid.uuid4()}/recommendations", headers=admin
        )
        assert (response.status_code, response.json()["error"]) == (404, "UserNotFound")


class TestBadInput:
    @pytest.mark.parametrize(
        "params",
        [{"n": 0}, {"n": 51}, {"exclude": "x" * 201}, {"remember": "maybe"}],
        ids=["n-zero", "n-too-many", "exclude-too-long", "remember-not-bool"],
    )
    async def test_is_a_422_naming_the_field(
        self, client: httpx.AsyncClient, state: AppState, params: dict[str, Any]
    ) -> None:
        _, headers = await create_logged_in_user(state, client)
        response = await client.get(URL, headers=headers, params=params)
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "ValidationError"
        assert body["detail"][0]["loc"][-1] in {"n", "exclude", "remember", 0}

    async def test_an_empty_library_gives_an_empty_list(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _, headers = await create_logged_in_user(state, client)
        assert await items(client, headers) == []
