"""Exposures are recorded as signals once per learner and variant; the experiment report counts
outcome signals after exposure, per variant; only admins read it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tailored.kit.db import transaction
from tailored.signals import keys
from tailored.signals import service as signals
from tailored.signals.schemas import Signal
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.flags.conftest import create_flag


async def record(state: AppState, *items: Signal) -> None:
    async with transaction(state.sessionmaker, write=True) as session:
        await signals.record_events(session, list(items), config=state.settings.signals)


def outcome(learner: str, kind: str, n: int, **meta: object) -> Signal:
    at = datetime.now(UTC) + timedelta(seconds=5 + n)
    return Signal(
        id=f"{learner}-{kind}-{n}",
        learner=learner,
        type=kind,
        occurred_at=at,
        content_id=f"ch-{n}",
        metadata=dict(meta),
    )


class TestExposures:
    async def test_an_evaluation_records_one_exposure_signal_per_learner_and_variant(
        self, state: AppState, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        await create_flag(client, admin, key="reader-v2", rollout={"on": 100, "off": 0})
        user, auth = await create_logged_in_user(state, client)
        for _ in range(3):
            response = await client.post("/ofrep/v1/evaluate/flags/reader-v2", headers=auth)
            assert response.json()["value"] is True
        assert await state.exposures.flush() == 1
        async with transaction(state.sessionmaker) as session:
            events = await signals.recent_events(session, str(user.id))
        exposures = [e for e in events if e.type == "exposure"]
        assert len(exposures) == 1
        assert exposures[0].meta == {"flag": "reader-v2", "variant": "on", "version": 1}
        # Anonymous evaluations name no learner: nothing is recorded.
        await client.post(
            "/ofrep/v1/evaluate/flags/reader-v2", json={"context": {"targetingKey": "v-1"}}
        )
        assert state.exposures.pending == 0


class TestExperimentReport:
    async def test_outcomes_after_exposure_are_counted_per_variant(
        self, state: AppState, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        await create_flag(client, admin, key="exp", rollout={"on": 50, "off": 50})
        learners = {}
        for _ in range(8):
            user, auth = await create_logged_in_user(state, client)
            body = (await client.post("/ofrep/v1/evaluate/flags/exp", headers=auth)).json()
            learners[str(user.id)] = body["variant"]
        await state.exposures.flush()
        # Before exposure: not counted.
        early = next(iter(learners))
        await record(
            state,
            Signal(
                id="early",
                learner=early,
                type="complete",
                occurred_at=datetime.now(UTC) - timedelta(hours=1),
                content_id="old",
            ),
        )
        expected: dict[str, dict[str, float]] = {}
        for i, (learner, variant) in enumerate(learners.items()):
            want = expected.setdefault(variant, {"learners": 0, "completions": 0, "bookmarks": 0})
            want["learners"] += 1
            events = [outcome(learner, "view", i, seconds=60 + i)]
            if i % 2 == 0:
                events.append(outcome(learner, "complete", i))
                want["completions"] += 1
            if i % 3 == 0:
                events.append(outcome(learner, "bookmark", i))
                want["bookmarks"] += 1
            await record(state, *events)
        report = await client.get("/api/admin/experiments/exp", headers=admin)
        assert report.status_code == 200, report.text
        got = {v["variant"]: v for v in report.json()["variants"]}
        assert set(got) == set(expected)
        for variant, want in expected.items():
            assert got[variant]["learners"] == want["learners"]
            assert got[variant]["completions"] == want["completions"]
            assert got[variant]["bookmarks"] == want["bookmarks"]
            assert got[variant]["completion_rate"] == want["completions"] / want["learners"]
            assert got[variant]["avg_seconds_on_chapter"] is not None

    async def test_learners_cannot_read_it_and_unknown_flags_are_404(
        self, state: AppState, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        _user, auth = await create_logged_in_user(state, client)
        assert (await client.get("/api/admin/experiments/x", headers=auth)).status_code == 403
        missing = await client.get("/api/admin/experiments/x", headers=admin)
        assert missing.status_code == 404
        assert missing.json()["error"] == "FlagNotFound"


class TestSiteKeys:
    async def test_a_site_evaluates_for_its_users_and_their_exposures_are_recorded(
        self, state: AppState, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        await create_flag(client, admin, key="site-flag", rollout={"on": 100, "off": 0})
        async with transaction(state.sessionmaker, write=True) as session:
            site, key = await keys.create_key(session, f"site-{uuid.uuid4().hex[:6]}")
        body = {"context": {"targetingKey": "user-42"}}
        answer = await client.post(
            "/ofrep/v1/evaluate/flags/site-flag", json=body, headers={"X-API-Key": key}
        )
        assert answer.json()["value"] is True
        assert await state.exposures.flush() == 1
        learner = f"s:{site.prefix}:user-42"
        async with transaction(state.sessionmaker) as session:
            events = await signals.recent_events(session, learner)
        assert [e.type for e in events] == ["exposure"]
        refused = await client.post(
            "/ofrep/v1/evaluate/flags/site-flag", json=body, headers={"X-API-Key": "tk_x_nope"}
        )
        assert refused.status_code == 401
