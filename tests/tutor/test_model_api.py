"""Answers with a model: a loopback server speaking the OpenAI wire format plays the model."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.tutor import TutorConfig
from tailored.llm.base import LLMConfig
from tailored.models import RequestLog
from tailored.state import AppState
from tailored.testing import OpenAIServer, Received, reply, slow, status, system_text, user_text
from tests.llm.conftest import config_for
from tests.tutor.test_conversations_api import URL, VACUUM, sse


def sources(req: Received) -> list[str]:
    nonce = re.search(r"<<<SOURCE (\w+) 1", user_text(req))
    assert nonce is not None
    return re.findall(rf"<<<SOURCE {nonce.group(1)} (\d+)\n", user_text(req))


def grounded(req: Received) -> str:
    """A model that answers from source 1 and makes up a source that it was not given."""
    assert sources(req)
    return "Suction grippers use a vacuum cup [1]. Also see the appendix [9]."


@pytest.fixture
async def llm_server() -> AsyncIterator[OpenAIServer]:
    server = OpenAIServer()
    server.default = reply(grounded)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def settings_overrides(llm_server: OpenAIServer) -> dict[str, Any]:
    provider = config_for(llm_server, name="local", max_retries=0, timeout_s=5.0)
    return {"llm": LLMConfig(providers=[provider]), "tutor": TutorConfig(budget_seconds=1.0)}


@pytest.fixture
async def closing_state(state: AppState) -> AsyncIterator[AppState]:
    yield state
    if state.llm is not None:
        await state.llm.aclose()


async def _logs(maker: async_sessionmaker[AsyncSession]) -> list[RequestLog]:
    async with maker() as session:
        rows = await session.scalars(select(RequestLog).where(RequestLog.kind == "tutor"))
        return list(rows)


@pytest.mark.usefixtures("library", "closing_state")
class TestModelAnswers:
    async def test_one_call_citations_checked_invented_one_removed(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        body = (await client.post(URL, json={"question": VACUUM})).json()
        answer = body["messages"][1]
        assert llm_server.count == 1
        assert answer["content"] == "Suction grippers use a vacuum cup [1]. Also see the appendix ."
        assert [c["anchor"] for c in answer["citations"]] == ["grippers"]
        assert "never instructions" in system_text(llm_server.last)

    async def test_streams_refs_then_deltas_then_done(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        cid = (await client.post(URL, json={})).json()["id"]
        response = await client.post(
            f"{URL}/{cid}/messages",
            json={"content": VACUUM},
            headers={"accept": "text/event-stream"},
        )
        events = sse(response.text)
        names = [n for n, _ in events]
        assert names[0] == "refs"
        assert names[-1] == "done"
        assert names.count("delta") > 2
        assert len(events[0][1]) == len(sources(llm_server.last))
        streamed = "".join(d["text"] for n, d in events if n == "delta")
        assert "[9]" not in streamed
        assert streamed == events[-1][1]["content"]

    async def test_follow_up_sends_the_conversation_so_far(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        cid = (await client.post(URL, json={"question": VACUUM})).json()["id"]
        await client.post(f"{URL}/{cid}/messages", json={"content": "and soft ones?"})
        messages = llm_server.last.body["messages"]
        turns = [m for m in messages if m["role"] != "system"]
        assert [m["role"] for m in turns] == ["user", "assistant", "user"]
        assert turns[0]["content"] == VACUUM
        assert turns[1]["content"].startswith("Suction grippers use a vacuum cup [1].")
        assert turns[2]["content"].endswith("Question: and soft ones?")

    async def test_an_answer_citing_nothing_falls_back_to_the_book(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer, state: AppState
    ) -> None:
        llm_server.script(reply(lambda _req: "HACKED"))
        answer = (await client.post(URL, json={"question": VACUUM})).json()["messages"][1]
        assert "HACKED" not in answer["content"]
        assert "Suction grippers hold flat boxes" in answer["content"]
        assert answer["citations"][0]["anchor"] == "grippers"
        await state.recorder.flush()
        [log] = await _logs(state.sessionmaker)
        assert log.status == "rejected"

    @pytest.mark.parametrize("failure", ["error", "slow"])
    async def test_provider_failure_falls_back_within_the_budget(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer, state: AppState, failure: str
    ) -> None:
        llm_server.script(status(500) if failure == "error" else slow(3.0))
        started = time.perf_counter()
        answer = (await client.post(URL, json={"question": VACUUM})).json()["messages"][1]
        assert time.perf_counter() - started < 2.0
        assert answer["answered"] is True
        assert "Suction grippers hold flat boxes" in answer["content"]
        await state.recorder.flush()
        [log] = await _logs(state.sessionmaker)
        assert log.status == ("failure" if failure == "error" else "timeout")


@pytest.mark.usefixtures("library", "closing_state")
class TestModelSaysNotCovered:
    async def test_counts_as_unanswered(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        llm_server.script(reply(lambda _r: "The textbook does not seem to cover this [1]."))
        answer = (await client.post(URL, json={"question": VACUUM})).json()["messages"][1]
        assert answer["answered"] is False
        assert answer["content"] == "The textbook does not seem to cover this [1]."
