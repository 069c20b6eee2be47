"""What the sources know about a learner, read through the signals service: completions,
skips, what was served lately, decayed scores and the learner's audience's popular list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.signals import SignalsConfig
from tailored.kit.db import transaction
from tailored.recommendations.sources import SEEDS, History, Popular
from tailored.signals import service as signals
from tailored.signals.schemas import Signal

# Popular items read per audience (the list is blended, then filtered by exclusions).
POPULAR_DEPTH = 100


async def read_history(
    session: AsyncSession, learner: str, *, config: SignalsConfig, served_within: timedelta
) -> History:
    completed = await signals.completed(session, learner)
    skipped = await signals.skipped(session, learner)
    served = await signals.recently_served(session, learner, within=served_within)
    scores = await signals.item_scores(session, learner, config=config)
    done = set(completed)
    engaged = [
        key
        for key, value in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if value > 0 and key not in done
    ]
    return History(
        completed=tuple(completed),
        engaged=tuple(engaged[: 2 * SEEDS]),
        skipped=frozenset(skipped),
        served=frozenset(served),
    )


async def audience_of_user(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    """The audience popularity is counted per; None for a learner without an account."""
    return None if user_id is None else await signals.audience_for(session, user_id)


async def read_popular(
    session: AsyncSession, audience: str | None, *, config: SignalsConfig
) -> Popular:
    """The audience's most popular items, or everyone's when the audience has none yet."""
    if audience is not None and audience != signals.ANYONE:
        found = await signals.popularity(
            session, config=config, audience=audience, limit=POPULAR_DEPTH
        )
        if found:
            return Popular(tuple(found.items()), audience=True)
    found = await signals.popularity(session, config=config, limit=POPULAR_DEPTH)
    return Popular(tuple(found.items()), audience=False)


async def record_served(
    maker: async_sessionmaker[AsyncSession],
    learner: str,
    content_ids: Sequence[str],
    *,
    config: SignalsConfig,
) -> None:
    """Remember what a learner was shown ("served" signals), so the next lists leave it out."""
    if not content_ids:
        return
    now = datetime.now(UTC)
    served = [
        Signal(
            id=f"served-{uuid.uuid4().hex}",
            learner=learner,
            type="served",
            occurred_at=now,
            content_id=key,
            content_type="section" if "#" in key else "chapter",
            source="internal",
        )
        for key in content_ids
    ]
    async with transaction(maker, write=True) as session:
        await signals.record_events(session, served, config=config)
