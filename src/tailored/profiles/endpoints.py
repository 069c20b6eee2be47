from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Response, status

from tailored.deps import CacheDep, CurrentUser, SessionDep, TargetUser
from tailored.errors import (
    AdminRequired,
    NotAuthenticated,
    TraitNotFound,
    UserNotFound,
    error_responses,
)
from tailored.profiles import service
from tailored.profiles.schemas import TRAIT_KEY_PATTERN, ProfileOut, ProfilePatch, TraitIn, TraitOut

router = APIRouter(prefix="/api", tags=["profiles"])

TraitKeyPath = Annotated[
    str,
    Path(pattern=TRAIT_KEY_PATTERN, description="lowercase, starts with a letter, ≤ 64 chars"),
]


# The 422 for malformed bodies is FastAPI's own entry in the schema; these are the others.
_ME = error_responses(NotAuthenticated)
_ADMIN = error_responses(NotAuthenticated, AdminRequired, UserNotFound)


async def _forget_preferences(
    cache: CacheDep, background: BackgroundTasks, user_id: uuid.UUID
) -> None:
    key = service.preferences_cache_key(user_id)
    await cache.delete(key)
    background.add_task(cache.delete, key)


@router.get("/me/profile", responses=_ME)
async def get_my_profile(user: CurrentUser, session: SessionDep) -> ProfileOut:
    """My learner profile; empty, with profile_completed false, until first written."""
    return await service.get_profile(session, user.id)


@router.patch("/me/profile", responses=_ME)
async def update_my_profile(
    body: ProfilePatch,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    background: BackgroundTasks,
) -> ProfileOut:
    """Change the fields sent (null clears, [] empties a list); others are kept."""
    keys = (service.profile_cache_key(user.id), service.preferences_cache_key(user.id))
    # Dropped now and again after the commit, so a racing read cannot re-cache the old one.
    await cache.delete(*keys)
    background.add_task(cache.delete, *keys)
    return await service.update_profile(session, user.id, body)


@router.get("/me/traits", responses=_ME)
async def list_my_traits(user: CurrentUser, session: SessionDep) -> list[TraitOut]:
    """My traits, sorted by key."""
    return await service.list_traits(session, user.id)


@router.put(
    "/me/traits/{key}",
    responses={
        **_ME,
        status.HTTP_201_CREATED: {"model": TraitOut, "description": "Trait created"},
    },
)
async def put_my_trait(
    key: TraitKeyPath,
    body: TraitIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    background: BackgroundTasks,
    response: Response,
) -> TraitOut:
    """Create (201) or replace (200) one of my traits."""
    await _forget_preferences(cache, background, user.id)
    trait, created = await service.put_trait(session, user.id, key, body)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return trait


@router.delete(
    "/me/traits/{key}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, TraitNotFound),
)
async def delete_my_trait(
    key: TraitKeyPath,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    background: BackgroundTasks,
) -> Response:
    """Forget one of my traits (inferred ones too: they are not inferred again from the same
    signals unless new ones arrive)."""
    await _forget_preferences(cache, background, user.id)
    await service.delete_trait(session, user.id, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/users/{user_id}/profile", responses=_ADMIN)
async def get_user_profile(user: TargetUser, session: SessionDep) -> ProfileOut:
    """A learner's profile (admin)."""
    return await service.get_profile(session, user.id)


@router.get("/admin/users/{user_id}/traits", responses=_ADMIN)
async def list_user_traits(user: TargetUser, session: SessionDep) -> list[TraitOut]:
    """A learner's traits, sorted by key (admin)."""
    return await service.list_traits(session, user.id)
