"""The learner profile over HTTP: PATCH semantics, validation, completion, isolation, auth."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import Profile, Role, Trait
from tailored.state import AppState
from tests.fixtures.accounts import DEFAULT_PASSWORD, create_logged_in_user, create_user
from tests.fixtures.profiles import create_profile, create_trait

PROFILE = "/api/me/profile"


def problems(response: httpx.Response) -> dict[tuple[Any, ...], str]:
    """A 422 body as {loc: msg}, after checking the house error shape."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationError"
    return {tuple(p["loc"]): p["msg"] for p in body["detail"]}


class TestGetProfile:
    async def test_empty_profile_before_first_write(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        response = await client.get(PROFILE, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["user_id"] == str(user.id)
        assert body["profile_completed"] is False
        assert body["software_level"] is None
        assert body["languages"] == []
        assert body["hardware_available"] == []
        assert body["preferred_language"] is None
        assert body["created_at"] is None

    async def test_get_does_not_create_a_row(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await client.get(PROFILE, headers=headers)
        assert await session.get(Profile, user.id) is None

    async def test_stored_profile(self, client: httpx.AsyncClient, state: AppState) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id, languages=["rust"])
        body = (await client.get(PROFILE, headers=headers)).json()
        assert body["languages"] == ["rust"]
        assert body["software_level"] == "intermediate"
        assert body["created_at"] is not None


class TestPatchSemantics:
    async def test_first_patch_creates_the_row(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        response = await client.patch(PROFILE, json={"role": "researcher"}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "researcher"
        stored = await session.get(Profile, user.id)
        assert stored is not None
        assert stored.role == "researcher"

    async def test_full_profile_round_trip(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        full = {
            "software_level": "advanced",
            "languages": ["python", "c++"],
            "frameworks": ["ros2", "pytorch"],
            "hardware_level": "intermediate",
            "hardware_domains": ["jetson_edge", "3d_printing"],
            "role": "professional",
            "robotics_experience": "hobbyist",
            "hardware_available": ["rtx_workstation", "jetson_kit"],
            "interests": ["slam", "manipulation"],
            "difficulty_preference": "challenging",
            "preferred_language": "ur",
        }
        response = await client.patch(PROFILE, json=full, headers=headers)
        assert response.status_code == 200, response.text
        body = (await client.get(PROFILE, headers=headers)).json()
        assert {k: body[k] for k in full} == full
        assert body["profile_completed"] is True

    async def test_omitted_fields_are_kept(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        await client.patch(
            PROFILE,
            json={"role": "student", "languages": ["python"], "preferred_language": "de"},
            headers=headers,
        )
        response = await client.patch(PROFILE, json={"interests": ["vision"]}, headers=headers)
        body = response.json()
        assert body["role"] == "student"
        assert body["languages"] == ["python"]
        assert body["preferred_language"] == "de"
        assert body["interests"] == ["vision"]

    async def test_empty_patch_changes_nothing(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        before = (await client.patch(PROFILE, json={"role": "student"}, headers=headers)).json()
        after = (await client.patch(PROFILE, json={}, headers=headers)).json()
        assert {k: v for k, v in after.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }

    async def test_null_clears_a_field(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        await client.patch(
            PROFILE, json={"role": "student", "preferred_language": "fr"}, headers=headers
        )
        body = (
            await client.patch(
                PROFILE, json={"role": None, "preferred_language": None}, headers=headers
            )
        ).json()
        assert body["role"] is None
        assert body["preferred_language"] is None

    async def test_lists_are_replaced_not_merged(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        await client.patch(PROFILE, json={"languages": ["python", "go"]}, headers=headers)
        body = (await client.patch(PROFILE, json={"languages": ["rust"]}, headers=headers)).json()
        assert body["languages"] == ["rust"]

    async def test_empty_list_clears(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        await client.patch(
            PROFILE, json={"interests": ["slam"], "hardware_available": ["cloud"]}, headers=headers
        )
        body = (
            await client.patch(
                PROFILE, json={"interests": [], "hardware_available": []}, headers=headers
            )
        ).json()
        assert body["interests"] == []
        assert body["hardware_available"] == []

    async def test_null_list_is_rejected_with_a_hint(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(await client.patch(PROFILE, json={"languages": None}, headers=headers))
        assert "send [] to clear" in found[("body", "languages")]

    async def test_lists_are_normalized(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        body = (
            await client.patch(
                PROFILE,
                json={
                    "languages": [" Python ", "python", "C++", "PYTHON"],
                    "frameworks": ["ROS2", "ros2 "],
                    "interests": ["  Humanoids", "humanoids", "SLAM"],
                    "hardware_domains": ["pcb_design", "pcb_design", "sensors_actuators"],
                    "hardware_available": ["cloud", "cloud"],
                },
                headers=headers,
            )
        ).json()
        assert body["languages"] == ["python", "c++"]
        assert body["frameworks"] == ["ros2"]
        assert body["interests"] == ["humanoids", "slam"]
        assert body["hardware_domains"] == ["pcb_design", "sensors_actuators"]
        assert body["hardware_available"] == ["cloud"]

    @pytest.mark.parametrize("code", ["EN", " en ", "En"])
    async def test_language_code_case_is_normalized(
        self, client: httpx.AsyncClient, state: AppState, code: str
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.patch(PROFILE, json={"preferred_language": code}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["preferred_language"] == "en"

    async def test_updated_at_moves_on_write(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        first = (await client.patch(PROFILE, json={"role": "student"}, headers=headers)).json()
        second = (await client.patch(PROFILE, json={"role": "instructor"}, headers=headers)).json()
        assert second["created_at"] == first["created_at"]
        assert second["updated_at"] >= first["updated_at"]


class TestProfileValidation:
    async def test_unknown_field_is_named(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(PROFILE, json={"favourite_color": "blue"}, headers=headers)
        )
        assert ("body", "favourite_color") in found
        assert "not permitted" in found[("body", "favourite_color")]

    @pytest.mark.parametrize(
        ("field", "bad", "allowed"),
        [
            ("software_level", "guru", ["beginner", "intermediate", "advanced"]),
            ("hardware_level", "expert", ["none", "basic", "intermediate", "advanced"]),
            ("role", "teacher", ["student", "professional", "researcher", "instructor"]),
            ("robotics_experience", "lots", ["none", "hobbyist", "academic", "professional"]),
            ("difficulty_preference", "hard", ["gentle", "balanced", "challenging"]),
        ],
    )
    async def test_bad_enum_lists_allowed_values(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        field: str,
        bad: str,
        allowed: list[str],
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(await client.patch(PROFILE, json={field: bad}, headers=headers))
        msg = found[("body", field)]
        for value in allowed:
            assert f"'{value}'" in msg

    async def test_bad_enum_inside_a_list_names_the_item(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(
                PROFILE, json={"hardware_domains": ["pcb_design", "lasers"]}, headers=headers
            )
        )
        msg = found[("body", "hardware_domains", 1)]
        assert "'3d_printing'" in msg
        assert "'jetson_edge'" in msg
        found = problems(
            await client.patch(PROFILE, json={"hardware_available": ["tpu"]}, headers=headers)
        )
        assert "'rtx_workstation'" in found[("body", "hardware_available", 0)]

    @pytest.mark.parametrize("code", ["xx", "eng", "english", "e", "", "12", "é1"])
    async def test_bad_language_code(
        self, client: httpx.AsyncClient, state: AppState, code: str
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(PROFILE, json={"preferred_language": code}, headers=headers)
        )
        assert "ISO 639-1" in found[("body", "preferred_language")]

    @pytest.mark.parametrize("others", [["cloud"], ["rtx_workstation", "jetson_kit"]])
    async def test_none_hardware_cannot_be_combined(
        self, client: httpx.AsyncClient, state: AppState, others: list[str]
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(
                PROFILE, json={"hardware_available": ["none", *others]}, headers=headers
            )
        )
        assert "'none' cannot be combined" in found[("body", "hardware_available")]

    async def test_none_hardware_alone_is_fine(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.patch(
            PROFILE, json={"hardware_available": ["none", "none"]}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["hardware_available"] == ["none"]

    @pytest.mark.parametrize("field", ["languages", "frameworks", "interests"])
    async def test_too_many_items(
        self, client: httpx.AsyncClient, state: AppState, field: str
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(
                PROFILE, json={field: [f"tag{i}" for i in range(31)]}, headers=headers
            )
        )
        assert "at most 30 items" in found[("body", field)]

    async def test_thirty_items_are_fine(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        tags = [f"tag{i}" for i in range(30)]
        response = await client.patch(PROFILE, json={"interests": tags}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["interests"] == tags

    async def test_item_too_long_or_blank(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(
                PROFILE, json={"interests": ["ok", "x" * 51], "frameworks": ["  "]}, headers=headers
            )
        )
        assert "at most 50 characters" in found[("body", "interests", 1)]
        assert "at least 1 character" in found[("body", "frameworks", 0)]

    async def test_wrong_types(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(
                PROFILE, json={"languages": "python", "interests": [1]}, headers=headers
            )
        )
        assert ("body", "languages") in found
        assert ("body", "interests", 0) in found

    async def test_invalid_patch_changes_nothing(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        await client.patch(PROFILE, json={"role": "student"}, headers=headers)
        response = await client.patch(
            PROFILE, json={"role": "instructor", "software_level": "guru"}, headers=headers
        )
        assert response.status_code == 422
        assert (await client.get(PROFILE, headers=headers)).json()["role"] == "student"


class TestProfileCompleted:
    async def test_transitions(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)

        async def patch(body: dict[str, Any]) -> bool:
            response = await client.patch(PROFILE, json=body, headers=headers)
            assert response.status_code == 200, response.text
            completed: bool = response.json()["profile_completed"]
            return completed

        assert await patch({"role": "student", "interests": ["slam"]}) is False
        assert await patch({"software_level": "beginner"}) is False
        assert await patch({"hardware_level": "none"}) is True
        assert (await client.get(PROFILE, headers=headers)).json()["profile_completed"] is True
        assert await patch({"software_level": None}) is False
        assert await patch({"software_level": "advanced"}) is True
        assert await patch({"hardware_level": None}) is False

    async def test_hardware_level_none_counts_as_answered(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.patch(
            PROFILE, json={"software_level": "beginner", "hardware_level": "none"}, headers=headers
        )
        assert response.json()["profile_completed"] is True


class TestProfileIsolation:
    async def test_learners_only_see_their_own_profile(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        alice, alice_headers = await create_logged_in_user(state, client)
        bob, bob_headers = await create_logged_in_user(state, client)
        await client.patch(
            PROFILE,
            json={"software_level": "advanced", "interests": ["secret-project"]},
            headers=alice_headers,
        )
        bob_view = (await client.get(PROFILE, headers=bob_headers)).json()
        assert bob_view["user_id"] == str(bob.id)
        assert bob_view["interests"] == []
        assert bob_view["software_level"] is None

        await client.patch(PROFILE, json={"software_level": "beginner"}, headers=bob_headers)
        alice_view = (await client.get(PROFILE, headers=alice_headers)).json()
        assert alice_view["user_id"] == str(alice.id)
        assert alice_view["software_level"] == "advanced"
        assert alice_view["interests"] == ["secret-project"]

    async def test_body_cannot_name_another_user(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        alice, _ = await create_logged_in_user(state, client)
        _bob, bob_headers = await create_logged_in_user(state, client)
        found = problems(
            await client.patch(
                PROFILE,
                json={"user_id": str(alice.id), "role": "instructor"},
                headers=bob_headers,
            )
        )
        assert ("body", "user_id") in found
        assert await session.get(Profile, alice.id) is None

    async def test_learner_cannot_use_admin_routes_on_others(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        alice, _ = await create_logged_in_user(state, client)
        _bob, bob_headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=alice.id)
        for path in (
            f"/api/admin/users/{alice.id}/profile",
            f"/api/admin/users/{alice.id}/traits",
        ):
            response = await client.get(path, headers=bob_headers)
            assert response.status_code == 403
            assert response.json()["error"] == "AdminRequired"


ALL_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/me/profile", None),
    ("PATCH", "/api/me/profile", {"role": "student"}),
    ("GET", "/api/me/traits", None),
    ("PUT", "/api/me/traits/pace", {"value": 1, "confidence": 1, "source": "inferred"}),
    ("DELETE", "/api/me/traits/pace", None),
    ("GET", f"/api/admin/users/{uuid.uuid4()}/profile", None),
    ("GET", f"/api/admin/users/{uuid.uuid4()}/traits", None),
]


class TestAuthentication:
    @pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
    async def test_no_token_is_401_json(
        self, client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
    ) -> None:
        response = await client.request(method, path, json=body)
        assert response.status_code == 401
        assert response.json()["error"] == "NotAuthenticated"
        assert "detail" in response.json()
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
    async def test_bad_token_is_401_json(
        self, client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
    ) -> None:
        response = await client.request(
            method, path, json=body, headers={"Authorization": "Bearer not-a-real-token"}
        )
        assert response.status_code == 401
        assert response.json()["error"] == "NotAuthenticated"

    async def test_401_comes_before_body_validation(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(PROFILE, json={"software_level": "guru"})
        assert response.status_code == 401


class TestAdminRoutes:
    async def test_admin_reads_a_learners_profile_and_traits(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        learner, _ = await create_logged_in_user(state, client)
        _admin, admin_headers = await create_logged_in_user(state, client, role=Role.admin)
        await create_profile(state, user_id=learner.id, interests=["slam"])
        await create_trait(state, user_id=learner.id, key="zeta", value=1)
        await create_trait(state, user_id=learner.id, key="alpha", value={"a": [1, 2]})

        profile = await client.get(f"/api/admin/users/{learner.id}/profile", headers=admin_headers)
        assert profile.status_code == 200
        assert profile.json()["user_id"] == str(learner.id)
        assert profile.json()["interests"] == ["slam"]

        traits = await client.get(f"/api/admin/users/{learner.id}/traits", headers=admin_headers)
        assert traits.status_code == 200
        assert [t["key"] for t in traits.json()] == ["alpha", "zeta"]
        assert traits.json()[0]["value"] == {"a": [1, 2]}

    async def test_admin_sees_empty_profile_when_none_stored(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        learner = await create_user(state)
        _admin, admin_headers = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.get(f"/api/admin/users/{learner.id}/profile", headers=admin_headers)
        assert response.status_code == 200
        assert response.json()["profile_completed"] is False
        traits = await client.get(f"/api/admin/users/{learner.id}/traits", headers=admin_headers)
        assert traits.json() == []

    @pytest.mark.parametrize("what", ["profile", "traits"])
    async def test_unknown_user_is_404(
        self, client: httpx.AsyncClient, state: AppState, what: str
    ) -> None:
        _admin, admin_headers = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.get(
            f"/api/admin/users/{uuid.uuid4()}/{what}", headers=admin_headers
        )
        assert response.status_code == 404
        assert response.json() == {"error": "UserNotFound", "detail": "no such user"}

    async def test_malformed_user_id_is_422(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _admin, admin_headers = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.get("/api/admin/users/not-a-uuid/profile", headers=admin_headers)
        assert ("path", "user_id") in problems(response)

    @pytest.mark.parametrize("what", ["profile", "traits"])
    async def test_learner_gets_403_even_for_unknown_user(
        self, client: httpx.AsyncClient, state: AppState, what: str
    ) -> None:
        _learner, headers = await create_logged_in_user(state, client)
        response = await client.get(f"/api/admin/users/{uuid.uuid4()}/{what}", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"] == "AdminRequired"


class TestAccountDeletion:
    async def test_deleting_the_account_removes_profile_and_traits(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        keep, _ = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id)
        await create_trait(state, user_id=user.id, key="pace")
        await create_trait(state, user_id=user.id, key="style")
        await create_profile(state, user_id=keep.id)
        await create_trait(state, user_id=keep.id, key="pace")

        response = await client.request(
            "DELETE", "/api/me", json={"password": DEFAULT_PASSWORD}, headers=headers
        )
        assert response.status_code == 204, response.text

        async def count(model: type[Profile] | type[Trait], user_id: uuid.UUID) -> int:
            return int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.user_id == user_id)
                )
                or 0
            )

        assert await count(Profile, user.id) == 0
        assert await count(Trait, user.id) == 0
        assert await count(Profile, keep.id) == 1
        assert await count(Trait, keep.id) == 1


class TestAccountExport:
    async def test_export_includes_profile_and_traits(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id, preferred_language="ES")
        await create_trait(state, user_id=user.id, key="pace", value="fast")
        response = await client.get("/api/me/export", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["profile"]["preferred_language"] == "es"
        assert body["profile"]["profile_completed"] is True
        assert [(t["key"], t["value"]) for t in body["traits"]] == [("pace", "fast")]
