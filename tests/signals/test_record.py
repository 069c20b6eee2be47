"""Storing events through the service: dedup, view collapsing, scores, rollups, outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.config.signals import SignalsConfig
from tailored.models import Outbox
from tailored.signals import service
from tailored.signals.identity import learner_for_anonymous
from tailored.signals.schemas import Signal

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def sig(learner: str, kind: str, content: str | None, at: datetime, sid: str = "") -> Signal:
    return Signal(
        id=sid or uuid.uuid4().hex,
        learner=learner,
        type=kind,
        content_id=content,
        occurred_at=at,
    )


class TestRecord:
    async def test_repeats_are_duplicates_and_write_no_second_outbox_row(
        self, session: AsyncSession
    ) -> None:
        config = SignalsConfig()
        learner = learner_for_anonymous("k1", uuid.uuid4().hex)
        first = sig(learner, "complete", "intro", T0, "ev-1-" + uuid.uuid4().hex)
        result = await service.record_events(session, [first, first], config=config)
        assert (result.inserted, result.duplicates) == (1, 1)
        again = await service.record_events(session, [first], config=config)
        assert (again.inserted, again.duplicates) == (0, 1)
        count = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.learner_key == learner)
        )
        assert count == 1
        assert await service.completed(session, learner) == ["intro"]

    async def test_a_retried_view_is_a_duplicate_not_a_collapsed_view(
        self, session: AsyncSession
    ) -> None:
        """Without the cache's dedup set (this path never asks it), the stored view is within
        the window of its own retry: it must still count as the duplicate it is."""
        config = SignalsConfig(view_collapse_seconds=600)
        learner = learner_for_anonymous("k1", uuid.uuid4().hex)
        view = sig(learner, "view", "intro", T0)
        assert (await service.record_events(session, [view], config=config)).inserted == 1
        again = await service.record_events(session, [view], config=config)
        assert (again.inserted, again.duplicates, again.collapsed) == (0, 1, 0)
        near = sig(learner, "view", "intro", T0 + timedelta(minutes=3))
        other = await service.record_events(session, [view, near], config=config)
        assert (other.inserted, other.duplicates, other.collapsed) == (0, 1, 1)

    async def test_views_within_the_window_collapse_in_any_order(
        self, session: AsyncSession
    ) -> None:
        config = SignalsConfig(view_collapse_seconds=600)
        learner = learner_for_anonymous("k1", uuid.uuid4().hex)
        views = [sig(learner, "view", "intro", T0 + timedelta(minutes=m)) for m in (9, 0, 5, 20)]
        result = await service.record_events(session, views, config=config)
        # 0 kept; 5 and 9 within 10 minutes of it; 20 kept.
        assert (result.inserted, result.collapsed) == (2, 2)
        later = await service.record_events(
            session, [sig(learner, "view", "intro", T0 + timedelta(minutes=25))], config=config
        )
        assert later.collapsed == 1

    async def test_scores_decay_by_half_each_half_life(self, session: AsyncSession) -> None:
        config = SignalsConfig(half_life_days=7, view_collapse_seconds=0)
        learner = learner_for_anonymous("k1", uuid.uuid4().hex)
        await service.record_events(
            session,
            [
                sig(learner, "complete", "a", T0),
                sig(learner, "view", "a", T0 - timedelta(days=7)),
            ],
            config=config,
        )
        scores = await service.item_scores(session, learner, config=config, now=T0)
        assert abs(scores["a"] - (5.0 + 0.5)) < 1e-9
        later = await service.item_scores(
            session, learner, config=config, now=T0 + timedelta(days=14)
        )
        assert abs(later["a"] - 5.5 / 4) < 1e-9
