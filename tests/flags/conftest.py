"""A real server on loopback for the OpenFeature OFREP provider (a blocking client, so tests
call it from a worker thread while the server runs on the test's event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tailored.app import create_app
from tailored.config import Settings
from tailored.models import Role
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.loopback import serve_on_loopback


@pytest.fixture
async def base_url(settings: Settings, state: AppState) -> AsyncIterator[str]:
    app = create_app(settings, state=state)
    async with serve_on_loopback(app, lifespan="off") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def admin(state: AppState, client: httpx.AsyncClient) -> dict[str, str]:
    _user, headers = await create_logged_in_user(state, client, role=Role.admin)
    return headers


async def create_flag(
    client: httpx.AsyncClient, admin: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post("/api/admin/flags", json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
