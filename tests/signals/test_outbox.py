"""Every stored event and every profile or trait change writes an outbox row in the same
transaction; a rolled-back change leaves none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.signals import SignalsConfig
from tailored.models import Outbox
from tailored.signals import service
from tailored.signals.identity import learner_for_user
from tailored.signals.schemas import Signal
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user, create_user

pytestmark = pytest.mark.usefixtures("library")


async def messages(session: AsyncSession, learner: str) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Outbox.topic, Outbox.payload)
        .where(Outbox.learner_key == learner)
        .order_by(Outbox.id)
    )
    return [(topic, payload.get("kind") or payload.get("type")) for topic, payload in rows]


class TestOutbox:
    async def test_profile_and_trait_changes_are_queued(
        self, client: httpx.AsyncClient, state: AppState, session: AsyncSession
    ) -> None:
        user, auth = await create_logged_in_user(state, client)
        profile = {"software_level": "beginner", "hardware_level": "none"}
        assert (
            await client.patch("/api/me/profile", json=profile, headers=auth)
        ).status_code == 200
        trait = {"value": 1, "confidence": 1.0, "source": "onboarding"}
        await client.put("/api/me/traits/pace", json=trait, headers=auth)
        await client.delete("/api/me/traits/pace", headers=auth)
        assert await messages(session, str(user.id)) == [
            ("profiles", "profile_changed"),
            ("profiles", "trait_changed"),
            ("profiles", "trait_removed"),
        ]

    async def test_an_event_and_its_message_commit_or_roll_back_together(
        self, state: AppState, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await create_user(state)
        learner = learner_for_user(user.id)
        now = datetime.now(UTC)
        sig = Signal(
            id=uuid.uuid4().hex,
            learner=learner,
            type="complete",
            content_id="intro",
            occurred_at=now,
        )
        async with sessionmaker() as session:
            await service.record_events(session, [sig], config=SignalsConfig())
            await session.rollback()
        async with sessionmaker() as session:
            assert await messages(session, learner) == []
            await service.record_events(session, [sig], config=SignalsConfig())
            await session.commit()
        async with sessionmaker() as session:
            assert await messages(session, learner) == [("events", "complete")]
            row = await session.scalar(select(Outbox).where(Outbox.learner_key == learner))
            assert row is not None
            assert row.event_id == sig.id
            assert row.published_at is None
