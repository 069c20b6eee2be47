"""Personalize-then-translate: a learner's own version of a chapter, in their language."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.translation import TranslationConfig
from tailored.models import RequestLog, Role
from tailored.signals import service as signals
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.flags.conftest import create_flag
from tests.translation.conftest import COMPLETE, URDU_INTRO, learner

SAMPLE = "/api/chapters/sample/translate"


@pytest.mark.usefixtures("apertium", "library")
class TestMachinePath:
    async def test_personalized_chapter_is_translated(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        headers = await learner(client, state)
        me = (await client.get("/api/me", headers=headers)).json()
        mine = await client.post("/api/chapters/sample/personalize", headers=headers)
        assert mine.json()["applied_transformations"], "the rules adapter should change it"
        response = await client.post(
            SAMPLE, params={"lang": "es", "personalized": "true"}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["personalized"] is True
        assert body["path"] == "personalized+machine"
        assert body["source"] == "machine"
        assert body["translator"].startswith("apertium:eng-spa@")
        assert body["applied_transformations"] == mine.json()["applied_transformations"]
        assert body["verification"]["ok"] is True
        public = (await client.post(SAMPLE, params={"lang": "es"})).json()
        assert public["personalized"] is False
        assert public["content"] != body["content"]
        # Both are Spanish; the personalized one carries what the adapter added for beginners
        # (glossary footnotes), translated, with the chapter's code intact.
        assert "[^glossary-" in body["content"]
        assert "[^glossary-" not in public["content"]
        assert state.translator.generations == 2
        await state.recorder.flush()
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(RequestLog.kind, RequestLog.status, RequestLog.user_id).order_by(
                        RequestLog.id
                    )
                )
            ).all()
        assert [(kind, status, str(user)) for kind, status, user in rows] == [
            ("personalize", "success", me["id"]),  # the explicit personalize call
            ("personalize", "success", me["id"]),  # personalize-then-translate, step one
            ("translate", "success", me["id"]),
            ("translate", "success", "None"),  # the public translation
        ]

    async def test_the_personalization_flag_picks_the_adapter_here_too(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _admin, admin = await create_logged_in_user(state, client, role=Role.admin)
        await create_flag(
            client,
            admin,
            key=state.settings.flags.personalization_flag,
            kind="variant",
            variants={"rules": "rules", "llm": "llm"},
            default_variant="rules",
            rollout={"rules": 100, "llm": 0},
        )
        headers = await learner(client, state)
        me = (await client.get("/api/me", headers=headers)).json()
        response = await client.post(
            SAMPLE, params={"lang": "es", "personalized": "true"}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["path"] == "personalized+machine"
        # The flag was evaluated for this learner: the exposure is recorded as a signal.
        await state.exposures.flush()
        async with state.sessionmaker() as session:
            events = await signals.recent_events(session, me["id"])
        assert [dict(e.meta) for e in events if e.type == "exposure"] == [
            {"flag": state.settings.flags.personalization_flag, "variant": "rules", "version": 1}
        ]

    async def test_learners_with_the_same_needs_share_one_translation(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        first = await learner(client, state, {**COMPLETE, "interests": ["drones"]})
        second = await learner(client, state, {**COMPLETE, "interests": ["humanoids"]})
        params = {"lang": "es", "personalized": "true"}
        a = (await client.post(SAMPLE, params=params, headers=first)).json()
        b = (await client.post(SAMPLE, params=params, headers=second)).json()
        assert a["cached"] is False
        assert b["cached"] is True
        assert b["content"] == a["content"]
        assert state.translator.generations == 1


class TestHumanFirst:
    @pytest.mark.usefixtures("apertium", "library")
    async def test_human_translation_wins_over_a_machine_that_could_translate(
        self, client: httpx.AsyncClient, state: AppState, docs: Path
    ) -> None:
        # A human Spanish translation of the intro, while Apertium can also do en → es.
        spanish = docs / URDU_INTRO.replace("/ur/", "/es/")
        spanish.parent.mkdir(parents=True)
        spanish.write_text(
            (docs / "intro.md").read_text(encoding="utf-8").replace("What Is", "Qué es"),
            encoding="utf-8",
        )
        headers = await learner(client, state)
        response = await client.post(
            "/api/chapters/intro/translate",
            params={"lang": "es", "personalized": "true"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["path"] == "human+rules"
        assert body["source"] == "human"
        assert "Qué es" in body["content"]
        assert state.translator.generations == 0


class TestRulesOverHumanTranslation:
    """No machine translator for Urdu: the adapter's rules run over the human translation."""

    @pytest.fixture
    def translation_config(self) -> TranslationConfig:
        return TranslationConfig(machine=[])

    @pytest.mark.usefixtures("library")
    async def test_urdu_learner_gets_their_version(
        self, client: httpx.AsyncClient, state: AppState, docs: Path
    ) -> None:
        headers = await learner(client, state)
        url = "/api/chapters/intro/translate"
        response = await client.post(
            url, params={"lang": "ur", "personalized": "true"}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        original = (docs / URDU_INTRO).read_text(encoding="utf-8")
        assert body["personalized"] is True
        assert body["path"] == "human+rules"
        assert body["source"] == "human"
        assert body["direction"] == "rtl"
        assert body["translator"].startswith("human+rules@")
        assert body["stale"] is False
        assert body["verification"] == {"ok": True, "issues": []}
        names = [t["name"] for t in body["applied_transformations"]]
        assert "glossary" in names
        # The Urdu text is kept; beginners get the glossary footnotes added to it.
        assert body["content"] != original
        assert body["content"].startswith(original.split("\n## ")[0][:200])
        assert "[^glossary-urdf]" in body["content"]
        again = await client.post(
            url, params={"lang": "ur", "personalized": "true"}, headers=headers
        )
        assert again.json()["cached"] is True
        assert again.json()["content"] == body["content"]

    @pytest.mark.usefixtures("library")
    async def test_no_translation_at_all_is_404(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await learner(client, state)
        response = await client.post(
            SAMPLE, params={"lang": "ur", "personalized": "true"}, headers=headers
        )
        assert response.status_code == 404
        assert response.json()["error"] == "NoTranslationAvailable"

    @pytest.mark.usefixtures("library")
    async def test_source_language_is_the_personalized_chapter(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await learner(client, state)
        mine = await client.post("/api/chapters/intro/personalize", headers=headers)
        body = (
            await client.post(
                "/api/chapters/intro/translate",
                params={"lang": "en", "personalized": "true"},
                headers=headers,
            )
        ).json()
        assert body["source"] == "original"
        assert body["path"] == "personalized"
        assert body["content"] == mine.json()["content"]


@pytest.mark.usefixtures("library")
class TestWhoMayAsk:
    async def test_personalized_needs_a_login(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/chapters/intro/translate", params={"lang": "ur", "personalized": "true"}
        )
        assert response.status_code == 401
        assert response.json()["error"] == "NotAuthenticated"

    async def test_personalized_needs_a_complete_profile(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        headers = await learner(client, state, profile=None)
        response = await client.post(
            "/api/chapters/intro/translate",
            params={"lang": "ur", "personalized": "true"},
            headers=headers,
        )
        assert response.status_code == 403
        assert response.json()["error"] == "ProfileIncomplete"

    async def test_public_translation_needs_no_login(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/chapters/intro/translate", params={"lang": "ur"})
        assert response.status_code == 200
