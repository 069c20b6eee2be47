"""Machine translation over HTTP with Apertium (English → Spanish): protected regions, kept
terms, the shared cache, single flight, logs, the time budget."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.config import Settings
from tailored.config.translation import TranslationConfig
from tailored.content import service as content
from tailored.derived.recorder import Recorder
from tailored.derived.repository import DerivedRepository
from tailored.kit.cache import Cache
from tailored.kit.db import create_sessionmaker
from tailored.models import MachineTranslation
from tailored.state import AppState
from tailored.translation.engine import Translator
from tests.fixtures.content import committed_chapter as committed
from tests.translation.conftest import SAMPLE, translate_logs

URL = "/api/chapters/sample/translate"
# What must come back byte-identical: code, inline code, link target, bare URL, JSX lines,
# the admonition fence, the front matter.
PROTECTED = [
    '```python title="talker.py"\nnode = rclpy.create_node("talker")  # the node has a name\n```',
    "`rclpy.spin(node)`",
    "(https://docs.ros.org/en/jazzy/index.html)",
    "https://example.org/robots",
    '<Tabs groupId="language">',
    '<TabItem value="python" label="Python">',
    "</TabItem>",
    "</Tabs>",
    ":::tip[",
    "\n:::\n",
    "---\ntitle: Talking to a Node\nsidebar_position: 9\n---\n",
]


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await DerivedRepository(session, MachineTranslation).count("sample")


@pytest.mark.usefixtures("apertium", "library")
class TestApertiumTranslation:
    async def test_prose_translated_everything_protected_kept(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(URL, params={"lang": "es"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["source"] == "machine"
        assert body["translator"].startswith("apertium:eng-spa@")
        assert body["direction"] == "ltr"
        assert body["status"] == "success"
        assert body["untranslated_sections"] == []
        assert body["verification"] == {"ok": True, "issues": []}
        assert body["stale"] is False
        assert body["made_from"] == body["source_hash"]
        content = body["content"]
        for region in PROTECTED:
            assert region in content, region
        # Prose is Spanish; headings keep their anchors through explicit ids.
        assert "El robot lee el sensor y el nodo envía el dato." in content
        assert "The robot walks" not in content
        assert "{#the-second-section}" in content
        assert "{#talking-to-a-node}" in content
        # Kept terms: the first use in a section carries the transliteration, later ones not.
        prose = content.split("```")[0]
        assert prose.count("ROS 2 (Ros Dos)") == 1
        assert re.search(r"ROS 2(?! \(Ros Dos\))", prose)
        assert "<Tabs" in content

    async def test_cached_shared_and_logged(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        first = (await client.post(URL, params={"lang": "es"})).json()
        assert first["cached"] is False
        assert state.translator.generations == 1
        assert await _rows(sessionmaker) == 1
        # Any later reader gets the stored translation (learners: see test_personalized_api).
        second = (await client.post(URL, params={"lang": "es"})).json()
        assert second["cached"] is True
        assert second["content"] == first["content"]
        # The database row is the source of truth: without the hot copy it is still found.
        await state.translator.forget_all()
        third = (await client.post(URL, params={"lang": "es"})).json()
        assert third["cached"] is True
        assert third["content"] == first["content"]
        assert state.translator.generations == 1
        # Every request is logged, the first as generated, the others as cache hits.
        await state.recorder.flush()
        rows = await translate_logs(sessionmaker)
        assert [(r.status, r.cached, r.chapter_id) for r in rows] == [
            ("success", False, "sample"),
            ("success", True, "sample"),
            ("success", True, "sample"),
        ]
        assert all(r.adapter.startswith("es:apertium:eng-spa@") for r in rows)
        assert len({r.audience_key for r in rows}) == 1
        assert rows[0].latency_ms > rows[1].latency_ms


class TestTimeBudget:
    @pytest.fixture
    def translation_config(self) -> TranslationConfig:
        return TranslationConfig(machine=["apertium"], budget_seconds=0.001)

    @pytest.mark.usefixtures("apertium", "library")
    async def test_out_of_time_serves_the_source_and_stores_nothing(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        body = (await client.post(URL, params={"lang": "es"})).json()
        assert body["status"] == "timeout"
        assert body["content"] == SAMPLE
        assert body["untranslated_sections"] == ["talking-to-a-node", "the-second-section"]
        assert "time budget" in body["warning"]
        assert await _rows(sessionmaker) == 0
        again = (await client.post(URL, params={"lang": "es"})).json()
        assert again["cached"] is False
        await state.recorder.flush()
        assert [r.status for r in await translate_logs(sessionmaker)] == ["timeout", "timeout"]


class TestBrokenKeepList:
    @pytest.mark.usefixtures("apertium", "library")
    async def test_500_names_the_file_instead_of_translating_kept_terms(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        (docs / "i18n" / "glossary-keep.yml").write_text("keep: [ROS 2, {a: 1, b: 2}]\n")
        response = await client.post(URL, params={"lang": "es"})
        assert response.status_code == 500
        body = response.json()
        assert body["error"] == "TranslationSetupError"
        assert "i18n/glossary-keep.yml: entry 2" in body["detail"]


@pytest.fixture
async def committed_chapter(engine: AsyncEngine) -> AsyncIterator[str]:
    async with committed(engine, SAMPLE, title="Talking to a Node") as chapter:
        yield chapter.id


class TestSingleFlight:
    @pytest.mark.usefixtures("apertium")
    async def test_concurrent_identical_requests_translate_once(
        self, engine: AsyncEngine, committed_chapter: str, settings: Settings, cache: Cache
    ) -> None:
        maker = create_sessionmaker(engine)
        translator = Translator.build(
            settings, cache=cache, recorder=Recorder(maker), llm=None, sessionmaker=maker
        )
        async with maker() as session:
            chapter = await content.get_chapter(session, committed_chapter)

        async def one() -> tuple[bool, str]:
            result = await translator.translate(chapter, "es")
            return result.cached, result.content

        results = await asyncio.gather(*(one() for _ in range(8)))
        await translator.recorder.flush()
        assert translator.generations == 1
        assert sum(not cached for cached, _ in results) == 1
        assert len({text for _, text in results}) == 1
