"""Learner events: POST /api/events (a learner's own, or a site's for its users) and what a
learner reads back about themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends
from pydantic import ValidationError

from tailored.accounts import service as accounts
from tailored.deps import CacheDep, CurrentUser, MaybeBearer, SessionDep, SettingsDep
from tailored.errors import NotAuthenticated, UnprocessableInput, error_responses
from tailored.kit.paging import Limit, Offset
from tailored.models import User
from tailored.models.base import utcnow
from tailored.signals import intake, keys, service
from tailored.signals.identity import learner_for_user
from tailored.signals.keys import InvalidSiteKey, Site
from tailored.signals.schemas import (
    EventBatch,
    EventIn,
    IngestOut,
    ItemError,
    ProgressOut,
    RollupOut,
    ScoreOut,
    Signal,
)

router = APIRouter(prefix="/api", tags=["signals"])

# Clocks disagree a little; an event further in the future than this is refused.
FUTURE_SLACK = timedelta(minutes=5)


class BatchTooLarge(UnprocessableInput):
    pass


@dataclass(frozen=True)
class Sender:
    """Who sends: a learner with their token, or a site with its API key."""

    user: User | None = None
    site: Site | None = None


async def get_sender(
    session: SessionDep, settings: SettingsDep, cache: CacheDep, credentials: MaybeBearer
) -> Sender:
    if credentials is None:
        raise NotAuthenticated()
    token = credentials.credentials
    if keys.looks_like_site_key(token):
        return Sender(site=await keys.site_for_key(session, cache, token))
    return Sender(user=await accounts.user_for_token(session, settings, cache, token))


SenderDep = Annotated[Sender, Depends(get_sender)]


def _problem(loc: str, msg: str) -> list[dict[str, Any]]:
    return [{"type": "value_error", "loc": [loc], "msg": msg}]


def _check(
    item: EventIn, sender: Sender, weights: dict[str, float], latest: datetime
) -> list[dict[str, Any]]:
    if item.type not in weights:
        return _problem("type", f"unknown event type; one of {sorted(weights)}")
    if item.occurred_at > latest:
        return _problem("occurred_at", "in the future")
    if sender.user is not None and (item.user_id or item.anonymous_id):
        return _problem("user_id", "a learner sends their own events: leave user ids out")
    if sender.site is not None and not (item.user_id or item.anonymous_id):
        return _problem("user_id", "a site names its user: user_id or anonymous_id")
    return []


@router.post(
    "/events",
    responses=error_responses(NotAuthenticated, InvalidSiteKey, BatchTooLarge),
)
async def post_events(
    body: EventBatch,
    sender: SenderDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    background: BackgroundTasks,
) -> IngestOut:
    """Store a batch of learner events (a learner's bearer token, or a site's API key as the
    bearer token with user_id / anonymous_id on each item). Each item is checked on its own:
    bad ones come back in `errors` by index, the rest are stored; ids already stored count as
    duplicates."""
    config = settings.signals
    if len(body.events) > config.max_batch:
        raise BatchTooLarge(f"at most {config.max_batch} events per batch")
    weights = config.all_weights()
    errors: list[ItemError] = []
    valid: list[tuple[int, EventIn]] = []
    latest = utcnow() + FUTURE_SLACK
    for index, raw in enumerate(body.events):
        try:
            item = EventIn.model_validate(raw)
        except ValidationError as exc:
            detail = exc.errors(include_url=False, include_input=False, include_context=False)
            errors.append(ItemError(index=index, detail=detail))
            continue
        if problems := _check(item, sender, weights, latest):
            errors.append(ItemError(index=index, detail=problems))
        else:
            valid.append((index, item))
    if sender.site is not None:
        refs = [(item.user_id, item.anonymous_id) for _, item in valid]
        learners = await intake.site_learners(session, sender.site, refs)
    else:
        assert sender.user is not None
        learners = [learner_for_user(sender.user.id)] * len(valid)
    named = [item.content_id for _, item in valid if item.content_id]
    known = await intake.known_content(session, named)
    signals: list[Signal] = []
    for (index, item), learner in zip(valid, learners, strict=True):
        if item.content_id and item.content_id not in known:
            errors.append(ItemError(index=index, detail=_problem("content_id", "no such content")))
            continue
        signals.append(
            Signal(
                id=item.id,
                learner=learner,
                type=item.type,
                occurred_at=item.occurred_at,
                content_id=known[item.content_id] if item.content_id else None,
                content_type=item.content_type,
                session_id=item.session_id,
                metadata=item.metadata,
            )
        )
    accepted = await intake.accept(session, cache, config, signals)
    background.add_task(accepted.finish)
    result = accepted.result
    return IngestOut(
        inserted=result.inserted,
        duplicates=result.duplicates,
        collapsed=result.collapsed,
        errors=sorted(errors, key=lambda e: e.index),
    )


_ME = error_responses(NotAuthenticated)


@router.get("/me/progress", responses=_ME)
async def my_progress(user: CurrentUser, session: SessionDep) -> ProgressOut:
    """What I completed (most recent first) and the content I viewed last."""
    return await service.progress(session, learner_for_user(user.id))


@router.get("/me/signals/scores", responses=_ME)
async def my_scores(
    user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> list[ScoreOut]:
    """My decayed score per item, from my own events only."""
    return await service.score_details(session, learner_for_user(user.id), config=settings.signals)


@router.get("/me/signals/rollups", responses=_ME)
async def my_rollups(user: CurrentUser, session: SessionDep) -> list[RollupOut]:
    """My events counted per content type and signal type."""
    return await service.rollups(session, learner_for_user(user.id))


@router.get("/me/events", responses=_ME)
async def my_events(
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """My events, newest first."""
    learner = learner_for_user(user.id)
    rows = await service.recent_events(session, learner, limit=limit, offset=offset)
    return [
        {
            "id": e.id,
            "type": e.type,
            "content_id": e.content_id,
            "content_type": e.content_type,
            "occurred_at": e.occurred_at.isoformat(),
            "session_id": e.session_id,
            "metadata": e.meta,
        }
        for e in rows
    ]
