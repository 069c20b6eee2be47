"""One JSON error shape for everything a client can get wrong."""

from __future__ import annotations

import httpx


class TestErrorShape:
    async def test_unknown_route_is_json_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/nothing-here")
        assert response.status_code == 404
        assert response.json() == {"error": "NotFound", "detail": "Not Found"}

    async def test_wrong_method_is_json_405(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/api/chapters")
        assert response.status_code == 405
        assert response.json()["error"] == "MethodNotAllowed"

    async def test_malformed_json_is_422_not_500(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/login",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_openapi_lists_the_routes(self, client: httpx.AsyncClient) -> None:
        spec = (await client.get("/openapi.json")).json()
        for path in ("/api/auth/login", "/api/chapters", "/api/me/profile", "/api/me/export"):
            assert path in spec["paths"], path
        docs = await client.get("/docs")
        assert docs.status_code == 200
