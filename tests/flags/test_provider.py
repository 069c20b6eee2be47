"""The in-process OpenFeature provider, through the OpenFeature SDK's own client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode

from tailored.flags import service
from tailored.flags.provider import TailoredProvider
from tailored.kit.db import transaction
from tailored.models import SoftwareLevel
from tailored.state import AppState
from tests.fixtures.accounts import create_user
from tests.fixtures.profiles import create_profile
from tests.flags.conftest import create_flag


@pytest.fixture
def domain(state: AppState) -> Iterator[str]:
    name = f"in-process-{uuid.uuid4().hex}"
    api.set_provider(TailoredProvider(state.flags, state.exposures), name)
    yield name
    api.clear_providers()


class TestTailoredProvider:
    async def test_evaluates_like_ofrep_and_records_the_exposure(
        self, state: AppState, client: httpx.AsyncClient, admin: dict[str, str], domain: str
    ) -> None:
        rule = {"when": [{"attribute": "software_level", "op": "in", "values": ["beginner"]}]}
        await create_flag(
            client,
            admin,
            key="llm-adapter",
            rules=[{**rule, "variant": "on"}],
            rollout={"on": 10, "off": 90},
        )
        user = await create_user(state)
        await create_profile(state, user_id=user.id, software_level=SoftwareLevel.beginner)
        async with transaction(state.sessionmaker) as session:
            attributes = await service.learner_context(session, user.id)
        of = api.get_client(domain)
        ctx = EvaluationContext(str(user.id), attributes)
        details = await of.get_boolean_details_async("llm-adapter", False, ctx)
        assert (details.value, details.reason, details.variant) == (True, "TARGETING_MATCH", "on")
        http = await client.post(
            "/ofrep/v1/evaluate/flags/llm-adapter",
            json={"context": {"targetingKey": "someone", "software_level": "advanced"}},
        )
        direct = await of.get_boolean_details_async(
            "llm-adapter", False, EvaluationContext("someone", {"software_level": "advanced"})
        )
        assert (direct.value, direct.variant) == (http.json()["value"], http.json()["variant"])
        assert state.exposures.pending == 1  # the learner; "someone" is no learner id

    async def test_errors_serve_the_callers_default(
        self, client: httpx.AsyncClient, admin: dict[str, str], state: AppState, domain: str
    ) -> None:
        await create_flag(client, admin, key="layout", kind="variant", variants={"a": "wide"})
        await state.flags.current()
        of = api.get_client(domain)
        missing = of.get_boolean_details("nope", True)
        assert (missing.value, missing.error_code) == (True, ErrorCode.FLAG_NOT_FOUND)
        wrong = of.get_boolean_details("layout", False)
        assert (wrong.value, wrong.error_code) == (False, ErrorCode.TYPE_MISMATCH)
        assert of.get_string_value("layout", "?") == "wide"
