"""The OpenAPI document says what the server does.

First the findings, each pinned by a test: malformed bodies, constraints that were enforced
but not published, the raw chapter's media types, and 405's Allow header. Then schemathesis
generates requests from the document (anonymous, learner, admin) and checks every answer
against it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.accounts.schemas import NEW_PASSWORD_MARK
from tailored.app import create_app
from tailored.config import Settings
from tailored.config.translation import TranslationConfig
from tailored.content import service as content
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.kit.languages import is_language
from tailored.models import Role
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_profile
from tests.fixtures.settings import make_settings

JSON = {"Content-Type": "application/json"}


async def _spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def _concrete(path: str) -> str:
    """A request path for a templated one: a valid chapter id, a uuid, a trait key."""
    return (
        path.replace("{chapter_id}", "intro")
        .replace("{user_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{key}", "pace")
    )


class TestMalformedBodies:
    """Finding: a body that is not JSON text (bad UTF-8) was FastAPI's undocumented 400."""

    @pytest.mark.parametrize(
        "raw", [b"{not json", b'{"email": "\xff"}', b"[" * 100_000], ids=["syntax", "utf8", "deep"]
    )
    async def test_every_body_route_answers_the_documented_422(
        self, client: httpx.AsyncClient, raw: bytes
    ) -> None:
        spec = await _spec(client)
        routes = [(m, p, op) for m, p, op in _operations(spec) if "requestBody" in op]
        assert len(routes) >= 8
        for method, path, op in routes:
            response = await client.request(method, _concrete(path), content=raw, headers=JSON)
            if path.startswith("/ofrep/"):
                # OpenFeature's protocol has its own error contract: 400 with an errorCode.
                assert response.status_code == 400, (method, path, response.text)
                assert response.json()["errorCode"] == "PARSE_ERROR", (method, path)
                continue
            # The body is read before auth and path lookups, so every route refuses it alike.
            assert response.status_code == 422, (method, path, response.text)
            body = response.json()
            assert body["error"] == "ValidationError", (method, path, body)
            assert body["detail"][0]["loc"][0] == "body"
            assert body["detail"][0]["type"] == "json_invalid"
            documented = op["responses"]["422"]
            assert "ValidationError" in documented["description"], (method, path)
            schema = _resolve(spec, documented["content"]["application/json"]["schema"])
            assert set(schema["required"]) == {"error", "detail"}


