"""Personalization behind a flag: the `personalization-adapter` flag's variant picks each
learner's adapter (sticky), records the exposure, and falls back to the default adapter when
the flag is absent, killed, or names an adapter that is not configured."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.app import create_app
from tailored.config import Settings
from tailored.content import service as content
from tailored.flags.rules import evaluate
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.llm import build_provider
from tailored.llm.router import ProviderChain
from tailored.models import Role
from tailored.signals import service as signals
from tailored.state import AppState
from tailored.testing import OpenAIServer, reply
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_trait
from tests.flags.conftest import create_flag
from tests.llm.conftest import config_for
from tests.llm.test_llm_adapter import CHAPTER, simplify

FLAG = "personalization-adapter"
URL = "/api/chapters/topics/personalize"
COMPLETE = {"software_level": "beginner", "hardware_level": "none"}
ADAPTERS = {"rules": "rules", "llm": "llm"}


@pytest.fixture
async def docs(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "topics.md").write_text(CHAPTER)
    async with sessionmaker() as session:
        assert (await content.ingest(session, root)).ok
        await session.commit()


@pytest.fixture
async def model() -> AsyncIterator[OpenAIServer]:
    server = OpenAIServer()
    server.default = reply(simplify)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def llm_app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    cache: Cache,
    model: OpenAIServer,
) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    """The default adapter is rules (the setting); a provider is configured, so `llm` can be
    rolled out."""
    chain = ProviderChain([build_provider(config_for(model, max_tokens=2048))])
    state = AppState.build(
        settings, engine=engine, sessionmaker=sessionmaker, cache=cache, llm=chain
    )
    transport = httpx.ASGITransport(app=create_app(settings, state=state))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
            yield c, state
    finally:
        await chain.aclose()


async def _admin(client: httpx.AsyncClient, state: AppState) -> dict[str, str]:
    _user, headers = await create_logged_in_user(state, client, role=Role.admin)
    return headers


async def _learner(client: httpx.AsyncClient, state: AppState) -> tuple[str, dict[str, str]]:
    user, headers = await create_logged_in_user(state, client)
    response = await client.patch("/api/me/profile", headers=headers, json=COMPLETE)
    assert response.status_code == 200, response.text
    return str(user.id), headers


async def _adapter_flag(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    llm_percent: float | None = None,
    **body: Any,
) -> dict[str, Any]:
    """The adapter flag, rolled out to `llm_percent` % on the LLM (and whatever `body` adds)."""
    if llm_percent is not None:
        body["rollout"] = {"llm": llm_percent, "rules": 100 - llm_percent}
    return await create_flag(
        client, admin, key=FLAG, kind="variant", variants=ADAPTERS, default_variant="rules", **body
    )


async def _personalize(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(URL, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _name(body: dict[str, Any]) -> str:
    return str(body["adapter"]).split("@", 1)[0]


async def _exposures(state: AppState, learner: str) -> list[dict[str, Any]]:
    await state.exposures.flush()
    async with transaction(state.sessionmaker) as session:
        events = await signals.recent_events(session, learner)
    return [dict(e.meta) for e in events if e.type == "exposure"]


@pytest.mark.usefixtures("docs")
class TestRollout:
    async def test_without_the_flag_the_default_adapter_serves_and_nothing_is_exposed(
        self, llm_app: tuple[httpx.AsyncClient, AppState], model: OpenAIServer
    ) -> None:
        client, state = llm_app
        learner, headers = await _learner(client, state)
        assert _name(await _personalize(client, headers)) == "rules"
        assert model.count == 0
        assert await _exposures(state, learner) == []

    async def test_zero_percent_serves_rules_and_a_hundred_serves_the_llm(
        self, llm_app: tuple[httpx.AsyncClient, AppState], model: OpenAIServer
    ) -> None:
        client, state = llm_app
        admin = await _admin(client, state)
        await _adapter_flag(client, admin, 0)
        learners = [await _learner(client, state) for _ in range(3)]
        for learner, headers in learners:
            assert _name(await _personalize(client, headers)) == "rules"
            assert await _exposures(state, learner) == [
                {"flag": FLAG, "variant": "rules", "version": 1}
            ]
        assert model.count == 0

        response = await client.patch(
            f"/api/admin/flags/{FLAG}", headers=admin, json={"rollout": {"llm": 100, "rules": 0}}
        )
        assert response.status_code == 200, response.text
        for learner, headers in learners:
            body = await _personalize(client, headers)
            assert _name(body) == "llm"
            assert "a simple" in body["content"]  # the model's rewrite
            assert {"flag": FLAG, "variant": "llm", "version": 2} in await _exposures(
                state, learner
            )
        assert model.count > 0

    async def test_half_split_is_sticky_per_learner_and_agrees_with_ofrep(
        self, llm_app: tuple[httpx.AsyncClient, AppState]
    ) -> None:
        client, state = llm_app
        admin = await _admin(client, state)
        await _adapter_flag(client, admin, 50)
        served: dict[str, str] = {}
        keys: dict[str, set[str]] = {"rules": set(), "llm": set()}
        for _ in range(12):
            learner, headers = await _learner(client, state)
            first, second = await _personalize(client, headers), await _personalize(client, headers)
            assert _name(first) == _name(second)  # sticky
            assert second["cached"] is True  # the same adapter's stored result
            served[learner] = _name(first)
            keys[_name(first)].add(first["audience_key"])
            ofrep = await client.post(f"/ofrep/v1/evaluate/flags/{FLAG}", headers=headers)
            assert ofrep.json()["value"] == served[learner]
        assert set(served.values()) == {"rules", "llm"}, served
        # One audience, two adapters: two stored results that never mix.
        assert len(keys["rules"]) == len(keys["llm"]) == 1
        assert keys["rules"] != keys["llm"]
        # The experiment report counts the exposed learners per variant.
        await state.exposures.flush()
        report = await client.get(f"/api/admin/experiments/{FLAG}", headers=admin)
        assert report.status_code == 200, report.text
        counts = {v["variant"]: v["learners"] for v in report.json()["variants"]}
        wanted = {name: list(served.values()).count(name) for name in ("rules", "llm")}
        assert counts == wanted

    async def test_the_kill_switch_falls_back_to_the_default_adapter(
        self, llm_app: tuple[httpx.AsyncClient, AppState], model: OpenAIServer
    ) -> None:
        client, state = llm_app
        admin = await _admin(client, state)
        await _adapter_flag(client, admin, 100)
        learner, headers = await _learner(client, state)
        assert _name(await _personalize(client, headers)) == "llm"
        calls = model.count
        response = await client.patch(
            f"/api/admin/flags/{FLAG}", headers=admin, json={"enabled": False}
        )
        assert response.status_code == 200, response.text
        assert _name(await _personalize(client, headers)) == "rules"
        assert model.count == calls
        # Only the exposure to the LLM while the flag was on.
        assert await _exposures(state, learner) == [{"flag": FLAG, "variant": "llm", "version": 1}]

    async def test_stream_and_admin_personalize_follow_the_flag(
        self, llm_app: tuple[httpx.AsyncClient, AppState]
    ) -> None:
        client, state = llm_app
        admin = await _admin(client, state)
        await _adapter_flag(client, admin, 100)
        learner, headers = await _learner(client, state)
        response = await client.post(f"{URL}/stream", headers=headers)
        assert response.status_code == 200
        done = json.loads(response.text.strip().split("\n\n")[-1].split("data: ", 1)[1])
        assert str(done["adapter"]).startswith("llm@")
        admin_url = "/api/admin/chapters/topics/personalize"
        named = await client.post(
            admin_url, headers=admin, json={"profile": COMPLETE, "learner": "s:site1:u-7"}
        )
        assert named.status_code == 200, named.text
        assert _name(named.json()) == "llm"
        assert await _exposures(state, "s:site1:u-7") == [
            {"flag": FLAG, "variant": "llm", "version": 1}
        ]
        # No learner named: nothing to split on, the default adapter.
        anonymous = await client.post(admin_url, headers=admin, json={"profile": COMPLETE})
        assert _name(anonymous.json()) == "rules"
        assert await _exposures(state, learner) == [{"flag": FLAG, "variant": "llm", "version": 1}]

    async def test_a_rule_on_a_trait_targets_the_learners_who_have_it(
        self, llm_app: tuple[httpx.AsyncClient, AppState]
    ) -> None:
        client, state = llm_app
        admin = await _admin(client, state)
        await _adapter_flag(
            client,
            admin,
            rules=[
                {
                    "when": [{"attribute": "traits.pace", "op": "in", "values": ["fast"]}],
                    "variant": "llm",
                }
            ],
        )
        fast, fast_headers = await _learner(client, state)
        await create_trait(state, user_id=uuid.UUID(fast), key="pace", value="fast")
        steady, steady_headers = await _learner(client, state)
        await create_trait(state, user_id=uuid.UUID(steady), key="pace", value="steady")
        assert _name(await _personalize(client, fast_headers)) == "llm"
        assert _name(await _personalize(client, steady_headers)) == "rules"
        # The same answer OFREP gives for the same learner.
        ofrep = await client.post(f"/ofrep/v1/evaluate/flags/{FLAG}", headers=fast_headers)
        assert ofrep.json()["value"] == "llm"


@pytest.mark.usefixtures("docs")
class TestWithoutAModel:
    async def test_llm_variant_without_a_provider_falls_back_and_is_not_exposed(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        assert state.llm is None
        assert set(state.personalizers) == {"rules"}
        admin = await _admin(client, state)
        await _adapter_flag(client, admin, 100)
        learner, headers = await _learner(client, state)
        assert _name(await _personalize(client, headers)) == "rules"
        assert await _exposures(state, learner) == []


@pytest.mark.usefixtures("docs")
class TestSiteUsers:
    async def test_a_site_user_is_split_on_their_own_id_as_ofrep_splits_them(
        self, llm_app: tuple[httpx.AsyncClient, AppState]
    ) -> None:
        client, state = llm_app
        admin = await _admin(client, state)
        await _adapter_flag(client, admin, 50)
        flag = (await state.flags.current())[FLAG]
        served = set()
        for n in range(10):
            body = {"profile": COMPLETE, "learner": f"s:site1:u-{n}"}
            response = await client.post(
                "/api/admin/chapters/topics/personalize", headers=admin, json=body
            )
            assert response.status_code == 200, response.text
            assert _name(response.json()) == evaluate(flag, {}, f"u-{n}").value
            served.add(_name(response.json()))
        assert served == {"rules", "llm"}
        # A malformed site key is still a learner key: split on it whole, never an error.
        odd = await client.post(
            "/api/admin/chapters/topics/personalize",
            headers=admin,
            json={"profile": COMPLETE, "learner": "s:"},
        )
        assert odd.status_code == 200, odd.text
