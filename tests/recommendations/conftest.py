"""The recommendation API runs on each database and on each cache backend (the token and
profile reads of the hot route go through the cache)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tailored.kit.cache import Cache, create_cache
from tests.services import redis_url


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    namespace = f"recs-{uuid.uuid4().hex}"
    url = "memory://" if request.param == "memory" else redis_url()
    found = create_cache(url, namespace=namespace)
    try:
        yield found
    finally:
        await found.delete_prefix("")
        await found.close()
