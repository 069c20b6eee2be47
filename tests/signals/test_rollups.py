"""Decay arithmetic, order independence, and rollups equal to a recomputation from raw events
(incremental table, and the user_signal_rollups view after `rollups refresh`)."""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.config.signals import SignalsConfig
from tailored.signals import decay, service
from tailored.signals.identity import learner_for_anonymous
from tailored.signals.schemas import Signal

T0 = datetime(2026, 10, 1, tzinfo=UTC)
KINDS = ["view", "complete", "bookmark", "share", "skip", "rate"]


def random_events(rng: random.Random, learners: list[str], n: int) -> list[Signal]:
    return [
        Signal(
            id=uuid.UUID(int=rng.getrandbits(128)).hex,
            learner=rng.choice(learners),
            type=rng.choice(KINDS),
            content_id=rng.choice(["a", "b", "c", "d#x"]),
            content_type=rng.choice(["chapter", "section"]),
            occurred_at=T0 + timedelta(minutes=rng.randrange(60 * 24 * 60)),
        )
        for _ in range(n)
    ]


class TestDecay:
    def test_a_weight_halves_every_half_life(self) -> None:
        stored = decay.scaled(8.0, T0, 10.0)
        assert math.isclose(decay.value_at(stored, T0, 10.0), 8.0)
        assert math.isclose(decay.value_at(stored, T0 + timedelta(days=10), 10.0), 4.0)
        assert math.isclose(decay.value_at(stored, T0 + timedelta(days=30), 10.0), 1.0)

    def test_thirty_years_of_events_stay_finite_at_the_default_half_life(self) -> None:
        far = decay.scaled(5.0, T0 + timedelta(days=365 * 30), SignalsConfig().half_life_days)
        assert math.isfinite(far)
        assert math.isfinite(far * 1e6)  # a million such events summed

    async def test_scores_do_not_depend_on_arrival_order(self, session: AsyncSession) -> None:
        config = SignalsConfig(view_collapse_seconds=0, half_life_days=3)
        rng = random.Random(7)
        one, two = (learner_for_anonymous("t", uuid.uuid4().hex) for _ in range(2))
        events = random_events(rng, [one], 60)
        shuffled = [Signal(**{**e.__dict__, "id": e.id + "-2", "learner": two}) for e in events]
        rng.shuffle(shuffled)
        for start in range(0, 60, 7):  # arriving in small batches, out of order
            await service.record_events(session, shuffled[start : start + 7], config=config)
        await service.record_events(session, events, config=config)
        now = T0 + timedelta(days=70)
        first = await service.item_scores(session, one, config=config, now=now)
        second = await service.item_scores(session, two, config=config, now=now)
        assert first.keys() == second.keys()
        for key, value in first.items():
            assert math.isclose(value, second[key], rel_tol=1e-9, abs_tol=1e-12)
            expected = sum(
                config.all_weights()[e.type]
                * 2 ** (-(now - e.occurred_at).total_seconds() / 86400 / 3)
                for e in events
                if e.content_id == key
            )
            assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)


class TestRollups:
    async def test_incremental_rollups_equal_a_recomputation(self, session: AsyncSession) -> None:
        config = SignalsConfig()  # views collapse: the recomputation sees only stored events
        rng = random.Random(11)
        learners = [learner_for_anonymous("r", uuid.uuid4().hex) for _ in range(4)]
        events = random_events(rng, learners, 400)
        for start in range(0, 400, 50):
            await service.record_events(session, events[start : start + 50], config=config)
        await service.record_events(session, events[:100], config=config)  # retries
        for learner in learners:
            incremental = {
                (r.content_type, r.signal_type): (r.count, round(r.total_weight, 6), r.last_seen)
                for r in await service.rollups(session, learner)
            }
            recomputed = {
                (r["content_type"], r["signal_type"]): (
                    r["count"],
                    round(float(r["total_weight"]), 6),
                    r["last_seen"],
                )
                for r in await service.recomputed_rollups(session, learner)
            }
            assert incremental == recomputed
            assert incremental

    async def test_the_dashboard_view_shows_the_same_figures_after_refresh(
        self, session: AsyncSession
    ) -> None:
        config = SignalsConfig(view_collapse_seconds=0)
        learner = learner_for_anonymous("v", uuid.uuid4().hex)
        await service.record_events(
            session, random_events(random.Random(3), [learner], 40), config=config
        )
        await service.refresh_rollup_view(session)
        view = {
            (r["content_type"], r["signal_type"]): (r["count"], round(float(r["total_weight"]), 6))
            for r in await service.rollup_view(session, learner)
        }
        table = {
            (r.content_type, r.signal_type): (r.count, round(r.total_weight, 6))
            for r in await service.rollups(session, learner)
        }
        assert view == table


@pytest.mark.parametrize("weights", [{"skip": -2.0}, {"skip": 0.0}])
async def test_negative_signals_never_count_as_popular(
    session: AsyncSession, weights: dict[str, float]
) -> None:
    config = SignalsConfig(weights=weights)
    content = f"pop-{uuid.uuid4().hex[:6]}"
    learner = learner_for_anonymous("p", uuid.uuid4().hex)
    await service.record_events(
        session,
        [
            Signal(
                id=uuid.uuid4().hex,
                learner=learner,
                type="skip",
                content_id=content,
                occurred_at=T0,
            )
        ],
        config=config,
    )
    assert content not in await service.popularity(session, config=config)
