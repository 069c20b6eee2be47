"""Recommendations for the API and other domains: what a learner should read next.

Every function takes the learner it acts for; the endpoints pass the token's owner (or, on the
admin and site routes, the learner the caller may name), so a request cannot ask for another
learner's list. Reads run on one connection without a transaction (`kit.db.reading`); what
was served is recorded after the response, in a short write of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config import Settings
from tailored.kit.cache import Cache
from tailored.kit.db import reading
from tailored.personalization import service as personalization
from tailored.recommendations.engine import Recommender
from tailored.recommendations.history import (
    audience_of_profile,
    read_history,
    read_popular,
    record_served,
)
from tailored.recommendations.schemas import RecommendationOut
from tailored.recommendations.sources import History, Interests, Popular
from tailored.signals.service import learner_for_user

__all__ = ["Recommender", "learner_for_user", "recommend", "record_served"]

# Longest content id an `exclude` entry may be (signals' content id column).
MAX_CONTENT_ID = 200


async def _learner_facts(
    session: AsyncSession,
    *,
    recommender: Recommender,
    settings: Settings,
    cache: Cache,
    learner: str,
    user_id: uuid.UUID | None,
) -> tuple[History, Interests, Popular]:
    config = settings.recommendations
    history = await read_history(
        session, learner, served_within=timedelta(seconds=config.served_window_seconds)
    )
    profile = None
    if user_id is not None:
        profile = await personalization.profile_data(session, cache, user_id)
    interests = Interests.from_profile(profile.model_dump(mode="json") if profile else None)
    audience = audience_of_profile(profile)
    slot = audience or "*"
    ranked = recommender.cached_popular(slot)
    if ranked is None:
        ranked = await read_popular(session, audience, config=settings.signals)
        recommender.remember_popular(slot, ranked, config.popular_ttl_seconds)
    return history, interests, ranked


async def recommend(
    recommender: Recommender,
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    cache: Cache,
    *,
    learner: str,
    user_id: uuid.UUID | None,
    n: int,
    exclude: Sequence[str] = (),
    session: AsyncSession | None = None,
) -> list[RecommendationOut]:
    """Up to `n` items for `learner` (the account `user_id`, when it is one, gives the profile
    and audience), each with the source that chose it and the reason in words. Reads in the
    request's `session` when it has one, else on a connection of its own (`kit.db.reading`)."""
    index = await recommender.index(maker, settings.recommendations)
    facts = partial(
        _learner_facts, recommender=recommender, settings=settings, cache=cache, learner=learner
    )
    if session is not None:
        history, interests, ranked = await facts(session, user_id=user_id)
    else:
        async with reading(maker) as own:
            history, interests, ranked = await facts(own, user_id=user_id)
    picks = recommender.recommend(
        index,
        settings.recommendations,
        history=history,
        interests=interests,
        ranked=ranked,
        exclude=exclude,
        n=n,
    )
    return [
        RecommendationOut(
            content_id=p.candidate.item.key,
            chapter_id=p.candidate.item.chapter_id,
            title=p.candidate.item.title,
            anchor=p.candidate.item.anchor,
            score=p.score,
            source=p.candidate.source,
            reason=p.candidate.reason,
        )
        for p in picks
    ]


async def remember_served(
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    learner: str,
    items: Sequence[RecommendationOut],
) -> None:
    """Record what was shown (run after the response: its write never delays the list)."""
    await record_served(maker, learner, [i.content_id for i in items], config=settings.signals)
