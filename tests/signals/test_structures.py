"""The cache structures with their lifetimes (on both backends), warmed at sign-in and dropped
on a trait change; traits inferred from signals never replace what the learner answered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.config.signals import SignalsConfig
from tailored.kit.cache import Cache
from tailored.models.signals import preferences_cache_key
from tailored.signals import structures
from tailored.signals.schemas import Signal
from tailored.state import AppState
from tests.fixtures.accounts import create_user, login

pytestmark = pytest.mark.usefixtures("library")


def near(ttl: float | None, expected: float) -> bool:
    return ttl is not None and expected - 60 < ttl <= expected


class TestLifetimes:
    async def test_each_structure_has_its_ttl(self, cache: Cache) -> None:
        learner = uuid.uuid4().hex
        now = datetime.now(UTC)
        stored = [
            Signal(
                id=f"e{i}",
                learner=learner,
                type="view",
                content_id=f"c{i}",
                session_id="s",
                occurred_at=now,
            )
            for i in range(60)
        ]
        await structures.remember(cache, stored)
        recent = await structures.session_recent(cache, learner, "s")
        assert recent[:2] == ["c59", "c58"]
        assert len(recent) == structures.RECENT_MAX
        assert near(await cache.ttl(structures.recent_key(learner, "s")), 24 * 3600)
        assert near(await cache.ttl(structures.seen_key(learner)), 48 * 3600)
        fresh, seen = await structures.drop_seen(
            cache, [*stored[:3], Signal(id="new", learner=learner, type="view", occurred_at=now)]
        )
        assert ([s.id for s in fresh], seen) == (["new"], 3)
        await structures.store_embedding(cache, learner, [0.5, 0.25])
        assert await structures.cached_embedding(cache, learner) == [0.5, 0.25]
        assert near(await cache.ttl(structures.embedding_key(learner)), 6 * 3600)


class TestPreferences:
    async def test_warmed_at_sign_in_and_dropped_on_a_trait_change(
        self, client: httpx.AsyncClient, state: AppState, cache: Cache
    ) -> None:
        user = await create_user(state)
        auth = await login(client, user.email)  # no trait yet: an empty snapshot is cached
        key = preferences_cache_key(user.id)
        assert await cache.hash_get_all(key) == {"#": b"1"}
        assert near(await cache.ttl(key), 7 * 24 * 3600)
        trait = {"value": "python", "confidence": 0.9, "source": "onboarding"}
        response = await client.put("/api/me/traits/favourite_language", json=trait, headers=auth)
        assert response.status_code == 201
        assert await cache.hash_get_all(key) == {}
        await login(client, user.email)
        assert await cache.hash_get(key, "favourite_language") == b'"python"'


class TestInferredTraits:
    async def test_completing_jetson_chapters_suggests_an_interest(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        user = await create_user(state)
        auth = await login(client, user.email)
        now = datetime.now(UTC).isoformat()
        items = [
            {"id": uuid.uuid4().hex, "type": "complete", "content_id": c, "occurred_at": now}
            for c in ("deployment/jetson-edge", "deployment/jetson-edge#choosing-a-jetson-orin")
        ]
        response = await client.post("/api/events", json={"events": items}, headers=auth)
        assert response.json()["inserted"] == 2
        traits = (await client.get("/api/me/traits", headers=auth)).json()
        assert [(t["key"], t["value"], t["source"]) for t in traits] == [
            ("interest_jetson", True, "inferred")
        ]
        assert 0 < traits[0]["confidence"] < 1
        # The learner removes it; an answer they give is never replaced by a guess.
        assert (
            await client.delete("/api/me/traits/interest_jetson", headers=auth)
        ).status_code == 204
        answer = {"value": False, "confidence": 1.0, "source": "onboarding"}
        await client.put("/api/me/traits/interest_jetson", json=answer, headers=auth)
        more = [{**items[0], "id": uuid.uuid4().hex}]
        await client.post("/api/events", json={"events": more}, headers=auth)
        traits = (await client.get("/api/me/traits", headers=auth)).json()
        assert [(t["value"], t["source"]) for t in traits] == [(False, "onboarding")]


def test_the_flag_assignment_key_is_per_learner() -> None:
    assert structures.flag_assignments_key("a") != structures.flag_assignments_key("b")
    assert structures.FLAGS_TTL == 24 * 3600
    assert SignalsConfig().snapshot_min_confidence == 0.7
