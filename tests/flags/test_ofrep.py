"""OFREP over a real server, evaluated by OpenFeature's own OFREP provider (openfeature-sdk +
openfeature-provider-ofrep from PyPI): sticky splits, targeting on the stored profile, the kill
switch, errors the provider understands, and the bulk endpoint's ETag."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode

from tailored.models import SoftwareLevel
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_profile, create_trait
from tests.flags.conftest import create_flag


@pytest.fixture
def domains() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    api.clear_providers()


def of_client(
    base_url: str, domains: list[str], headers: dict[str, str] | None = None
) -> OpenFeatureClient:
    domain = f"t-{uuid.uuid4().hex}"
    domains.append(domain)
    provider = OFREPProvider(base_url, headers_factory=(lambda: dict(headers)) if headers else None)
    api.set_provider(provider, domain)
    return api.get_client(domain)


async def boolean(client: OpenFeatureClient, key: str, ctx: EvaluationContext | None) -> Any:
    return await asyncio.to_thread(client.get_boolean_details, key, False, ctx)


class TestSingleEvaluation:
    async def test_a_rollout_is_sticky_per_learner_and_near_its_share(
        self, client: httpx.AsyncClient, admin: dict[str, str], base_url: str, domains: list[str]
    ) -> None:
        await create_flag(client, admin, key="new-reader", rollout={"on": 30, "off": 70})
        of = of_client(base_url, domains)
        keys = [str(uuid.uuid4()) for _ in range(300)]
        first = [await boolean(of, "new-reader", EvaluationContext(k)) for k in keys]
        again = [await boolean(of, "new-reader", EvaluationContext(k)) for k in keys]
        assert [d.value for d in first] == [d.value for d in again]
        assert all(d.reason == "SPLIT" and d.variant in ("on", "off") for d in first)
        share = sum(d.value for d in first) / len(keys)
        assert 0.2 < share < 0.4  # 300 draws: the ±2 % figure is bench/bench_flags.py's

    async def test_targeting_reads_the_signed_in_learners_profile_and_traits(
        self,
        state: AppState,
        client: httpx.AsyncClient,
        admin: dict[str, str],
        base_url: str,
        domains: list[str],
    ) -> None:
        rules = [
            {
                "when": [{"attribute": "software_level", "op": "in", "values": ["beginner"]}],
                "variant": "gentle",
            },
            {
                "when": [{"attribute": "traits.pace", "op": "in", "values": ["fast"]}],
                "variant": "dense",
            },
        ]
        await create_flag(
            client,
            admin,
            key="intro-style",
            kind="variant",
            variants={"plain": "plain", "gentle": "gentle", "dense": "dense"},
            default_variant="plain",
            rules=rules,
        )
        beginner, beginner_auth = await create_logged_in_user(state, client)
        await create_profile(state, user_id=beginner.id, software_level=SoftwareLevel.beginner)
        fast, fast_auth = await create_logged_in_user(state, client)
        await create_profile(state, user_id=fast.id, software_level=SoftwareLevel.advanced)
        await create_trait(state, user_id=fast.id, key="pace", value="fast")
        _other, other_auth = await create_logged_in_user(state, client)

        async def style(auth: dict[str, str], ctx: EvaluationContext | None = None) -> Any:
            of = of_client(base_url, domains, auth)
            return await asyncio.to_thread(of.get_string_details, "intro-style", "?", ctx)

        gentle = await style(beginner_auth)
        assert (gentle.value, gentle.reason) == ("gentle", "TARGETING_MATCH")
        assert (await style(fast_auth)).value == "dense"
        assert (await style(other_auth)).value == "plain"
        # A learner cannot borrow another's identity or claim attributes their profile lacks.
        claimed = EvaluationContext(str(beginner.id), {"software_level": "beginner"})
        assert (await style(fast_auth, claimed)).value == "dense"
        # Without a token the context alone counts.
        anonymous = EvaluationContext("visitor-1", {"software_level": "beginner"})
        assert (await style({}, anonymous)).value == "gentle"

    async def test_the_kill_switch_turns_a_flag_off_for_everyone_at_once(
        self, client: httpx.AsyncClient, admin: dict[str, str], base_url: str, domains: list[str]
    ) -> None:
        await create_flag(client, admin, key="llm-adapter", rollout={"on": 100, "off": 0})
        of = of_client(base_url, domains)
        ctx = EvaluationContext("learner-7")
        assert (await boolean(of, "llm-adapter", ctx)).value is True
        killed = await client.patch(
            "/api/admin/flags/llm-adapter", json={"enabled": False}, headers=admin
        )
        assert killed.json()["version"] == 2
        off = await boolean(of, "llm-adapter", ctx)
        assert (off.value, off.reason, off.variant) == (False, "DISABLED", "off")

    async def test_errors_reach_the_provider_as_openfeature_error_codes(
        self, client: httpx.AsyncClient, admin: dict[str, str], base_url: str, domains: list[str]
    ) -> None:
        await create_flag(client, admin, key="split", rollout={"on": 50, "off": 50})
        of = of_client(base_url, domains)
        missing = await boolean(of, "no-such-flag", EvaluationContext("k"))
        assert (missing.value, missing.error_code) == (False, ErrorCode.FLAG_NOT_FOUND)
        keyless = await boolean(of, "split", None)
        assert (keyless.value, keyless.error_code) == (False, ErrorCode.TARGETING_KEY_MISSING)

    async def test_error_bodies_follow_the_spec(self, client: httpx.AsyncClient) -> None:
        bad = await client.post("/ofrep/v1/evaluate/flags/x", content=b"{nope")
        assert bad.status_code == 400
        assert bad.json()["errorCode"] == "PARSE_ERROR"
        bad = await client.post("/ofrep/v1/evaluate/flags/x", json={"context": [1]})
        assert bad.status_code == 400
        assert bad.json()["errorCode"] == "INVALID_CONTEXT"
        gone = await client.post("/ofrep/v1/evaluate/flags/x", json={})
        assert gone.status_code == 404
        assert gone.json() == {
            "key": "x",
            "errorCode": "FLAG_NOT_FOUND",
            "errorDetails": "no flag 'x'",
        }


class TestBulkEvaluation:
    async def test_every_flag_with_an_etag_and_304_when_unchanged(
        self, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        await create_flag(client, admin, key="a-flag")
        await create_flag(client, admin, key="b-split", rollout={"on": 50, "off": 50})
        body = {"context": {"targetingKey": "learner-1"}}
        first = await client.post("/ofrep/v1/evaluate/flags", json=body)
        assert first.status_code == 200
        flags = {f["key"]: f for f in first.json()["flags"]}
        assert flags["a-flag"] == {
            "key": "a-flag",
            "value": False,
            "variant": "off",
            "reason": "DEFAULT",
            "metadata": {"version": 1},
        }
        assert flags["b-split"]["reason"] == "SPLIT"
        tag = first.headers["etag"]
        same = await client.post(
            "/ofrep/v1/evaluate/flags", json=body, headers={"If-None-Match": tag}
        )
        assert same.status_code == 304
        await client.patch("/api/admin/flags/a-flag", json={"default_variant": "on"}, headers=admin)
        changed = await client.post(
            "/ofrep/v1/evaluate/flags", json=body, headers={"If-None-Match": tag}
        )
        assert changed.status_code == 200
        assert changed.headers["etag"] != tag

    async def test_a_split_without_a_key_fails_alone(
        self, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        await create_flag(client, admin, key="plain")
        await create_flag(client, admin, key="split", rollout={"on": 50, "off": 50})
        flags = {
            f["key"]: f for f in (await client.post("/ofrep/v1/evaluate/flags")).json()["flags"]
        }
        assert flags["plain"]["value"] is False
        assert flags["split"]["errorCode"] == "TARGETING_KEY_MISSING"


class TestConfiguration:
    async def test_providers_learn_the_polling_floor_and_types(
        self, client: httpx.AsyncClient
    ) -> None:
        body = (await client.get("/ofrep/v1/configuration")).json()
        assert body["name"] == "tailored"
        polling = body["capabilities"]["cacheInvalidation"]["polling"]
        assert polling == {"enabled": True, "minPollingIntervalMs": 2000}
        assert "boolean" in body["capabilities"]["flagEvaluation"]["supportedTypes"]
