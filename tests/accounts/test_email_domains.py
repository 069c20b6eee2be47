"""Special-use email domains (RFC 6761): refused by default, allowed by a setting for intranets."""

from __future__ import annotations

import uuid

import httpx

from tests.accounts.conftest import ClientFactory
from tests.fixtures.accounts import DEFAULT_PASSWORD


def _address(domain: str) -> str:
    return f"teacher-{uuid.uuid4().hex[:8]}@{domain}"


async def _register(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(
        "/api/auth/register", json={"email": email, "password": DEFAULT_PASSWORD}
    )


class TestSpecialUseDomains:
    async def test_refused_by_default(self, client: httpx.AsyncClient) -> None:
        response = await _register(client, _address("school.local"))
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "UnprocessableInput"
        assert "school.local is a special-use domain" in body["detail"]
        assert "email_allowed_special_domains" in body["detail"]

    async def test_an_allowed_domain_registers_and_logs_in(
        self, client_with: ClientFactory
    ) -> None:
        email = _address("School.Local")
        async with client_with(email_allowed_special_domains=["school.local"]) as (client, _):
            registered = await _register(client, email)
            login = await client.post(
                "/api/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}
            )
            other = await _register(client, _address("other.local"))
        assert registered.status_code == 201, registered.text
        assert registered.json()["email"] == email.lower()
        assert login.status_code == 200
        # Only the listed domain (and its subdomains): other .local names stay refused.
        assert other.status_code == 422

    async def test_a_special_use_name_allows_all_its_domains(
        self, client_with: ClientFactory
    ) -> None:
        async with client_with(email_allowed_special_domains=["local"]) as (client, _):
            first = await _register(client, _address("school.local"))
            second = await _register(client, _address("staff.campus.local"))
            still_refused = await _register(client, _address("lab.test"))
        assert (first.status_code, second.status_code) == (201, 201)
        assert still_refused.status_code == 422

    async def test_malformed_addresses_stay_malformed(self, client_with: ClientFactory) -> None:
        async with client_with(email_allowed_special_domains=["local"]) as (client, _):
            responses = [
                await _register(client, email)
                for email in ("two@@school.local", "teacher@local", "no spaces@school.local")
            ]
        for response in responses:
            assert response.status_code == 422
            assert response.json()["error"] == "ValidationError"
