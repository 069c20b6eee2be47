"""Human translations over HTTP: served with RTL metadata, dated by the manifest, verified."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.translation import TranslationConfig
from tailored.state import AppState
from tailored.translation import human
from tests.translation.conftest import URDU_INTRO, Reingest, mark_translated, translate_logs


@pytest.mark.usefixtures("library")
class TestHumanTranslation:
    async def test_served_right_to_left_and_current(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        response = await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["content"] == (docs / URDU_INTRO).read_text(encoding="utf-8")
        assert body["source"] == "human"
        assert body["translator"] == "human"
        assert body["direction"] == "rtl"
        assert body["stale"] is False
        assert body["changed_sections"] == []
        assert body["made_from"] == body["source_hash"]
        assert body["verification"] == {"ok": True, "issues": []}
        assert body["personalized"] is False

    async def test_second_request_reuses_the_analysis(self, client: httpx.AsyncClient) -> None:
        first = await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        second = await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        assert first.json()["cached"] is False
        assert second.json()["cached"] is True
        assert second.json()["content"] == first.json()["content"]

    async def test_editing_the_translation_shows_at_once(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        path = docs / URDU_INTRO
        path.write_text(path.read_text(encoding="utf-8") + "\nنیا پیراگراف۔\n", encoding="utf-8")
        body = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert body["content"].endswith("نیا پیراگراف۔\n")
        assert body["cached"] is False

    async def test_english_edit_marks_it_stale_with_the_changed_sections(
        self, client: httpx.AsyncClient, docs: Path, reingest: Reingest
    ) -> None:
        before = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        english = docs / "intro.md"
        text = english.read_text(encoding="utf-8")
        edited = text.replace(
            "That argument is decades old.", "That argument is older than robotics itself."
        )
        assert edited != text
        english.write_text(edited, encoding="utf-8")
        await reingest()
        body = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert body["source"] == "human"
        assert body["stale"] is True
        assert body["changed_sections"] == ["why-humanoids-and-why-now"]
        assert body["made_from"] == before["source_hash"]
        assert body["source_hash"] != before["source_hash"]
        assert "changed" in body["warning"]

    async def test_marking_it_again_makes_it_current(
        self, client: httpx.AsyncClient, docs: Path, reingest: Reingest
    ) -> None:
        english = docs / "intro.md"
        english.write_text(english.read_text(encoding="utf-8") + "\nOne more line.\n")
        await reingest()
        stale = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert stale["stale"] is True
        mark_translated(docs, "ur", "intro")
        fresh = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert fresh["stale"] is False
        assert fresh["made_from"] == fresh["source_hash"]

    async def test_missing_manifest_entry_counts_as_stale(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        (docs / human.manifest_path("ur")).unlink()
        body = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert body["source"] == "human"
        assert body["stale"] is True
        assert body["made_from"] is None
        assert body["changed_sections"] == []
        assert "manifest" in body["warning"]

    async def test_structure_differences_are_reported_but_served(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        path = docs / URDU_INTRO
        text = path.read_text(encoding="utf-8")
        broken = text.replace("source /opt/ros/jazzy/setup.bash", "source /opt/ros/humble/x.bash")
        broken = broken.replace("(https://www.ros.org/reps/rep-0103.html)", "(https://ros.org)")
        path.write_text(broken, encoding="utf-8")
        body = (await client.post("/api/chapters/intro/translate", params={"lang": "ur"})).json()
        assert body["content"] == broken
        assert body["source"] == "human"
        assert body["verification"]["ok"] is False
        issues = " ".join(body["verification"]["issues"])
        assert "code_block_changed" in issues
        assert "link_target_missing" in issues
        assert "rep-0103" in issues

    async def test_source_language_returns_the_original(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        body = (await client.post("/api/chapters/intro/translate", params={"lang": "en"})).json()
        assert body["content"] == (docs / "intro.md").read_text(encoding="utf-8")
        assert body["source"] == "original"
        assert body["direction"] == "ltr"

    async def test_each_request_is_logged(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        await state.recorder.flush()
        logs = await translate_logs(sessionmaker)
        assert [(r.status, r.cached, r.adapter, r.chapter_id) for r in logs] == [
            ("success", False, "ur:human", "intro"),
            ("success", True, "ur:human", "intro"),
        ]
        assert all(r.user_id is None and r.latency_ms >= 0 for r in logs)


@pytest.mark.usefixtures("library")
class TestListing:
    async def test_lists_human_languages_with_staleness(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        response = await client.get("/api/chapters/intro/translations")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["source_language"] == "en"
        assert body["human"] == [
            {
                "lang": "ur",
                "language": "Urdu",
                "direction": "rtl",
                "stale": False,
                "changed_sections": [],
                "made_from": body["source_hash"],
            }
        ]
        assert set(body["machine"]) == {"apertium"}

    async def test_chapter_without_translations_lists_none(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/api/chapters/sample/translations")).json()
        assert body["human"] == []


BAD_LANGUAGES = ["xx", "UR", "urd", "../ur", "en-US"]


@pytest.mark.usefixtures("library")
class TestLanguageValidation:
    @pytest.mark.parametrize("lang", BAD_LANGUAGES)
    async def test_not_iso_639_1_is_422_naming_the_parameter(
        self, client: httpx.AsyncClient, lang: str
    ) -> None:
        response = await client.post("/api/chapters/intro/translate", params={"lang": lang})
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "ValidationError"
        assert body["detail"][0]["loc"] == ["query", "lang"]
        assert "ISO 639-1" in body["detail"][0]["msg"]

    async def test_missing_lang_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/chapters/intro/translate")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "lang"]


class TestNoTranslator:
    @pytest.fixture
    def translation_config(self) -> TranslationConfig:
        return TranslationConfig(machine=[])

    @pytest.mark.usefixtures("library")
    async def test_404_names_the_language_and_what_is_configured(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        response = await client.post("/api/chapters/intro/translate", params={"lang": "fr"})
        assert response.status_code == 404, response.text
        body = response.json()
        assert body["error"] == "NoTranslationAvailable"
        detail = body["detail"]
        assert detail["lang"] == "fr"
        assert detail["language"] == "French"
        assert "French (fr)" in detail["message"]
        assert detail["human_translation"] == human.docs_path("fr", "intro.md")
        assert detail["machine_translators"] == [
            "no machine translators configured ([translation] machine = [])"
        ]
        await state.recorder.flush()
        logs = await translate_logs(sessionmaker)
        assert [(r.status, r.adapter) for r in logs] == [("failure", "fr:none")]
        assert "French" in (logs[0].error or "")

    @pytest.mark.usefixtures("library")
    async def test_human_translations_still_work(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        assert response.status_code == 200
        assert response.json()["source"] == "human"


class TestMissingApertium:
    @pytest.fixture
    def translation_config(self, tmp_path: Path) -> TranslationConfig:
        return TranslationConfig(
            machine=["apertium"], apertium_command=str(tmp_path / "no-such-apertium")
        )

    @pytest.mark.usefixtures("library")
    async def test_404_says_apertium_is_not_installed(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/chapters/sample/translate", params={"lang": "es"})
        assert response.status_code == 404
        (line,) = response.json()["detail"]["machine_translators"]
        assert line.startswith("apertium: unavailable")
        assert "not installed" in line


# Raw paths, sent as-is (httpx would normalize "../" away).
TRAVERSALS = [
    "/api/chapters/..%2F..%2Fetc%2Fpasswd/translate?lang=ur",
    "/api/chapters/%2e%2e/%2e%2e/etc/passwd/translate?lang=ur",
    "/api/chapters/ros2/..%2F..%2F..%2Fetc%2Fpasswd/translate?lang=ur",
    "/api/chapters/intro%00.md/translate?lang=ur",
    "/api/chapters/..%2Fi18n%2Fur%2Fdocusaurus-plugin-content-docs%2Fcurrent%2Fintro/translate?lang=ur",
    "/api/chapters/..%2F..%2Fetc%2Fpasswd/translations",
]


class TestTraversal:
    @pytest.mark.parametrize("raw_path", TRAVERSALS)
    async def test_traversal_is_refused(self, client: httpx.AsyncClient, raw_path: str) -> None:
        method = "GET" if raw_path.endswith("/translations") else "POST"
        request = client.build_request(method, "http://tailored.test")
        request.url = request.url.copy_with(raw_path=raw_path.encode())
        response = await client.send(request)
        assert response.status_code in (404, 422), response.text
        assert response.json()["error"] in ("InvalidChapterIdError", "NotFound", "ChapterNotFound")
        assert "root:" not in response.text
