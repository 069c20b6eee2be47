from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.deps import CurrentUserBrief, SessionDep, StateDep, TargetUser
from tailored.errors import (
    AdminRequired,
    Forbidden,
    NotAuthenticated,
    UserNotFound,
    error_responses,
)
from tailored.recommendations import service
from tailored.recommendations.schemas import RecommendationOut, RecommendationsOut
from tailored.signals.endpoints import SenderDep
from tailored.signals.identity import user_of
from tailored.signals.intake import site_learners
from tailored.signals.keys import InvalidSiteKey
from tailored.state import AppState

router = APIRouter(prefix="/api", tags=["recommendations"])

MAX_ITEMS = 50
MAX_EXCLUDED = 200

Count = Annotated[int, Query(ge=1, le=MAX_ITEMS, description="How many items, at most.")]
Exclude = Annotated[
    list[Annotated[str, Query(max_length=service.MAX_CONTENT_ID)]] | None,
    Query(
        max_length=MAX_EXCLUDED,
        description="Content ids to leave out (repeat the parameter, or separate by commas); "
        "a chapter id leaves out its sections too.",
    ),
]
Remember = Annotated[
    bool,
    Query(description="Record the items as served, so the next lists leave them out a while."),
]


class SiteKeyRequired(Forbidden):
    @classmethod
    def default_detail(cls) -> str:
        return "this route takes a site API key (Authorization: Bearer tk_...)"


def _split(exclude: list[str]) -> list[str]:
    return [part.strip() for value in exclude for part in value.split(",") if part.strip()]


async def _answer(
    state: AppState,
    tasks: BackgroundTasks,
    *,
    learner: str,
    user_id: uuid.UUID | None,
    n: int,
    exclude: list[str] | None,
    remember: bool,
    session: AsyncSession | None = None,
) -> RecommendationsOut:
    items: list[RecommendationOut] = await service.recommend(
        state.recommender,
        state.sessionmaker,
        state.settings,
        state.cache,
        learner=learner,
        user_id=user_id,
        n=n,
        exclude=_split(exclude or []),
        session=session,
    )
    if remember and items:
        tasks.add_task(service.remember_served, state.sessionmaker, state.settings, learner, items)
    return RecommendationsOut(items=items)


@router.get(
    "/me/recommendations",
    response_model=RecommendationsOut,
    responses=error_responses(NotAuthenticated),
)
async def my_recommendations(
    user: CurrentUserBrief,
    state: StateDep,
    tasks: BackgroundTasks,
    n: Count = 10,
    exclude: Exclude = None,
    remember: Remember = True,
) -> RecommendationsOut:
    """What I should read next, each item with the reason it was chosen."""
    learner = service.learner_for_user(user.id)
    return await _answer(
        state, tasks, learner=learner, user_id=user.id, n=n, exclude=exclude, remember=remember
    )


@router.get(
    "/admin/users/{user_id}/recommendations",
    response_model=RecommendationsOut,
    responses=error_responses(NotAuthenticated, AdminRequired, UserNotFound),
)
async def user_recommendations(
    user: TargetUser,
    session: SessionDep,
    state: StateDep,
    tasks: BackgroundTasks,
    n: Count = 10,
    exclude: Exclude = None,
    remember: Annotated[bool, Query(description="Record the items as served.")] = False,
) -> RecommendationsOut:
    """What a learner should read next (admin); not recorded as served unless asked."""
    learner = service.learner_for_user(user.id)
    return await _answer(
        state,
        tasks,
        learner=learner,
        user_id=user.id,
        n=n,
        exclude=exclude,
        remember=remember,
        session=session,
    )


@router.get(
    "/site/users/{user_id}/recommendations",
    response_model=RecommendationsOut,
    responses=error_responses(NotAuthenticated, InvalidSiteKey, SiteKeyRequired),
)
async def site_user_recommendations(
    user_id: Annotated[str, Path(min_length=1, max_length=128)],
    sender: SenderDep,
    session: SessionDep,
    state: StateDep,
    tasks: BackgroundTasks,
    n: Count = 10,
    exclude: Exclude = None,
    remember: Remember = True,
) -> RecommendationsOut:
    """What one of my site's users should read next (site API key as the bearer token); the
    user is named as in the site's events (a Tailored account id names that account)."""
    if sender.site is None:
        raise SiteKeyRequired()
    (learner,) = await site_learners(session, sender.site, [(user_id, None)])
    return await _answer(
        state,
        tasks,
        learner=learner,
        user_id=user_of(learner),
        n=n,
        exclude=exclude,
        remember=remember,
        session=session,
    )