class TestValidationErrorsAreDocumentedInTheHouseShape:
    async def test_no_operation_documents_fastapis_own_422_body(
        self, client: httpx.AsyncClient
    ) -> None:
        spec = await _spec(client)
        assert "HTTPValidationError" not in spec["components"]["schemas"]
        for method, path, op in _operations(spec):
            # FastAPI validates where there is input; a route without any (admin ingest)
            # may still answer its own 422.
            takes_input = "parameters" in op or "requestBody" in op
            assert ("422" in op["responses"]) >= takes_input, (method, path)
            if takes_input:
                entry = op["responses"]["422"]
                assert "ValidationError" in entry["description"], (method, path)
                ref = entry["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith(("/ErrorBody", "/ValidationErrorBody")), (method, path)

    async def test_a_validation_error_matches_its_documented_shape(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/auth/login", json={"email": "x"})
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "ValidationError"
        assert {"loc", "msg", "type"} <= set(body["detail"][0])


def _param(op: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in op["parameters"] if p["name"] == name)
    return found


class TestConstraintsArePublished:
    """Finding: chapter id, password length and language code were checked, not published."""

    async def test_every_chapter_route_publishes_the_id_pattern(
        self, client: httpx.AsyncClient
    ) -> None:
        spec = await _spec(client)
        routes = [(m, p, op) for m, p, op in _operations(spec) if "{chapter_id}" in p]
        assert len(routes) >= 10
        for method, path, op in routes:
            schema = _param(op, "chapter_id")["schema"]
            assert schema.get("pattern"), (method, path)
            assert schema.get("maxLength") == 200, (method, path)

    @pytest.mark.parametrize(
        ("raw", "valid"),
        [
            ("intro", True),
            ("ros2/nodes-and-topics", True),
            ("a.b_c-d/E9", True),
            ("x" * 200, True),
            ("x" * 201, False),
            ("", False),
            ("/etc/passwd", False),
            ("../etc", False),
            ("a/../b", False),
            ("a//b", False),
            ("a/", False),
            (".hidden", False),
            ("-dash", False),
            ("a%2e", False),
            ("a\\b", False),
            ("a\nb", False),
            ("intro\n", False),
            ("a b", False),
            ("café", False),
        ],
    )
    async def test_the_pattern_accepts_exactly_what_the_server_accepts(
        self, client: httpx.AsyncClient, raw: str, valid: bool
    ) -> None:
        spec = await _spec(client)
        schema = _param(spec["paths"]["/api/chapters/{chapter_id}"]["get"], "chapter_id")["schema"]
        try:
            validate_chapter_id(raw)
            accepted = True
        except InvalidChapterId:
            accepted = False
        # JSON Schema patterns are ECMA-262: `$` is the end of input (Python's `\Z`).
        published = re.fullmatch(schema["pattern"].removesuffix("$"), raw) is not None
        published = published and len(raw) <= schema["maxLength"]
        assert accepted is valid
        assert published is valid

    async def test_password_minimum_is_the_configured_one(self, client: httpx.AsyncClient) -> None:
        spec = await _spec(client)
        schemas = spec["components"]["schemas"]
        # tests' settings keep the default, 10
        assert schemas["RegisterIn"]["properties"]["password"]["minLength"] == 10
        assert schemas["ChangePasswordIn"]["properties"]["new_password"]["minLength"] == 10
        # An existing password is checked, not held to today's policy.
        assert schemas["LoginIn"]["properties"]["password"]["minLength"] == 1
        assert schemas["ChangePasswordIn"]["properties"]["current_password"]["minLength"] == 1
        assert NEW_PASSWORD_MARK not in json.dumps(spec)
        response = await client.post(
            "/api/auth/register", json={"email": "short@example.org", "password": "x" * 9}
        )
        assert response.status_code == 422

    def test_password_minimum_follows_the_setting(self, settings: Settings) -> None:
        app = create_app(settings.model_copy(update={"password_min_length": 12}))
        schemas = app.openapi()["components"]["schemas"]
        assert schemas["RegisterIn"]["properties"]["password"]["minLength"] == 12
        assert schemas["ChangePasswordIn"]["properties"]["new_password"]["minLength"] == 12

    async def test_language_code_format_is_published(self, client: httpx.AsyncClient) -> None:
        spec = await _spec(client)
        op = spec["paths"]["/api/chapters/{chapter_id}/translate"]["post"]
        pattern = _param(op, "lang")["schema"]["pattern"]
        assert re.fullmatch(pattern.removesuffix("$"), "ur")
        for wrong in ("UR", "urd", "u", "u1", "ur\n"):
            assert not re.fullmatch(pattern.removesuffix("$"), wrong)
            assert not is_language(wrong)
        profile = spec["components"]["schemas"]["ProfilePatch"]["properties"]
        branches = profile["preferred_language"]["anyOf"]
        assert any("pattern" in b for b in branches)


class TestRawChapterMediaTypes:
    """Finding: GET /raw documented its JSON errors as text/plain, and 200 as text/plain
    while it answers text/markdown."""

    async def test_documented_media_types_are_the_ones_sent(
        self, client: httpx.AsyncClient
    ) -> None:
        spec = await _spec(client)
        responses = spec["paths"]["/api/chapters/{chapter_id}/raw"]["get"]["responses"]
        assert list(responses["200"]["content"]) == ["text/markdown"]
        assert "ETag" in responses["200"]["headers"]
        assert list(responses["404"]["content"]) == ["application/json"]
        assert list(responses["422"]["content"]) == ["application/json"]
        response = await client.get("/api/chapters/no-such-chapter/raw")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "ChapterNotFound"


class TestMethodNotAllowed:
    """Finding: 405 listed only the first route's method in Allow."""

    async def test_allow_lists_every_method_of_the_path(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/api/chapters/intro/session")
        assert response.status_code == 405
        assert response.json()["error"] == "MethodNotAllowed"
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert {"GET", "PUT"} <= allowed

    async def test_allow_for_a_single_route_path(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/api/auth/login")
        assert response.status_code == 405
        assert {m.strip() for m in response.headers["allow"].split(",")} == {"POST"}


# ---------------------------------------------------------------------------------------------
# Schemathesis: requests generated from the served document, answers checked against it.

AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]
Strategy = st.SearchStrategy[AnyCase]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# At most this many requests per operation, per kind of input, per caller.
EXAMPLES = 10
BASE_URL = "http://tailored.test"
# Run after every other operation: each may end the session or empty the profile under test.
LAST = {
    ("PATCH", "/api/me/profile"),
    ("POST", "/api/auth/logout"),
    ("DELETE", "/api/me"),
    ("POST", "/api/me/password"),
}
# Answers each caller must have got at least once: proof that its credentials worked and the
# success paths were checked, not only the refusals.
MUST_SEE = {
    "anonymous": ["GET /api/chapters/{chapter_id} [real ids] 200"],
    "learner": [
        "GET /api/me/profile [positive] 200",
        "POST /api/chapters/{chapter_id}/personalize [real ids] 200",
        "POST /api/chapters/{chapter_id}/translate [real ids] 200",
    ],
    "admin": [
        "GET /api/admin/users/{user_id} [real ids] 200",
        "POST /api/admin/ingest [positive] 200",
        "POST /api/admin/chapters/{chapter_id}/personalize [real ids] 200",
    ],
}


@dataclass(frozen=True)
class Caller:
    headers: dict[str, str]
    user_id: str | None


@pytest.fixture
def settings(engine: AsyncEngine, textbook_dir: Path) -> Settings:
    # The sample textbook for ingest and human translations; no machine translators, so no
    # generated request waits on Apertium.
    return make_settings(
        engine, content_dir=textbook_dir, translation=TranslationConfig(machine=[])
    )


@pytest.fixture
async def library(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    async with sessionmaker() as session:
        report = await content.ingest(session, textbook_dir)
        assert report.ok
        await session.commit()


async def _caller(who: str, state: AppState, client: httpx.AsyncClient) -> Caller:
    if who == "anonymous":
        return Caller(headers={}, user_id=None)
    role = Role.admin if who == "admin" else Role.learner
    user, headers = await create_logged_in_user(state, client, role=role)
    if role is Role.learner:
        await create_profile(state, user_id=user.id)  # completed: personalization answers 200
    return Caller(headers=headers, user_id=str(user.id))


def _strategies(operation: Operation, caller: Caller) -> list[tuple[str, Strategy]]:
    """Generated input, valid and invalid; for routes naming a chapter or a user, also that
    input with a real chapter (and a language with a human translation) and the caller's own
    id, so the success paths are checked too, not only the 404s."""
    names = {p.name for p in operation.path_parameters}
    takes_input = names or len(operation.query) or len(operation.body)
    # Without parameters or a body there is no invalid input to make.
    modes = list(GenerationMode) if takes_input else [GenerationMode.POSITIVE]
    out = [(mode.value, operation.as_strategy(mode)) for mode in modes]
    real = {"chapter_id": "intro", "user_id": caller.user_id}
    fixed = {name: real[name] for name in names if real.get(name) is not None}
    if fixed:
        query = {"lang": "ur"} if operation.query.get("lang") is not None else None
        out.append(("real ids", operation.as_strategy(path_parameters=fixed, query=query)))
    return out


def _explore(
    name: str,
    strategy: Strategy,
    send: Callable[[AnyCase], httpx.Response],
    headers: dict[str, str],
    seen: set[str],
) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: no flaky CI
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def check(case: AnyCase) -> None:
        response = send(case)
        seen.add(f"{name} {response.status_code}")
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()


class TestSchemathesis:
    @pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
    @pytest.mark.parametrize("who", ["anonymous", "learner", "admin"])
    @pytest.mark.usefixtures("library")
    async def test_every_answer_matches_the_document(
        self, client: httpx.AsyncClient, state: AppState, who: str
    ) -> None:
        caller = await _caller(who, state, client)
        schema = schemathesis.openapi.from_dict(await _spec(client))
        schema.validate()  # a valid OpenAPI document, first of all
        operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
        operations.sort(key=lambda op: (op.method.upper(), op.path) in LAST)
        loop = asyncio.get_running_loop()

        def send(case: AnyCase) -> httpx.Response:
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=caller.headers)
            data = kwargs.get("data")
            request = client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=kwargs.get("headers"),
                cookies=kwargs.get("cookies") or None,
                json=kwargs.get("json"),
                content=data if isinstance(data, bytes | str) else None,
            )
            # The app runs on the test's loop (its database connection lives there).
            return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)

        failures: list[str] = []
        seen: set[str] = set()
        for operation in operations:
            for label, strategy in _strategies(operation, caller):
                name = f"{operation.label} [{label}]"
                try:
                    # Hypothesis is synchronous: it drives from a worker thread.
                    await asyncio.to_thread(_explore, name, strategy, send, caller.headers, seen)
                # Collected, so one run reports every operation that fails (schemathesis'
                # FailureGroup is a BaseExceptionGroup).
                except (Exception, BaseExceptionGroup) as exc:
                    failures.append(f"{name}: {exc}")
        assert not failures, "\n\n".join(failures)
        assert len(operations) >= 30
        assert {name.split(" [")[0] for name in seen} == {op.label for op in operations}
        assert set(MUST_SEE[who]) <= seen, sorted(seen)
