"""Personalization for the API and CLI: who may personalize what, and the reader's toggle."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts.service import user_tag
from tailored.errors import Forbidden
from tailored.kit.cache import Cache
from tailored.models import Chapter, PersonalizationHistory, User
from tailored.personalization.engine import Personalized, Personalizer
from tailored.personalization.repository import HistoryRepository, SessionRepository
from tailored.profiles import service as profiles
from tailored.profiles.schemas import ProfileData


class ProfileIncomplete(Forbidden):
    @classmethod
    def default_detail(cls) -> str:
        return (
            "complete your profile first: set software_level and hardware_level "
            "with PATCH /api/me/profile"
        )


# The profile as adapters read it, cached briefly per user; PATCH /api/me/profile and account
# changes drop it (see profiles.endpoints and accounts.service.forget_user).
PROFILE_CACHE_TTL = 60.0


async def profile_data(session: AsyncSession, cache: Cache, user_id: uuid.UUID) -> ProfileData:
    raw = await cache.get(profiles.profile_cache_key(user_id))
    if raw is not None:
        return ProfileData.model_validate_json(raw)
    stored = await profiles.get_profile(session, user_id)
    profile = ProfileData.model_validate(
        stored.model_dump(exclude={"user_id", "profile_completed", "created_at", "updated_at"})
    )
    await cache.set(
        profiles.profile_cache_key(user_id),
        profile.model_dump_json().encode(),
        ttl=PROFILE_CACHE_TTL,
        tags=(user_tag(user_id),),
    )
    return profile


async def learner_profile(session: AsyncSession, cache: Cache, user: User) -> ProfileData:
    """The learner's profile, or ProfileIncomplete (403) when it cannot be personalized for."""
    profile = await profile_data(session, cache, user.id)
    if not profile.profile_completed:
        raise ProfileIncomplete()
    return profile


async def personalize_for_user(
    session: AsyncSession, personalizer: Personalizer, chapter: Chapter, user: User
) -> Personalized:
    profile = await learner_profile(session, personalizer.cache, user)
    return await personalizer.personalize(session, chapter, profile, user_id=user.id)


async def history(
    session: AsyncSession, user_id: uuid.UUID, *, limit: int, offset: int
) -> Sequence[PersonalizationHistory]:
    return await HistoryRepository(session).for_user(user_id, limit=limit, offset=offset)


async def get_mode(session: AsyncSession, user_id: uuid.UUID, chapter_id: str) -> bool:
    row = await SessionRepository(session).get(user_id, chapter_id)
    return bool(row and row.active)


async def set_mode(
    session: AsyncSession, user_id: uuid.UUID, chapter_id: str, active: bool
) -> None:
    await SessionRepository(session).set(user_id, chapter_id, active)
