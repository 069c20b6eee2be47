"""A real server on loopback for the OpenFeature OFREP provider (a blocking client, so tests
call it from a worker thread while the server runs on the test's event loop)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from tailored.app import create_app
from tailored.config import Settings
from tailored.models import Role
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user


@pytest.fixture
async def base_url(settings: Settings, state: AppState) -> AsyncIterator[str]:
    app = create_app(settings, state=state)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", ws="none", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


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
