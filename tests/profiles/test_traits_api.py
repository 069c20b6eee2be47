"""Traits over HTTP: upsert, list, delete, validation and isolation between learners."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import Trait
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_trait

TRAITS = "/api/me/traits"


def trait_body(
    value: Any = "steady", confidence: float = 0.7, source: str = "onboarding"
) -> dict[str, Any]:
    return {"value": value, "confidence": confidence, "source": source}


def problems(response: httpx.Response) -> dict[tuple[Any, ...], str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationError"
    return {tuple(p["loc"]): p["msg"] for p in body["detail"]}


class TestPutTrait:
    async def test_create_is_201_update_is_200(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        created = await client.put(f"{TRAITS}/pace", json=trait_body(), headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["key"] == "pace"
        assert created.json()["value"] == "steady"
        assert created.json()["confidence"] == 0.7
        assert created.json()["source"] == "onboarding"

        updated = await client.put(
            f"{TRAITS}/pace",
            json=trait_body(value={"speed": "fast"}, confidence=0.4, source="inferred"),
            headers=headers,
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["value"] == {"speed": "fast"}
        assert updated.json()["confidence"] == 0.4
        assert updated.json()["source"] == "inferred"
        assert updated.json()["updated_at"] >= created.json()["updated_at"]

        rows = await session.scalar(
            select(func.count()).select_from(Trait).where(Trait.user_id == user.id)
        )
        assert rows == 1

    @pytest.mark.parametrize(
        "value",
        [None, True, 0, 3.5, "text", [], [1, "two", None], {"nested": {"list": [1, {"a": None}]}}],
    )
    async def test_value_is_any_json(
        self, client: httpx.AsyncClient, state: AppState, value: Any
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.put(f"{TRAITS}/any", json=trait_body(value=value), headers=headers)
        assert response.status_code == 201, response.text
        listed = (await client.get(TRAITS, headers=headers)).json()
        assert listed[0]["value"] == value

    @pytest.mark.parametrize("confidence", [0, 1, 0.5])
    async def test_confidence_bounds_are_inclusive(
        self, client: httpx.AsyncClient, state: AppState, confidence: float
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.put(
            f"{TRAITS}/c", json=trait_body(confidence=confidence), headers=headers
        )
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("key", ["a", "reading.pace", "x-1_y.z", "a" + "b" * 63])
    async def test_good_keys(self, client: httpx.AsyncClient, state: AppState, key: str) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.put(f"{TRAITS}/{key}", json=trait_body(), headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["key"] == key


class TestListTraits:
    async def test_empty(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.get(TRAITS, headers=headers)
        assert response.status_code == 200
        assert response.json() == []

    async def test_sorted_by_key(self, client: httpx.AsyncClient, state: AppState) -> None:
        user, headers = await create_logged_in_user(state, client)
        for key in ("style", "a.first", "pace", "z"):
            await create_trait(state, user_id=user.id, key=key)
        listed = (await client.get(TRAITS, headers=headers)).json()
        assert [t["key"] for t in listed] == ["a.first", "pace", "style", "z"]
        assert set(listed[0]) == {"key", "value", "confidence", "source", "updated_at"}


class TestDeleteTrait:
    async def test_delete_then_404(self, client: httpx.AsyncClient, state: AppState) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_trait(state, user_id=user.id, key="pace")
        await create_trait(state, user_id=user.id, key="style")
        response = await client.delete(f"{TRAITS}/pace", headers=headers)
        assert response.status_code == 204
        assert response.content == b""
        assert [t["key"] for t in (await client.get(TRAITS, headers=headers)).json()] == ["style"]

        again = await client.delete(f"{TRAITS}/pace", headers=headers)
        assert again.status_code == 404
        assert again.json() == {"error": "TraitNotFound", "detail": "no such trait"}

    async def test_absent_key_is_404(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.delete(f"{TRAITS}/never.set", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"] == "TraitNotFound"

    async def test_bad_key_is_422(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.delete(f"{TRAITS}/Bad", headers=headers)
        assert ("path", "key") in problems(response)


class TestTraitValidation:
    @pytest.mark.parametrize("confidence", [-0.01, 1.01, 2, -1])
    async def test_confidence_out_of_range(
        self, client: httpx.AsyncClient, state: AppState, confidence: float
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.put(f"{TRAITS}/c", json=trait_body(confidence=confidence), headers=headers)
        )
        assert ("body", "confidence") in found

    @pytest.mark.parametrize(
        "key", ["Pace", "1pace", "_pace", "pa ce", "pace!", "pâce", "a" + "b" * 64]
    )
    async def test_bad_key(self, client: httpx.AsyncClient, state: AppState, key: str) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(await client.put(f"{TRAITS}/{key}", json=trait_body(), headers=headers))
        assert "pattern" in found[("path", "key")]

    async def test_bad_source_lists_allowed_values(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.put(f"{TRAITS}/s", json=trait_body(source="guessed"), headers=headers)
        )
        assert "'onboarding'" in found[("body", "source")]
        assert "'inferred'" in found[("body", "source")]

    async def test_value_too_large(self, client: httpx.AsyncClient, state: AppState) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.put(f"{TRAITS}/big", json=trait_body(value="x" * 5000), headers=headers)
        )
        assert "at most 4096 bytes" in found[("body", "value")]

    async def test_missing_and_unknown_fields(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        found = problems(
            await client.put(f"{TRAITS}/k", json={"value": 1, "weight": 2}, headers=headers)
        )
        assert ("body", "confidence") in found
        assert ("body", "source") in found
        assert ("body", "weight") in found

    async def test_rejected_put_stores_nothing(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        await client.put(f"{TRAITS}/k", json=trait_body(confidence=3), headers=headers)
        assert (await client.get(TRAITS, headers=headers)).json() == []


class TestTraitIsolation:
    async def test_learners_never_touch_each_others_traits(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        alice, alice_headers = await create_logged_in_user(state, client)
        _bob, bob_headers = await create_logged_in_user(state, client)
        await create_trait(state, user_id=alice.id, key="pace", value="slow", confidence=0.9)

        assert (await client.get(TRAITS, headers=bob_headers)).json() == []
        gone = await client.delete(f"{TRAITS}/pace", headers=bob_headers)
        assert gone.status_code == 404

        # Bob's PUT on the same key makes Bob's own trait; Alice's stays as it was.
        mine = await client.put(
            f"{TRAITS}/pace", json=trait_body(value="fast", confidence=0.1), headers=bob_headers
        )
        assert mine.status_code == 201

        alice_traits = (await client.get(TRAITS, headers=alice_headers)).json()
        assert [(t["key"], t["value"], t["confidence"]) for t in alice_traits] == [
            ("pace", "slow", 0.9)
        ]
        bob_traits = (await client.get(TRAITS, headers=bob_headers)).json()
        assert [(t["key"], t["value"]) for t in bob_traits] == [("pace", "fast")]
