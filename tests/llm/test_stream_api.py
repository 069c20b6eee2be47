"""Streaming personalization over HTTP (Server-Sent Events), with the LLM adapter and without."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.app import create_app
from tailored.config import Settings
from tailored.content import service as content
from tailored.kit.cache import Cache
from tailored.llm.router import ProviderChain
from tailored.markdown import parse_document
from tailored.models import Role
from tailored.personalization.llm_adapter import LLMAdapter
from tailored.personalization.rules import RulesAdapter
from tailored.state import AppState
from tailored.testing import OpenAIServer, reply
from tests.fixtures.accounts import create_logged_in_user
from tests.llm.conftest import MakeProvider
from tests.llm.test_llm_adapter import CHAPTER, REWRITTEN_SECTIONS, simplify

COMPLETE = {"software_level": "beginner", "hardware_level": "none"}
URL = "/api/chapters/topics/personalize/stream"


def parse_sse(raw: str) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in raw.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


@pytest.fixture
async def docs(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "topics.md").write_text(CHAPTER)
    async with sessionmaker() as session:
        assert (await content.ingest(session, root)).ok
        await session.commit()


@pytest.fixture
async def llm_client(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    cache: Cache,
    openai_server: OpenAIServer,
    make_provider: MakeProvider,
) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    provider = make_provider(openai_server)
    adapter = LLMAdapter(RulesAdapter(), provider, provider_label="fake")
    state = AppState.build(
        settings,
        engine=engine,
        sessionmaker=sessionmaker,
        cache=cache,
        adapter=adapter,
        llm=ProviderChain([provider]),
    )
    transport = httpx.ASGITransport(app=create_app(settings, state=state))
    async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
        yield c, state


async def _headers(client: httpx.AsyncClient, state: AppState) -> dict[str, str]:
    _user, headers = await create_logged_in_user(state, client)
    response = await client.patch("/api/me/profile", headers=headers, json=COMPLETE)
    assert response.status_code == 200, response.text
    return headers


@pytest.mark.usefixtures("docs")
class TestStream:
    async def test_uncached_streams_each_section_then_done(
        self, llm_client: tuple[httpx.AsyncClient, AppState], openai_server: OpenAIServer
    ) -> None:
        client, state = llm_client
        openai_server.default = reply(simplify)
        headers = await _headers(client, state)
        response = await client.post(URL, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.text)
        names = [name for name, _ in events]
        sections = [data for name, data in events if name == "section"]
        assert names[-1] == "done"
        assert [s["index"] for s in sections] == list(range(len(sections)))
        assert [s["anchor"] for s in sections if s["anchor"]] == [
            "topics",
            "publishing",
            "subscribing",
        ]
        text = "".join(str(s["content"]) for s in sections)
        assert "a simple message whenever it likes" in text
        assert [c.content for c in parse_document(text).code] == [
            c.content for c in parse_document(CHAPTER).code
        ]
        done = events[-1][1]
        assert done["cached"] is False
        assert done["verification"] == {"ok": True, "issues": []}
        assert "content" not in done  # the sections sent are the result
        assert openai_server.count == REWRITTEN_SECTIONS

    async def test_cached_streams_the_same_text_without_calling_the_model(
        self, llm_client: tuple[httpx.AsyncClient, AppState], openai_server: OpenAIServer
    ) -> None:
        client, state = llm_client
        openai_server.default = reply(simplify)
        headers = await _headers(client, state)
        plain = await client.post("/api/chapters/topics/personalize", headers=headers)
        calls = openai_server.count
        events = parse_sse((await client.post(URL, headers=headers)).text)
        assert openai_server.count == calls
        assert events[-1][1]["cached"] is True
        text = "".join(str(d["content"]) for n, d in events if n == "section")
        assert text == plain.json()["content"]

    async def test_incomplete_profile_is_refused_before_streaming(
        self, llm_client: tuple[httpx.AsyncClient, AppState]
    ) -> None:
        client, state = llm_client
        _user, headers = await create_logged_in_user(state, client)
        response = await client.post(URL, headers=headers)
        assert response.status_code == 403
        assert response.json()["error"] == "ProfileIncomplete"
        assert (await client.post(URL)).status_code == 401


@pytest.mark.usefixtures("docs")
class TestStreamWithRules:
    async def test_rules_adapter_streams_whole_result(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await _headers(client, state)
        events = parse_sse((await client.post(URL, headers=headers)).text)
        plain = await client.post("/api/chapters/topics/personalize", headers=headers)
        text = "".join(str(d["content"]) for n, d in events if n == "section")
        assert text == plain.json()["content"]
        assert events[-1][0] == "done"


@pytest.mark.usefixtures("docs")
class TestUsage:
    async def test_admin_sees_token_usage_and_circuit_state(
        self, llm_client: tuple[httpx.AsyncClient, AppState], openai_server: OpenAIServer
    ) -> None:
        client, state = llm_client
        openai_server.default = reply(simplify)
        headers = await _headers(client, state)
        _admin, admin = await create_logged_in_user(state, client, role=Role.admin)
        assert (await client.get("/api/admin/stats/llm", headers=headers)).status_code == 403
        await client.post("/api/chapters/topics/personalize", headers=headers)
        [usage] = (await client.get("/api/admin/stats/llm", headers=admin)).json()
        # The fake server reports 11 input and 7 output tokens per call.
        assert usage["requests"] == REWRITTEN_SECTIONS
        assert usage["input_tokens"] == 11 * REWRITTEN_SECTIONS
        assert usage["output_tokens"] == 7 * REWRITTEN_SECTIONS
        assert usage["by_model"] == [
            {"model": "openai-test-model", "input_tokens": 33, "output_tokens": 21}
        ]
        assert usage["circuit"] == "closed"
        await state.recorder.flush()
        stats = (await client.get("/api/admin/stats/personalization", headers=admin)).json()
        assert (stats["input_tokens"], stats["output_tokens"]) == (33, 21)
