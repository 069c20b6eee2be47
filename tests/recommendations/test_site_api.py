"""GET /api/site/users/{user_id}/recommendations: a site asks for one of its own users with
its API key; the user's history is the site's alone."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tailored.signals.identity import learner_for_site_user
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.recommendations.factories import create_site_key, ingest_book, record


@pytest.fixture
async def book(state: AppState, tmp_path: Path) -> None:
    await ingest_book(state, tmp_path / "docs")


def url(user_id: str) -> str:
    return f"/api/site/users/{user_id}/recommendations"


@pytest.mark.usefixtures("book")
class TestSiteVariant:
    async def test_a_site_reads_its_users_list_from_that_users_history(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        prefix, key = await create_site_key(state)
        learner = learner_for_site_user(prefix, "u-42")
        await record(state, learner=learner, kind="complete", content_ids=["module-2/xacro"])
        response = await client.get(url("u-42"), headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        first = response.json()["items"][0]
        assert (first["content_id"], first["reason"]) == (
            "module-2/robot-state",
            "Next in Module 2",
        )

    async def test_another_sites_user_of_the_same_id_is_someone_else(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        prefix, _ = await create_site_key(state)
        _, other_key = await create_site_key(state)
        learner = learner_for_site_user(prefix, "u-7")
        await record(state, learner=learner, kind="complete", content_ids=["module-2/xacro"])
        response = await client.get(url("u-7"), headers={"Authorization": f"Bearer {other_key}"})
        assert response.status_code == 200
        found = response.json()["items"]
        assert found[0]["content_id"] == "module-1/welcome"
        assert {i["source"] for i in found} <= {"cold_start", "popular"}

    @pytest.mark.parametrize(
        ("who", "status", "error"),
        [
            ("nobody", 401, "NotAuthenticated"),
            ("bad key", 401, "InvalidSiteKey"),
            ("learner", 403, "SiteKeyRequired"),
        ],
    )
    async def test_only_a_site_key_may_ask(
        self, client: httpx.AsyncClient, state: AppState, who: str, status: int, error: str
    ) -> None:
        _, learner_headers = await create_logged_in_user(state, client)
        headers = {
            "nobody": {},
            "bad key": {"Authorization": "Bearer tk_00000000_nope"},
            "learner": learner_headers,
        }[who]
        response = await client.get(url("u-1"), headers=headers)
        assert (response.status_code, response.json()["error"]) == (status, error)
