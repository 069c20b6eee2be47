"""An unexpected error on a real server (uvicorn on loopback): the client gets the house error
body, and its next request works although uvicorn drops the connection after a 500 (Starlette
re-raises once the response is sent): the 500 says `Connection: close`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tailored.app import create_app
from tailored.config import Environment, Settings
from tests.fixtures.loopback import serve_on_loopback
from tests.fixtures.settings import TEST_SECRET

BOOM = "/test-only/boom"


@pytest.fixture
async def server_port(tmp_path: Path) -> AsyncIterator[int]:
    settings = Settings(
        environment=Environment.test,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'server.db'}",
        secret_key=TEST_SECRET,
    )
    app = create_app(settings)

    @app.get(BOOM)
    async def boom() -> None:
        raise RuntimeError("a bug")

    async with serve_on_loopback(app) as port:
        yield port


class KeepAliveClient:
    """HTTP/1.1 as RFC 9112 allows: reuse the connection unless the response said close."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if self.conn is None:
            self.conn = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.conn
        writer.write(f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        status = int(head.split()[1])
        headers = {
            k.strip().lower(): v.strip()
            for k, v in (line.split(":", 1) for line in head.split("\r\n")[1:] if line)
        }
        body = await reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            writer.close()
            await writer.wait_closed()
            self.conn = None
        return status, headers, body

    async def close(self) -> None:
        if self.conn is not None:
            self.conn[1].close()
            await self.conn[1].wait_closed()


class TestUnexpectedError:
    async def test_500_in_house_shape_and_the_next_request_works(self, server_port: int) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server_port}") as client:
            assert (await client.get("/healthz")).status_code == 200  # a pooled connection
            failed = await client.get(BOOM)
            assert failed.status_code == 500
            assert failed.json() == {"error": "InternalError", "detail": "internal server error"}
            assert failed.headers["connection"] == "close"
            after = await client.get("/healthz")
            assert after.status_code == 200
            assert after.json()["status"] == "ok"

    async def test_a_client_reusing_its_connection_gets_its_next_answer(
        self, server_port: int
    ) -> None:
        client = KeepAliveClient(server_port)
        try:
            assert (await client.get("/healthz"))[0] == 200
            for _ in range(3):
                status, _, body = await client.get(BOOM)
                assert status == 500
                assert b'"InternalError"' in body
                # Without `Connection: close` this went out on the dropped connection.
                status, _, body = await asyncio.wait_for(client.get("/healthz"), timeout=10)
                assert status == 200
                assert body.startswith(b'{"status":"ok"')
        finally:
            await client.close()
