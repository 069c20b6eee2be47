"""Learner profiles (what onboarding asks) and traits (long-lived key/value preferences).

Every function takes the user id it acts for; the endpoints pass the token's owner (or, on the
admin routes, a user loaded by id), so no function here can be pointed at someone else by the
request body. Services only flush; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.errors import TraitNotFound
from tailored.models import Outbox, Profile, Trait, TraitSource
from tailored.models.signals import preferences_cache_key
from tailored.profiles.repository import ProfileRepository, TraitRepository
from tailored.profiles.schemas import ProfileExport, ProfileOut, ProfilePatch, TraitIn, TraitOut


def profile_cache_key(user_id: uuid.UUID) -> str:
    """Where the personalization hot path keeps this user's profile for a minute."""
    return f"profile:{user_id}"


__all__ = ["preferences_cache_key"]  # re-exported: the endpoints and signals use it here

PROFILES_TOPIC = "profiles"


def _announce(session: AsyncSession, user_id: uuid.UUID, change: str, data: Any) -> None:
    """Queue the change for the event stream in the same transaction (the outbox relay
    publishes it after commit)."""
    session.add(
        Outbox(
            event_id=f"{change}:{user_id}:{uuid.uuid4().hex}",
            learner_key=str(user_id),
            topic=PROFILES_TOPIC,
            payload={"kind": change, "user_id": str(user_id), "data": data},
        )
    )


async def get_profile(session: AsyncSession, user_id: uuid.UUID) -> ProfileOut:
    """The stored profile, or an empty one (nothing answered yet) when none was written."""
    profile = await ProfileRepository(session).get(user_id)
    if profile is None:
        return ProfileOut(user_id=user_id)
    return ProfileOut.model_validate(profile)


async def profiles_for(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Profile]:
    """The stored profiles of these users (users without one are left out)."""
    return await ProfileRepository(session).get_many(user_ids)


async def update_profile(
    session: AsyncSession, user_id: uuid.UUID, patch: ProfilePatch
) -> ProfileOut:
    """Apply the fields the client sent; the first write creates the row."""
    profiles = ProfileRepository(session)
    profile = await profiles.get(user_id)
    if profile is None:
        profile = Profile(
            user_id=user_id,
            languages=[],
            frameworks=[],
            hardware_domains=[],
            hardware_available=[],
            interests=[],
        )
    for name, value in patch.changes().items():
        setattr(profile, name, value)
    await profiles.save(profile)
    out = ProfileOut.model_validate(profile)
    _announce(session, user_id, "profile_changed", out.model_dump(mode="json"))
    return out


async def list_traits(session: AsyncSession, user_id: uuid.UUID) -> list[TraitOut]:
    return [
        TraitOut.model_validate(t) for t in await TraitRepository(session).list_for_user(user_id)
    ]


async def put_trait(
    session: AsyncSession, user_id: uuid.UUID, key: str, body: TraitIn
) -> tuple[TraitOut, bool]:
    """Create or replace one trait; also says whether it was created."""
    traits = TraitRepository(session)
    # Only decides 201 versus 200; the upsert itself cannot make a duplicate row.
    created = await traits.get(user_id, key) is None
    trait: Trait = await traits.upsert(
        user_id, key, value=body.value, confidence=body.confidence, source=body.source
    )
    out = TraitOut.model_validate(trait)
    _announce(session, user_id, "trait_changed", out.model_dump(mode="json"))
    return out, created


async def infer_trait(
    session: AsyncSession, user_id: uuid.UUID, key: str, *, value: Any, confidence: float
) -> TraitOut | None:
    """Record a trait inferred from signals (source inferred). An answer the learner gave
    (any other source) is never replaced; an inferred one only by a more confident guess.
    None when nothing changed."""
    traits = TraitRepository(session)
    existing = await traits.get(user_id, key)
    if existing is not None and (
        existing.source is not TraitSource.inferred
        or (existing.value == value and existing.confidence >= confidence)
    ):
        return None
    trait = await traits.upsert(
        user_id, key, value=value, confidence=confidence, source=TraitSource.inferred
    )
    out = TraitOut.model_validate(trait)
    _announce(session, user_id, "trait_inferred", out.model_dump(mode="json"))
    return out


async def delete_trait(session: AsyncSession, user_id: uuid.UUID, key: str) -> None:
    if not await TraitRepository(session).delete(user_id, key):
        raise TraitNotFound()
    _announce(session, user_id, "trait_removed", {"key": key})


async def export_for_user(session: AsyncSession, user_id: uuid.UUID) -> ProfileExport:
    """This domain's part of an account export: the stored profile (None if never written) and
    every trait, as JSON-ready dicts."""
    profile = await ProfileRepository(session).get(user_id)
    traits = await TraitRepository(session).list_for_user(user_id)
    return {
        "profile": (
            ProfileOut.model_validate(profile).model_dump(mode="json")
            if profile is not None
            else None
        ),
        "traits": [TraitOut.model_validate(t).model_dump(mode="json") for t in traits],
    }
