"""Every paged route bounds limit and offset: out of bounds is a 422 in the house shape (never a
500 from the database), the bounds are in the OpenAPI schema, and the largest allowed offset
still reaches the database and answers an empty page, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tailored.kit.paging import MAX_OFFSET, MAX_PAGE_SIZE
from tailored.models import Role
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user

# (path, role whose token lists it, how to read the items of a 200 body)
PAGED_ROUTES = [
    ("/api/admin/users", Role.admin, lambda body: body["items"]),
    ("/api/me/personalizations", Role.learner, lambda body: body),
    ("/api/search", Role.learner, lambda body: body["results"]),
    ("/api/me/events", Role.learner, lambda body: body),
]
# Parameters a paged route needs besides limit and offset.
EXTRA: dict[str, dict[str, str]] = {"/api/search": {"q": "robot"}}
ROUTE_IDS = [path for path, _, _ in PAGED_ROUTES]


def problem_locs(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationError"
    return [p["loc"] for p in body["detail"]]


@pytest.mark.parametrize(("path", "role", "items"), PAGED_ROUTES, ids=ROUTE_IDS)
class TestPagedRoutes:
    async def test_offset_past_64_bits_is_a_422(
        self, client: httpx.AsyncClient, state: AppState, path: str, role: Role, items: Any
    ) -> None:
        _, headers = await create_logged_in_user(state, client, role=role)
        response = await client.get(
            path, params={**EXTRA.get(path, {}), "offset": 2**63}, headers=headers
        )
        assert problem_locs(response) == [["query", "offset"]]
        assert str(MAX_OFFSET) in response.text  # the message names the bound

    async def test_offset_one_past_the_bound_is_a_422(
        self, client: httpx.AsyncClient, state: AppState, path: str, role: Role, items: Any
    ) -> None:
        _, headers = await create_logged_in_user(state, client, role=role)
        response = await client.get(
            path, params={**EXTRA.get(path, {}), "offset": MAX_OFFSET + 1}, headers=headers
        )
        assert problem_locs(response) == [["query", "offset"]]

    async def test_largest_offset_is_an_empty_page(
        self, client: httpx.AsyncClient, state: AppState, path: str, role: Role, items: Any
    ) -> None:
        _, headers = await create_logged_in_user(state, client, role=role)
        response = await client.get(
            path, params={**EXTRA.get(path, {}), "offset": MAX_OFFSET}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert items(response.json()) == []

    @pytest.mark.parametrize("limit", [0, MAX_PAGE_SIZE + 1, 2**63])
    async def test_limit_out_of_bounds_is_a_422(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        path: str,
        role: Role,
        items: Any,
        limit: int,
    ) -> None:
        _, headers = await create_logged_in_user(state, client, role=role)
        response = await client.get(
            path, params={**EXTRA.get(path, {}), "limit": limit}, headers=headers
        )
        assert problem_locs(response) == [["query", "limit"]]

    async def test_negative_offset_is_a_422(
        self, client: httpx.AsyncClient, state: AppState, path: str, role: Role, items: Any
    ) -> None:
        _, headers = await create_logged_in_user(state, client, role=role)
        response = await client.get(
            path, params={**EXTRA.get(path, {}), "offset": -1}, headers=headers
        )
        assert problem_locs(response) == [["query", "offset"]]


class TestSchema:
    async def test_every_paged_parameter_carries_its_bounds(
        self, client: httpx.AsyncClient
    ) -> None:
        """Also catches a paged route added later without the shared types."""
        schema = (await client.get("/openapi.json")).json()
        found: dict[str, dict[str, Any]] = {}
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter["name"] in ("limit", "offset"):
                        found[f"{path} {parameter['name']}"] = parameter["schema"]
        assert sorted(found) == sorted(f"{p} {n}" for p in ROUTE_IDS for n in ("limit", "offset"))
        for name, bounds in found.items():
            low, high = (1, MAX_PAGE_SIZE) if name.endswith("limit") else (0, MAX_OFFSET)
            assert (bounds.get("minimum"), bounds.get("maximum")) == (low, high), name
