"""Personalization for the API, the CLI and other domains: who may personalize what, the
reader's toggle, history. Other domains use personalization through this module only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.accounts.service import user_tag
from tailored.derived.repository import DerivedRepository
from tailored.errors import ProfileIncomplete
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models import Chapter, PersonalizationHistory, PersonalizedResult, User
from tailored.personalization.engine import Personalized, Personalizer
from tailored.personalization.repository import (
    HistoryRepository,
    SessionRepository,
    export_for_user,
)
from tailored.profiles import service as profiles
from tailored.profiles.schemas import ProfileData

__all__ = [
    "Personalized",
    "Personalizer",
    "adapt_text",
    "cached_profile_data",
    "completed",
    "learner_profile_briefly",
    "cleanup_results",
    "clear_results",
    "common_profiles",
    "stored_totals",
    "export_for_user",
    "get_mode",
    "history",
    "personalize",
    "profile_data",
    "set_mode",
]

# The profile as adapters read it, cached briefly per user; PATCH /api/me/profile and account
# changes drop it (see profiles.endpoints and accounts.service.forget_user).
PROFILE_CACHE_TTL = 60.0


async def cached_profile_data(cache: Cache, user_id: uuid.UUID) -> ProfileData | None:
    """The profile as adapters read it, from the cache alone (None: ask `profile_data`)."""
    raw = await cache.get(profiles.profile_cache_key(user_id))
    return ProfileData.model_validate_json(raw) if raw is not None else None


async def profile_data(session: AsyncSession, cache: Cache, user_id: uuid.UUID) -> ProfileData:
    if (cached := await cached_profile_data(cache, user_id)) is not None:
        return cached
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


async def learner_profile_briefly(
    maker: async_sessionmaker[AsyncSession], cache: Cache, user: User
) -> ProfileData:
    """The learner's completed profile (else ProfileIncomplete, 403), for routes that hold no
    request session: a cached profile opens no session, a miss reads in a short transaction."""
    profile = await cached_profile_data(cache, user.id)
    if profile is None:
        async with transaction(maker) as session:
            profile = await profile_data(session, cache, user.id)
    return completed(profile)


def completed(profile: ProfileData) -> ProfileData:
    """`profile`, or ProfileIncomplete (403) when it cannot be personalized for."""
    if not profile.profile_completed:
        raise ProfileIncomplete()
    return profile


async def personalize(
    personalizer: Personalizer,
    chapter: Chapter,
    profile: ProfileData,
    *,
    user_id: uuid.UUID | None,
) -> Personalized:
    """`chapter` for `profile` (see Personalizer.personalize)."""
    return await personalizer.personalize(chapter, profile, user_id=user_id)


async def adapt_text(
    personalizer: Personalizer, chapter: Chapter, text: str, profile: ProfileData
) -> Personalized:
    """The offline stage over another text of `chapter`, e.g. a human translation."""
    return await personalizer.adapt_text(chapter, text, profile)


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


# -- housekeeping (called by tailored.housekeeping; each domain cleans up its own) -------------


async def cleanup_results(
    session: AsyncSession, personalizer: Personalizer, *, max_entries: int
) -> tuple[int, int, int]:
    """Drop expired and stale stored results and the least recently used beyond the cap.

    Returns (expired, stale, evicted)."""
    results = DerivedRepository(session, PersonalizedResult)
    expired = await results.delete_expired(datetime.now(UTC))
    stale = await results.delete_stale()
    evicted = await results.evict_beyond(max_entries)
    # Expired and stale keys are never asked for again (the key moved); evicted ones might be.
    await personalizer.forget(evicted)
    return expired, stale, len(evicted)


async def clear_results(session: AsyncSession, personalizer: Personalizer) -> int:
    """Remove every stored result (they regenerate on demand)."""
    removed = await DerivedRepository(session, PersonalizedResult).delete_all()
    await personalizer.forget_all()
    return removed


async def stored_totals(session: AsyncSession) -> tuple[int, int]:
    """(stored results, their bytes)."""
    return await DerivedRepository(session, PersonalizedResult).totals()


async def common_profiles(session: AsyncSession, limit: int) -> list[ProfileData]:
    """The profiles (as adapters read them) of the `limit` most common audiences in history."""
    rows = await HistoryRepository(session).top_profiles(limit)
    return [ProfileData.model_validate(fields) for fields in rows]
