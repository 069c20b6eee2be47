"""Where the test suites find PostgreSQL and Redis.

A suite that needs a service calls one of these. Without the service it skips with the reason,
unless TAILORED_REQUIRE_SERVICES=1 (set by .ci/run), where a missing service fails the run.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "TAILORED_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TAILORED_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("TAILORED_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _required() -> bool:
    return os.environ.get("TAILORED_REQUIRE_SERVICES", "") not in ("", "0", "false")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def _need(name: str, url: str, port: int) -> str:
    if _reachable(url, port):
        return url
    reason = f"{name} not reachable at {url}"
    if _required():
        pytest.fail(f"{reason} and TAILORED_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


def postgres_url() -> str:
    """An admin URL for the PostgreSQL server the suite may create databases on."""
    return _need("PostgreSQL", POSTGRES_URL, 5432)


def redis_url() -> str:
    return _need("Redis", REDIS_URL, 6379)


def nats_url() -> str:
    return _need("NATS", NATS_URL, 4222)
