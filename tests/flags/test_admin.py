"""The admin API for flags: definitions are checked whole, learners are refused."""

from __future__ import annotations

import httpx

from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.flags.conftest import create_flag


class TestAdminFlags:
    async def test_create_read_change_delete(
        self, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        made = await create_flag(client, admin, key="beta", description="the beta reader")
        assert (made["kind"], made["default_variant"], made["enabled"]) == ("boolean", "off", True)
        changed = await client.patch(
            "/api/admin/flags/beta", json={"rollout": {"on": 25, "off": 75}}, headers=admin
        )
        assert changed.json()["rollout"] == {"on": 25, "off": 75}
        cleared = await client.patch(
            "/api/admin/flags/beta", json={"clear_rollout": True}, headers=admin
        )
        assert (cleared.json()["rollout"], cleared.json()["version"]) == (None, 3)
        listed = await client.get("/api/admin/flags", headers=admin)
        assert [f["key"] for f in listed.json()] == ["beta"]
        gone = await client.delete("/api/admin/flags/beta", headers=admin)
        assert gone.status_code == 204
        assert (await client.get("/api/admin/flags/beta", headers=admin)).status_code == 404

    async def test_broken_definitions_are_422_and_duplicates_409(
        self, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        cases = [
            {"key": "a", "rollout": {"on": 50, "off": 40}},
            {"key": "b", "kind": "variant", "variants": {"x": 1}, "default_variant": "y"},
            {"key": "c", "variants": {"on": 1, "off": 0}},
            {"key": "d", "rules": [{"when": [], "variant": "maybe"}]},
            {"key": "e", "rules": [{"when": [], "variant": "on", "split": {"on": 100}}]},
            {"key": "UPPER"},
        ]
        for body in cases:
            response = await client.post("/api/admin/flags", json=body, headers=admin)
            assert response.status_code == 422, body
            assert response.json()["error"] in ("InvalidFlag", "ValidationError")
        await create_flag(client, admin, key="once")
        again = await client.post("/api/admin/flags", json={"key": "once"}, headers=admin)
        assert again.status_code == 409
        assert again.json()["error"] == "FlagExists"

    async def test_learners_are_refused(self, state: AppState, client: httpx.AsyncClient) -> None:
        _user, auth = await create_logged_in_user(state, client)
        assert (await client.get("/api/admin/flags", headers=auth)).status_code == 403
        post = await client.post("/api/admin/flags", json={"key": "x"}, headers=auth)
        assert post.status_code == 403
