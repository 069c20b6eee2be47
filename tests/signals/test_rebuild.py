"""Recomputing scores, rollups and popularity from the raw events after the weights or the
half-life change (`tailored rollups rebuild`), and noticing that they did."""

from __future__ import annotations

import math
import random
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from tailored.cli.main import app
from tailored.config.signals import SignalsConfig
from tailored.signals import rebuild, service
from tailored.signals.identity import learner_for_anonymous
from tailored.signals.schemas import RollupOut
from tests.signals.test_rollups import T0, random_events

NOW = T0 + timedelta(days=70)


def _close(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-9) for k in a)


def _rollups(rows: list[RollupOut]) -> list[tuple[str, str, int, float]]:
    return sorted((r.content_type, r.signal_type, r.count, round(r.total_weight, 6)) for r in rows)


async def _record(session: AsyncSession, config: SignalsConfig) -> list[str]:
    rng = random.Random(11)
    learners = [learner_for_anonymous("rb", uuid.uuid4().hex) for _ in range(3)]
    events = random_events(rng, learners, 90)
    await service.record_events(session, events, config=config)
    return learners


class TestRebuild:
    async def test_with_unchanged_settings_it_gives_back_the_incremental_figures(
        self, session: AsyncSession
    ) -> None:
        config = SignalsConfig(view_collapse_seconds=0)
        learners = await _record(session, config)
        before = {
            x: (
                await service.item_scores(session, x, config=config, now=NOW),
                _rollups(await service.rollups(session, x)),
            )
            for x in learners
        }
        popular = await service.popularity(session, config=config, now=NOW)
        assert await rebuild.check(session, config) is None
        done = await rebuild.rebuild(session, config)
        assert (done.events, done.reweighted) == (90, 0)
        for x in learners:
            scores, rollups = before[x]
            assert _close(await service.item_scores(session, x, config=config, now=NOW), scores)
            assert _rollups(await service.rollups(session, x)) == rollups
        assert _close(await service.popularity(session, config=config, now=NOW), popular)

    async def test_new_weights_and_half_life_are_noticed_and_applied_to_history(
        self, session: AsyncSession
    ) -> None:
        old = SignalsConfig(view_collapse_seconds=0)
        learners = await _record(session, old)
        assert await rebuild.check(session, old) is None  # recorded as the basis
        new = SignalsConfig(
            view_collapse_seconds=0, half_life_days=3, weights={"complete": 10.0, "view": 0.5}
        )
        problem = await rebuild.check(session, new)
        assert problem is not None
        assert "half_life_days" in problem
        assert "weights" in problem
        assert "tailored rollups rebuild" in problem

        done = await rebuild.rebuild(session, new)
        assert done.reweighted > 0
        assert await rebuild.check(session, new) is None
        weights = new.all_weights()
        for x in learners:
            events = await service.recent_events(session, x, limit=1000)
            expected: dict[str, float] = {}
            for e in events:
                age = (NOW - e.occurred_at).total_seconds() / 86400
                expected[e.content_id] = expected.get(e.content_id, 0.0) + weights[e.type] * 2 ** (
                    -age / 3
                )
            assert _close(await service.item_scores(session, x, config=new, now=NOW), expected)
            # Rollups follow the new weights and equal a recomputation from the events.
            recomputed = sorted(
                (r["content_type"], r["signal_type"], r["count"], round(r["total_weight"], 6))
                for r in await service.recomputed_rollups(session, x)
            )
            assert _rollups(await service.rollups(session, x)) == recomputed
            completes = [
                r for r in await service.rollups(session, x) if r.signal_type == "complete"
            ]
            assert all(r.total_weight == 10.0 * r.count for r in completes)


def test_the_cli_rebuilds_and_says_how_much(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/rb.db")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["rollups", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt from 0 events of 0 learners" in result.output
