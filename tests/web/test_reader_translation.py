"""The reader in another language: translated chapters as sanitized HTML, and the picker."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.config import Settings
from tailored.config.translation import TranslationConfig
from tailored.content import service as content
from tailored.markdown.render import render_html
from tailored.state import AppState
from tailored.translation import human
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_profile
from tests.fixtures.settings import make_settings
from tests.web.html_facts import assert_inert, read_html

STATIC = files("tailored.web").joinpath("static")
TRANSLATE = "/api/chapters/intro/translate"
URDU_INTRO = human.docs_path("ur", "intro.md")


@pytest.fixture
def docs(tmp_path: Path, textbook_dir: Path) -> Path:
    """The sample textbook's intro, what it refers to, and its Urdu translation."""
    root = tmp_path / "docs"
    root.mkdir()
    for name in ("img", "i18n"):
        shutil.copytree(textbook_dir / name, root / name)
    for name in ("intro.md", "glossary.yml"):
        shutil.copy2(textbook_dir / name, root / name)
    return root


@pytest.fixture
def settings(engine: AsyncEngine, docs: Path) -> Settings:
    # Human translations only: what these tests check does not depend on Apertium or a model.
    return make_settings(engine, content_dir=docs, translation=TranslationConfig(machine=[]))


@pytest.fixture
async def library(sessionmaker: async_sessionmaker[AsyncSession], docs: Path) -> None:
    async with sessionmaker() as session:
        report = await content.ingest(session, docs)
        assert report.ok, report.errors
        await session.commit()


@pytest.mark.usefixtures("library")
class TestTranslatedHtml:
    async def test_urdu_intro_as_sanitized_right_to_left_html(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        response = await client.post(TRANSLATE, params={"lang": "ur", "html": "true"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["source"] == "human"
        assert body["direction"] == "rtl"
        assert body["lang"] == "ur"
        assert body["content"] == (docs / URDU_INTRO).read_text(encoding="utf-8")
        assert body["html"] == render_html(body["content"])
        facts = assert_inert(body["html"])
        # The translator kept the English anchors, so links into the chapter still land.
        (h1,) = facts.all("h1")
        assert h1.attrs["id"] == "what-is-physical-ai"
        assert h1.text == "فزیکل اے آئی کیا ہے؟"
        assert "sidebar_position" not in facts.text

    async def test_html_only_when_asked_for(self, client: httpx.AsyncClient) -> None:
        plain = await client.post(TRANSLATE, params={"lang": "ur"})
        assert plain.status_code == 200, plain.text
        assert plain.json()["html"] is None
        off = await client.post(TRANSLATE, params={"lang": "ur", "html": "false"})
        assert off.json()["html"] is None
        assert off.json()["content"] == plain.json()["content"]

    async def test_personalized_translation_as_html(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id)
        response = await client.post(
            TRANSLATE,
            params={"lang": "ur", "html": "true", "personalized": "true"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["personalized"] is True
        assert body["path"] == "human+rules"
        assert body["direction"] == "rtl"
        assert body["html"] == render_html(body["content"])
        assert_inert(body["html"])

    async def test_original_language_is_left_to_right(self, client: httpx.AsyncClient) -> None:
        body = (await client.post(TRANSLATE, params={"lang": "en", "html": "true"})).json()
        assert body["source"] == "original"
        assert body["direction"] == "ltr"
        html = (await client.get("/api/chapters/intro/html")).json()["html"]
        assert body["html"] == html

    async def test_no_translation_is_404_with_a_message(self, client: httpx.AsyncClient) -> None:
        response = await client.post(TRANSLATE, params={"lang": "fr", "html": "true"})
        assert response.status_code == 404
        body = response.json()
        assert body["error"] == "NoTranslationAvailable"
        assert "French" in body["detail"]["message"]  # what the reader shows

    @pytest.mark.parametrize("code", ["xx", "urd", "UR", "../etc"])
    async def test_bad_code_is_422(self, client: httpx.AsyncClient, code: str) -> None:
        response = await client.post(TRANSLATE, params={"lang": code, "html": "true"})
        assert response.status_code == 422, response.text

    async def test_listing_offers_the_urdu_translation(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/api/chapters/intro/translations")).json()
        assert [(h["lang"], h["direction"], h["stale"]) for h in body["human"]] == [
            ("ur", "rtl", False)
        ]
        assert body["machine"] == {}


class TestPicker:
    async def test_page_has_the_language_picker(self, client: httpx.AsyncClient) -> None:
        page = read_html((await client.get("/reader")).text)
        (select,) = page.all("select")
        assert select.attrs["id"] == "lang"
        options = page.all("option")
        assert [(o.attrs["value"], o.text) for o in options] == [("", "English")]
        assert {e.attrs["id"] for e in page.all("input")} >= {"lang-code"}
        assert [b.attrs["id"] for b in page.all("button") if b.attrs.get("id") == "lang-go"]
        (note,) = [e for e in page.all("div") if e.attrs.get("id") == "translation-note"]
        assert note.attrs["role"] == "status"
        assert "hidden" in note.attrs

    def test_script_uses_the_translate_endpoint(self) -> None:
        modules = {f.name: f.read_text(encoding="utf-8") for f in STATIC.joinpath("js").iterdir()}
        script = "\n".join(modules.values())
        assert "translate?" in modules["lang.js"]
        assert 'html: "true"' in modules["lang.js"]
        assert '"personalized", "true"' in modules["lang.js"]
        assert '"translations"' in modules["reading.js"]  # the languages on offer, per chapter
        assert "localStorage" in modules["dom.js"]  # the choice outlives the page
        assert "ui.content.dir = language.dir" in modules["chapter.js"]
        assert "eval(" not in script
        # HTML is only ever parsed into an inert <template> (see chapter.js place()).
        assert script.count("innerHTML") == script.count("template.innerHTML") == 2
