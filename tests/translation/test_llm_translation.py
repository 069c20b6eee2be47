"""The translator chain with a language model: a loopback server speaking the OpenAI wire format
plays a translator into Urdu."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.translation import TranslationConfig
from tailored.llm.base import LLMConfig
from tailored.state import AppState
from tailored.testing import OpenAIServer, Received, reply, section_of, system_text
from tests.llm.conftest import config_for
from tests.translation.conftest import SAMPLE, translate_logs

URL = "/api/chapters/sample/translate"
_PLACEHOLDER = re.compile(r"(⟦P\d+⟧)")


def to_urdu(req: Received) -> str:
    """A 'model' that swaps every English word for an Urdu one and keeps placeholders."""
    pieces = _PLACEHOLDER.split(section_of(req))
    return "".join(
        p if _PLACEHOLDER.fullmatch(p) else re.sub(r"[A-Za-z]+", "اردو", p) for p in pieces
    )


def drop_placeholders(req: Received) -> str:
    """A model that 'helpfully' removes the tokens it was told to keep."""
    return _PLACEHOLDER.sub("", section_of(req))


@pytest.fixture
async def llm_server() -> AsyncIterator[OpenAIServer]:
    server = OpenAIServer()
    server.default = reply(to_urdu)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def translation_config() -> TranslationConfig:
    return TranslationConfig(machine=["llm", "apertium"])


@pytest.fixture
def settings_overrides(llm_server: OpenAIServer) -> dict[str, Any]:
    provider = config_for(llm_server, name="local", max_tokens=4096)
    return {"llm": LLMConfig(providers=[provider])}


@pytest.fixture
async def closing_state(state: AppState) -> AsyncIterator[AppState]:
    yield state
    if state.llm is not None:
        await state.llm.aclose()


@pytest.mark.usefixtures("library", "closing_state")
class TestLLMTranslator:
    async def test_translates_into_urdu_with_structure_kept(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        response = await client.post(URL, params={"lang": "ur"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["source"] == "machine"
        assert body["translator"].startswith("llm:local=")
        assert body["direction"] == "rtl"
        assert body["status"] == "success"
        assert body["verification"]["ok"] is True
        content = body["content"]
        assert "اردو" in content
        assert "The robot walks" not in content
        kept = ("`rclpy.spin(node)`", "https://example.org/robots", '<Tabs groupId="language">')
        for region in kept:
            assert region in content
        assert 'node = rclpy.create_node("talker")  # the node has a name' in content
        assert "ROS 2" in content
        assert "Urdu" in system_text(llm_server.last)

    async def test_tokens_are_logged_once(
        self,
        client: httpx.AsyncClient,
        llm_server: OpenAIServer,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        await client.post(URL, params={"lang": "ur"})
        await client.post(URL, params={"lang": "ur"})  # cached: no tokens
        await state.recorder.flush()
        made, served = await translate_logs(sessionmaker)
        # The fake server reports 11 input and 7 output tokens a call.
        assert (made.input_tokens, made.output_tokens) == (
            11 * llm_server.count,
            7 * llm_server.count,
        )
        assert (served.cached, served.input_tokens) == (True, None)

    async def test_llm_comes_before_apertium(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        body = (await client.post(URL, params={"lang": "es"})).json()
        assert body["translator"].startswith("llm:")
        assert llm_server.count > 0

    async def test_human_translation_comes_before_the_llm(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        body = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert body["source"] == "human"
        assert llm_server.count == 0

    async def test_broken_answers_leave_sections_untranslated(
        self, client: httpx.AsyncClient, llm_server: OpenAIServer
    ) -> None:
        llm_server.default = reply(drop_placeholders)
        body = (await client.post(URL, params={"lang": "ur"})).json()
        assert body["status"] == "rejected"
        assert body["content"] == SAMPLE
        assert body["untranslated_sections"] == ["talking-to-a-node", "the-second-section"]
        assert body["verification"]["ok"] is True
        assert "could not be translated safely" in body["warning"]
