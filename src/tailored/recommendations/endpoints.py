from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query

from tailored.deps import CurrentUserBrief, StateDep, TargetUser
from tailored.errors import AdminRequired, NotAuthenticated, UserNotFound, error_responses
from tailored.recommendations import service
from tailored.recommendations.schemas import RecommendationOut, RecommendationsOut
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
    state: StateDep,
    tasks: BackgroundTasks,
    n: Count = 10,
    exclude: Exclude = None,
    remember: Annotated[bool, Query(description="Record the items as served.")] = False,
) -> RecommendationsOut:
    """What a learner should read next (admin); not recorded as served unless asked."""
    learner = service.learner_for_user(user.id)
    return await _answer(
        state, tasks, learner=learner, user_id=user.id, n=n, exclude=exclude, remember=remember
    )
