"""What the sources know about a learner, read through the signals service: completions,
skips, what was served lately, decayed scores and the learner's audience's popular list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.signals import SignalsConfig
from tailored.kit.db import transaction
from tailored.models import Profile
from tailored.profiles.schemas import ProfileData
from tailored.recommendations.sources import SEEDS, History, Popular
from tailored.signals import service as signals
from tailored.signals.identity import audience_of
from tailored.signals.schemas import Signal

# Popular items read per audience (the list is blended, then filtered by exclusions).
POPULAR_DEPTH = 100


async def read_history(session: AsyncSession, learner: str, *, served_within: timedelta) -> History:
    facts = await signals.learner_facts(
        session, learner, served_since=datetime.now(UTC) - served_within, engaged=4 * SEEDS
    )
    done = {*facts.completed, *facts.skipped}
    return History(
        completed=tuple(facts.completed),
        engaged=tuple(c for c in facts.engaged if c not in done)[: 2 * SEEDS],
        skipped=frozenset(facts.skipped),
        served=frozenset(facts.served),
    )


def audience_of_profile(profile: ProfileData | None) -> str | None:
    """The audience popularity is counted per (signals' own rule); None without an account."""
    if profile is None:
        return None
    row = Profile(software_level=profile.software_level, hardware_level=profile.hardware_level)
    return audience_of(row)


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
