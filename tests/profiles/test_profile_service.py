"""The profile service on its own: export, upsert without duplicates, flush-only writes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.errors import TraitNotFound
from tailored.models import Trait, TraitSource
from tailored.profiles import service
from tailored.profiles.schemas import ProfilePatch, TraitIn
from tailored.state import AppState
from tests.fixtures.accounts import create_user
from tests.fixtures.profiles import create_profile, create_trait


class TestExportForUser:
    async def test_nothing_stored(self, state: AppState, session: AsyncSession) -> None:
        user = await create_user(state)
        assert await service.export_for_user(session, user.id) == {"profile": None, "traits": []}

    async def test_profile_and_traits_json_ready(
        self, state: AppState, session: AsyncSession
    ) -> None:
        user = await create_user(state)
        other = await create_user(state)
        await create_profile(
            state, user_id=user.id, languages=["Python", "rust"], preferred_language="JA"
        )
        await create_trait(state, user_id=user.id, key="style", value={"examples": True})
        await create_trait(
            state,
            user_id=user.id,
            key="pace",
            value=2,
            confidence=0.25,
            source=TraitSource.inferred,
        )
        await create_trait(state, user_id=other.id, key="other.users.trait")

        data = await service.export_for_user(session, user.id)
        # JSON-ready: serializes as is, with enums and datetimes as strings.
        assert json.loads(json.dumps(data)) == data

        profile = data["profile"]
        assert profile is not None
        assert profile["user_id"] == str(user.id)
        assert profile["software_level"] == "intermediate"
        assert profile["hardware_level"] == "basic"
        assert profile["role"] == "student"
        assert profile["languages"] == ["python", "rust"]
        assert profile["preferred_language"] == "ja"
        assert profile["profile_completed"] is True
        assert isinstance(profile["created_at"], str)

        assert [t["key"] for t in data["traits"]] == ["pace", "style"]
        pace = data["traits"][0]
        assert pace["value"] == 2
        assert pace["confidence"] == 0.25
        assert pace["source"] == "inferred"
        assert isinstance(pace["updated_at"], str)
        assert data["traits"][1]["value"] == {"examples": True}


class TestPutTrait:
    async def test_upsert_keeps_one_row(self, state: AppState, session: AsyncSession) -> None:
        user = await create_user(state)
        body = TraitIn(value=1, confidence=0.5, source=TraitSource.onboarding)
        first, created = await service.put_trait(session, user.id, "pace", body)
        assert created is True
        second, created = await service.put_trait(
            session,
            user.id,
            "pace",
            TraitIn(value=[2], confidence=1.0, source=TraitSource.inferred),
        )
        assert created is False
        assert second.value == [2]
        assert second.source is TraitSource.inferred
        count = await session.scalar(
            select(func.count()).select_from(Trait).where(Trait.user_id == user.id)
        )
        assert count == 1

    async def test_json_null_round_trips(self, state: AppState, session: AsyncSession) -> None:
        user = await create_user(state)
        await service.put_trait(
            session, user.id, "nothing", TraitIn(value=None, confidence=0, source="inferred")
        )
        session.expunge_all()
        (trait,) = await service.list_traits(session, user.id)
        assert trait.value is None

    async def test_delete_missing_raises_trait_not_found(
        self, state: AppState, session: AsyncSession
    ) -> None:
        user = await create_user(state)
        with pytest.raises(TraitNotFound):
            await service.delete_trait(session, user.id, "absent")


class TestServicesOnlyFlush:
    async def test_rollback_discards_profile_write(
        self, state: AppState, session: AsyncSession
    ) -> None:
        user = await create_user(state)
        written = await service.update_profile(
            session, user.id, ProfilePatch.model_validate({"software_level": "beginner"})
        )
        assert written.software_level == "beginner"
        await session.rollback()
        assert (await service.get_profile(session, user.id)).software_level is None

    async def test_rollback_discards_trait_write(
        self, state: AppState, session: AsyncSession
    ) -> None:
        user = await create_user(state)
        await service.put_trait(
            session, user.id, "pace", TraitIn(value=1, confidence=1, source="onboarding")
        )
        await session.rollback()
        assert await service.list_traits(session, user.id) == []
