"""The conversations API on both databases: owners, anonymous readers, limits, privacy."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.tutor import TutorConfig
from tailored.models import RequestLog, TutorConversation
from tailored.state import AppState
from tailored.tutor import service
from tailored.tutor.identity import COOKIE
from tests.fixtures.accounts import DEFAULT_PASSWORD, create_logged_in_user

URL = "/api/tutor/conversations"
VACUUM = "How do I pick up a box with a vacuum?"


async def _start(client: httpx.AsyncClient, question: str, **kw: Any) -> dict[str, Any]:
    response = await client.post(URL, json={"question": question}, **kw)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


@pytest.mark.usefixtures("library")
class TestAsking:
    async def test_first_question_titles_the_conversation_and_is_answered(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(URL, json={"question": VACUUM})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["title"] == VACUUM
        user, answer = body["messages"]
        assert (user["role"], user["content"], user["answered"]) == ("user", VACUUM, None)
        assert answer["role"] == "assistant"
        assert answer["answered"] is True
        assert "Suction grippers hold flat boxes" in answer["content"]
        assert answer["citations"][0] == {
            "chapter_id": "robots/arms",
            "anchor": "grippers",
            "heading": "Grippers",
            "score": 1.0,
        }
        assert COOKIE in response.cookies
        again = await client.get(f"{URL}/{body['id']}")
        assert again.json()["messages"] == body["messages"]

    async def test_follow_up_reads_the_earlier_turns(self, client: httpx.AsyncClient) -> None:
        body = await _start(client, "How do I choose the power mode?")
        response = await client.post(
            f"{URL}/{body['id']}/messages", json={"content": "and on a Jetson?"}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["citations"][0]["anchor"] == "jetson-power-modes"
        assert "nvpmodel" in answer["content"]

    async def test_question_the_book_does_not_cover(self, client: httpx.AsyncClient) -> None:
        body = await _start(client, "How do I bake a chocolate cake?")
        answer = body["messages"][1]
        assert answer["answered"] is False
        assert answer["content"].startswith("The textbook does not seem to cover this.")

    async def test_streaming_sends_refs_deltas_then_the_stored_answer(
        self, client: httpx.AsyncClient
    ) -> None:
        body = (await client.post(URL, json={})).json()
        assert body["title"] == ""
        assert body["messages"] == []
        response = await client.post(
            f"{URL}/{body['id']}/messages",
            json={"content": "how should lithium batteries be charged?"},
            headers={"accept": "text/event-stream"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse(response.text)
        assert [name for name, _ in events][0] == "refs"
        assert [name for name, _ in events][-1] == "done"
        assert events[0][1][0]["anchor"] == "charging-batteries"
        streamed = "".join(d["text"] for name, d in events if name == "delta")
        done = events[-1][1]
        assert done["content"] == streamed
        assert done["role"] == "assistant"
        stored = (await client.get(f"{URL}/{body['id']}")).json()
        assert stored["title"] == "how should lithium batteries be charged?"
        assert stored["messages"][-1]["id"] == done["id"]

    @pytest.mark.parametrize("content", ["", "x" * 10_001])
    async def test_message_length_is_bounded(self, client: httpx.AsyncClient, content: str) -> None:
        body = (await client.post(URL, json={})).json()
        response = await client.post(f"{URL}/{body['id']}/messages", json={"content": content})
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_bad_chapter_id_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(URL, json={"question": "q", "chapter_id": "../etc"})
        assert response.status_code == 422


@pytest.mark.usefixtures("library")
class TestOwnership:
    async def test_a_learner_never_reads_another_learners_conversation(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _a, alice = await create_logged_in_user(state, client)
        _b, bob = await create_logged_in_user(state, client)
        body = await _start(client, VACUUM, headers=alice)
        cid = body["id"]
        assert (await client.get(f"{URL}/{cid}", headers=bob)).status_code == 404
        posted = await client.post(f"{URL}/{cid}/messages", headers=bob, json={"content": "hi"})
        assert posted.status_code == 404
        assert (await client.delete(f"{URL}/{cid}", headers=bob)).status_code == 404
        assert (await client.get(URL, headers=bob)).json()["conversations"] == []
        client.cookies.clear()
        assert (await client.get(f"{URL}/{cid}")).status_code == 404
        mine = (await client.get(URL, headers=alice)).json()["conversations"]
        assert [c["id"] for c in mine] == [cid]
        assert (await client.delete(f"{URL}/{cid}", headers=alice)).status_code == 204
        assert (await client.get(f"{URL}/{cid}", headers=alice)).status_code == 404

    async def test_a_forged_cookie_reads_nothing(self, client: httpx.AsyncClient) -> None:
        body = await _start(client, VACUUM)
        real = client.cookies[COOKIE]
        anon_id = real.split(".")[0]
        client.cookies.clear()
        client.cookies.set(COOKIE, f"{anon_id}.{'0' * 32}")
        assert (await client.get(f"{URL}/{body['id']}")).status_code == 404
        assert (await client.get(URL)).json()["conversations"] == []

    async def test_anonymous_conversation_joins_the_account_at_sign_in(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        body = await _start(client, VACUUM)
        user, headers = await create_logged_in_user(state, client)
        listed = await client.get(URL, headers=headers)
        assert [c["id"] for c in listed.json()["conversations"]] == [body["id"]]
        assert 'tailored_tutor=""' in listed.headers["set-cookie"]
        client.cookies.clear()
        assert (await client.get(URL)).json()["conversations"] == []
        again = await client.get(f"{URL}/{body['id']}", headers=headers)
        assert again.status_code == 200
        assert len(again.json()["messages"]) == 2


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"tutor": TutorConfig(per_learner_per_minute=2, per_ip_per_minute=3)}


@pytest.mark.usefixtures("library")
class TestRateLimit:
    async def test_per_learner_then_per_address(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        await _start(client, "q one")
        await _start(client, "q two")
        refused = await client.post(URL, json={"question": "q three"})
        assert refused.status_code == 429
        assert refused.json()["error"] == "TooManyQuestions"
        assert int(refused.headers["retry-after"]) >= 1
        # A new anonymous reader from the same address: one more, then the address limit.
        client.cookies.clear()
        await _start(client, "q four")
        client.cookies.clear()
        assert (await client.post(URL, json={"question": "q five"})).status_code == 429
        # Starting an empty conversation asks nothing and is not counted.
        assert (await client.post(URL, json={})).status_code == 201


@pytest.mark.usefixtures("library")
class TestPrivacy:
    async def test_export_and_account_deletion_include_conversations(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        body = await _start(client, VACUUM, headers=headers)
        exported = (await client.get("/api/me/export", headers=headers)).json()
        [conversation] = exported["tutor_conversations"]
        assert conversation["id"] == body["id"]
        assert conversation["messages"][1]["citations"][0]["anchor"] == "grippers"
        deleted = await client.request(
            "DELETE", "/api/me", headers=headers, json={"password": DEFAULT_PASSWORD}
        )
        assert deleted.status_code == 204
        async with sessionmaker() as session:
            left = await session.scalars(
                select(TutorConversation).where(TutorConversation.user_id == user.id)
            )
            assert list(left) == []

    async def test_anonymous_conversations_are_purged_after_retention(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        old = await _start(client, VACUUM)
        client.cookies.clear()
        recent = await _start(client, "how do grippers hold fruit")
        _user, headers = await create_logged_in_user(state, client)
        client.cookies.clear()
        owned = await _start(client, "which joint angles reach a pose", headers=headers)
        async with sessionmaker() as session:
            long_ago = datetime.now(UTC) - timedelta(days=31)
            await session.execute(
                update(TutorConversation)
                .where(TutorConversation.id.in_([uuid.UUID(old["id"]), uuid.UUID(owned["id"])]))
                .values(updated_at=long_ago)
            )
            assert await service.purge_anonymous(session, 30) == 1
            await session.commit()
            left = {str(i) for i in await session.scalars(select(TutorConversation.id))}
        assert old["id"] not in left
        assert {recent["id"], owned["id"]} <= left


@pytest.mark.usefixtures("library")
class TestIndexAndFigures:
    async def test_reingest_updates_what_the_tutor_finds(
        self, client: httpx.AsyncClient, docs: Any, ingest: Any
    ) -> None:
        found = (await client.get("/api/search", params={"q": "warp drive"})).json()
        assert found["results"] == []
        (docs / "warp.md").write_text("# Warp\n\n## Drives\n\nWarp drives bend space time.\n")
        arms = docs / "robots" / "arms.md"
        arms.write_text(arms.read_text().replace("Suction grippers", "Magnetic grippers"))
        await ingest()
        found = (await client.get("/api/search", params={"q": "warp drive"})).json()
        assert found["results"][0]["chapter_id"] == "warp"
        assert found["results"][0]["anchor"] == "drives"
        assert found["results"][0]["snippet"] == "Warp drives bend space time."
        body = await _start(client, "Do magnetic grippers exist?")
        assert "Magnetic grippers" in body["messages"][1]["content"]
        (docs / "warp.md").unlink()
        await ingest()
        assert (await client.get("/api/search", params={"q": "warp"})).json()["results"] == []

    async def test_search_shape_and_bounds(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/search", params={"q": "grippers", "limit": 1})
        [hit] = response.json()["results"]
        assert set(hit) == {"chapter_id", "anchor", "heading", "snippet", "score"}
        assert (await client.get("/api/search", params={"q": ""})).status_code == 422
        assert (await client.get("/api/search", params={"q": "x", "limit": 0})).status_code == 422

    async def test_unanswered_questions_per_chapter_and_request_log(
        self,
        client: httpx.AsyncClient,
        state: AppState,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        await _start(client, VACUUM)
        response = await client.post(
            URL, json={"question": "what colour is the sky", "chapter_id": "power"}
        )
        assert response.json()["messages"][1]["answered"] is False
        _admin, headers = await create_logged_in_user(state, client, role=_admin_role())
        stats = (await client.get("/api/admin/stats/tutor", headers=headers)).json()
        assert (stats["questions"], stats["unanswered"]) == (2, 1)
        rows = {r["chapter_id"]: r for r in stats["by_chapter"]}
        assert rows["power"] == {"chapter_id": "power", "questions": 1, "unanswered": 1}
        assert rows["robots/arms"]["unanswered"] == 0
        _learner, learner = await create_logged_in_user(state, client)
        assert (await client.get("/api/admin/stats/tutor", headers=learner)).status_code == 403
        await state.recorder.flush()
        async with sessionmaker() as session:
            logs = list(await session.scalars(select(RequestLog).where(RequestLog.kind == "tutor")))
        assert sorted(r.chapter_id for r in logs) == ["power", "robots/arms"]
        assert any(r.adapter.endswith(":unanswered") for r in logs)


def _admin_role() -> Any:
    from tailored.models import Role

    return Role.admin


@pytest.mark.usefixtures("library")
class TestCookie:
    async def test_signed_http_only_cookie_scoped_to_the_tutor(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(URL, json={})
        header = response.headers["set-cookie"].lower()
        assert "httponly" in header
        assert "path=/api/tutor" in header
        assert "samesite=lax" in header
        assert "secure" not in header.replace("httponly", "")  # plain http here
        client.cookies.clear()
        secure = await client.post("https://tailored.test" + URL, json={})
        assert "; secure" in secure.headers["set-cookie"].lower()
