"""Every auth path over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from tailored.models import AuthToken, Role, User
from tailored.state import AppState
from tests.fixtures.accounts import (
    DEFAULT_PASSWORD,
    create_logged_in_user,
    create_user,
    login,
    unique_email,
)


class TestRegister:
    async def test_creates_learner_with_normalized_email(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        response = await client.post(
            "/api/auth/register",
            json={"email": f"  {email.upper()} ", "password": DEFAULT_PASSWORD},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["email"] == email
        assert body["role"] == "learner"
        assert "password" not in response.text
        assert "hash" not in response.text

    async def test_duplicate_email_is_409(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        payload = {"email": email, "password": DEFAULT_PASSWORD}
        assert (await client.post("/api/auth/register", json=payload)).status_code == 201
        response = await client.post("/api/auth/register", json=payload)
        assert response.status_code == 409
        assert response.json()["error"] == "EmailTaken"

    async def test_short_password_is_rejected(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register", json={"email": unique_email(), "password": "short"}
        )
        assert response.status_code == 422
        assert response.json()["error"] == "UnprocessableInput"
        assert "at least 10 characters" in response.json()["detail"]

    async def test_malformed_email_and_unknown_field_name_the_field(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            json={"email": "not-an-email", "password": DEFAULT_PASSWORD, "role": "admin"},
        )
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "ValidationError"
        locs = {tuple(p["loc"]) for p in body["detail"]}
        assert ("body", "email") in locs
        # Nobody makes themselves admin by sending a role.
        assert ("body", "role") in locs

    async def test_password_is_stored_as_argon2id(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user = await create_user(state)
        async with state.sessionmaker() as session:
            stored = await session.get(User, user.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert DEFAULT_PASSWORD not in stored.password_hash


class TestLogin:
    async def test_login_gives_a_working_expiring_token(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user = await create_user(state)
        response = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        expires = datetime.fromisoformat(body["expires_at"])
        expected = datetime.now(UTC) + timedelta(seconds=state.settings.token_ttl_seconds)
        assert abs((expires - expected).total_seconds()) < 60
        me = await client.get(
            "/api/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["id"] == str(user.id)

    async def test_unknown_email_and_wrong_password_look_the_same(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user = await create_user(state)
        wrong = await client.post(
            "/api/auth/login", json={"email": user.email, "password": "wrong password!"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"email": unique_email(), "password": "wrong password!"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert (
            wrong.json()
            == unknown.json()
            == {
                "error": "InvalidCredentials",
                "detail": "invalid email or password",
            }
        )

    async def test_expired_token_is_refused(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        async with state.sessionmaker() as session:
            await session.execute(
                update(AuthToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
        response = await client.get("/api/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "NotAuthenticated"
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_missing_and_garbage_tokens_are_401(self, client: httpx.AsyncClient) -> None:
        for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic x"}):
            response = await client.get("/api/me", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "NotAuthenticated"

    async def test_token_is_stored_only_as_a_digest(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        token = headers["Authorization"].removeprefix("Bearer ")
        async with state.sessionmaker() as session:
            hashes = (await session.execute(select(AuthToken.token_hash))).scalars().all()
        assert hashes
        assert token not in hashes


class TestLogout:
    async def test_logout_revokes_only_that_token(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user = await create_user(state)
        first = await login(client, user.email)
        second = await login(client, user.email)
        assert (await client.post("/api/auth/logout", headers=first)).status_code == 204
        assert (await client.get("/api/me", headers=first)).status_code == 401
        assert (await client.get("/api/me", headers=second)).status_code == 200

    async def test_logout_needs_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/auth/logout")
        assert response.status_code == 401
        assert response.json()["error"] == "NotAuthenticated"


class TestChangePassword:
    async def test_change_password_signs_out_other_sessions(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user = await create_user(state)
        current = await login(client, user.email)
        other = await login(client, user.email)
        # Used once, so the server has it cached: the change must still shut it out.
        assert (await client.get("/api/me", headers=other)).status_code == 200
        new_password = "a brand new passphrase"
        response = await client.post(
            "/api/me/password",
            headers=current,
            json={"current_password": DEFAULT_PASSWORD, "new_password": new_password},
        )
        assert response.status_code == 204
        assert (await client.get("/api/me", headers=current)).status_code == 200
        assert (await client.get("/api/me", headers=other)).status_code == 401
        old = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert old.status_code == 401
        await login(client, user.email, new_password)

    async def test_wrong_current_password_changes_nothing(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        response = await client.post(
            "/api/me/password",
            headers=headers,
            json={"current_password": "not my password", "new_password": "another passphrase"},
        )
        assert response.status_code == 401
        await login(client, user.email, DEFAULT_PASSWORD)

    async def test_weak_new_password_is_422(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        response = await client.post(
            "/api/me/password",
            headers=headers,
            json={"current_password": DEFAULT_PASSWORD, "new_password": "short"},
        )
        assert response.status_code == 422
        await login(client, user.email, DEFAULT_PASSWORD)


class TestDeleteAccount:
    async def test_delete_removes_the_user_and_cascades(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        response = await client.request(
            "DELETE", "/api/me", headers=headers, json={"password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 204
        assert (await client.get("/api/me", headers=headers)).status_code == 401
        async with state.sessionmaker() as session:
            assert await session.get(User, user.id) is None
            tokens = await session.scalar(
                select(func.count()).select_from(AuthToken).where(AuthToken.user_id == user.id)
            )
        assert tokens == 0
        relogin = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert relogin.status_code == 401

    async def test_delete_needs_the_password(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _user, headers = await create_logged_in_user(state, client)
        response = await client.request(
            "DELETE", "/api/me", headers=headers, json={"password": "not my password"}
        )
        assert response.status_code == 401
        assert (await client.get("/api/me", headers=headers)).status_code == 200


class TestExport:
    async def test_export_contains_my_account(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        response = await client.get("/api/me/export", headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["user"]["id"] == str(user.id)
        assert body["user"]["email"] == user.email
        assert "password_hash" not in response.text


class TestAdmin:
    async def test_learner_gets_403_admin_gets_the_list(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        learner, learner_headers = await create_logged_in_user(state, client)
        _admin, admin_headers = await create_logged_in_user(state, client, role=Role.admin)
        forbidden = await client.get("/api/admin/users", headers=learner_headers)
        assert forbidden.status_code == 403
        assert forbidden.json()["error"] == "AdminRequired"
        listed = await client.get("/api/admin/users", headers=admin_headers)
        assert listed.status_code == 200
        assert str(learner.id) in {u["id"] for u in listed.json()["items"]}
        one = await client.get(f"/api/admin/users/{learner.id}", headers=admin_headers)
        assert one.json()["email"] == learner.email

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient, state: AppState) -> None:
        _admin, headers = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.get(
            "/api/admin/users/00000000-0000-4000-8000-000000000000", headers=headers
        )
        assert response.status_code == 404
        assert response.json()["error"] == "UserNotFound"
