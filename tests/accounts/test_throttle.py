"""Login throttling, on the in-memory cache and on Redis.

Lockouts last longer than any test takes, except where a test waits one out; those last a
fraction of a second, and the test waits for the lockout it set, it never times the code.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tailored.accounts.throttle import LoginThrottle
from tailored.config import Settings
from tailored.errors import TooManyAttempts
from tailored.kit.cache import Cache
from tests.accounts.conftest import ClientFactory
from tests.fixtures.accounts import DEFAULT_PASSWORD, create_user, unique_email

LEARNER_IP = "192.0.2.10"
ATTACKER_IP = "198.51.100.66"


def _throttle(cache: Cache, **overrides: Any) -> LoginThrottle:
    values: dict[str, Any] = {
        "login_max_failures": 3,
        "login_ip_max_failures": 4,
        "login_backoff_seconds": 30,
        "login_backoff_max_seconds": 60,
        **overrides,
    }
    return LoginThrottle(cache, Settings(**values))


async def guess(throttle: LoginThrottle, email: str, ip: str) -> float | None:
    """One wrong password: None if it was checked, else the wait it was refused with."""
    try:
        await throttle.attempt(email, ip)
    except TooManyAttempts as exc:
        return exc.retry_after
    await throttle.failed(email, ip)
    return None


async def log_in(throttle: LoginThrottle, email: str, ip: str) -> None:
    await throttle.attempt(email, ip)
    await throttle.succeeded(email, ip)


class TestLockout:
    async def test_after_the_limit_further_attempts_are_refused(self, any_cache: Cache) -> None:
        throttle = _throttle(any_cache)
        email = unique_email()
        waits = [await guess(throttle, email, LEARNER_IP) for _ in range(10)]
        assert waits[:3] == [None, None, None]
        assert all(w is not None and 0 < w <= 30 for w in waits[3:]), waits

    async def test_the_lockout_doubles_after_each_failure_up_to_the_cap(
        self, any_cache: Cache
    ) -> None:
        throttle = _throttle(any_cache, login_backoff_seconds=0.2, login_backoff_max_seconds=0.6)
        email = unique_email()
        for _ in range(3):
            await guess(throttle, email, LEARNER_IP)
        lockouts: list[float] = []
        for _ in range(4):
            wait = await guess(throttle, email, LEARNER_IP)
            assert wait is not None
            lockouts.append(wait)
            await asyncio.sleep(wait + 0.02)
            # Each lockout admits one checked attempt, whose failure starts the next.
            assert await guess(throttle, email, LEARNER_IP) is None
        first, second, third, fourth = lockouts
        assert 0 < first <= 0.2 < second <= 0.4 < third <= 0.6
        assert 0.4 < fourth <= 0.6

    async def test_a_success_resets_the_count_from_that_address(self, any_cache: Cache) -> None:
        throttle = _throttle(any_cache)
        email = unique_email()
        assert [await guess(throttle, email, LEARNER_IP) for _ in range(2)] == [None, None]
        await log_in(throttle, email, LEARNER_IP)
        assert [await guess(throttle, email, LEARNER_IP) for _ in range(3)] == [None] * 3
        assert await guess(throttle, email, LEARNER_IP) is not None


class TestLearnerProtection:
    async def test_guesses_from_elsewhere_do_not_lock_out_a_learner_who_logged_in_here(
        self, any_cache: Cache
    ) -> None:
        throttle = _throttle(any_cache)
        email = unique_email()
        await log_in(throttle, email, LEARNER_IP)
        attacker = [await guess(throttle, email, ATTACKER_IP) for _ in range(10)]
        assert attacker.count(None) == 3
        await log_in(throttle, email, LEARNER_IP)
        # An address the account has not logged in from is held back with the attacker.
        assert await guess(throttle, email, "203.0.113.5") is not None

    async def test_guesses_spread_over_addresses_lock_the_account(self, any_cache: Cache) -> None:
        throttle = _throttle(any_cache)
        email = unique_email()
        spread = [await guess(throttle, email, f"203.0.113.{i}") for i in range(1, 5)]
        assert spread[:3] == [None, None, None]
        assert spread[3] is not None


class TestPerAddress:
    async def test_one_address_guessing_across_accounts_is_refused(self, any_cache: Cache) -> None:
        throttle = _throttle(any_cache)
        sprayed = [await guess(throttle, unique_email(), ATTACKER_IP) for _ in range(4)]
        assert sprayed == [None] * 4
        assert await guess(throttle, unique_email(), ATTACKER_IP) is not None
        assert await guess(throttle, unique_email(), LEARNER_IP) is None


class TestConcurrency:
    async def test_a_burst_of_guesses_gets_no_more_checks_than_the_limit(
        self, any_cache: Cache
    ) -> None:
        throttle = _throttle(any_cache)
        email = unique_email()
        waits = await asyncio.gather(*(guess(throttle, email, ATTACKER_IP) for _ in range(40)))
        assert waits.count(None) == 3

    async def test_a_lockout_holds_for_another_process(
        self, any_cache: Cache, other_process_cache: Cache
    ) -> None:
        here, there = _throttle(any_cache), _throttle(other_process_cache)
        email = unique_email()
        for _ in range(3):
            await guess(here, email, ATTACKER_IP)
        assert await guess(there, email, ATTACKER_IP) is not None


class TestLoginEndpoint:
    async def test_wrong_passwords_in_a_row_end_in_429_even_for_the_right_one(
        self, client_with: ClientFactory, any_cache: Cache
    ) -> None:
        # A lockout that cannot run out during the 230 requests, however slow the machine.
        async with client_with(cache=any_cache, login_backoff_seconds=60) as (client, state):
            user = await create_user(state)
            statuses = [
                (
                    await client.post(
                        "/api/auth/login", json={"email": user.email, "password": f"wrong {i}"}
                    )
                ).status_code
                for i in range(230)
            ]
            right = await client.post(
                "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
            )
        assert statuses[:5] == [401] * 5
        assert set(statuses[5:]) == {429}
        assert right.status_code == 429
        retry_after = right.headers["Retry-After"]
        assert 0 < int(retry_after) <= 60
        assert right.json() == {
            "error": "TooManyAttempts",
            "detail": f"too many failed logins; try again in {retry_after} s",
        }

    async def test_the_right_password_works_once_the_lockout_ends(
        self, client_with: ClientFactory, any_cache: Cache
    ) -> None:
        async with client_with(cache=any_cache, login_backoff_seconds=1.0) as (client, state):
            user = await create_user(state)
            for _ in range(5):
                await client.post(
                    "/api/auth/login", json={"email": user.email, "password": "wrong password"}
                )
            payload = {"email": user.email, "password": DEFAULT_PASSWORD}
            assert (await client.post("/api/auth/login", json=payload)).status_code == 429
            await asyncio.sleep(1.05)
            assert (await client.post("/api/auth/login", json=payload)).status_code == 200

    async def test_openapi_declares_the_429_and_its_retry_after(
        self, client_with: ClientFactory
    ) -> None:
        async with client_with() as (client, _state):
            spec = (await client.get("/openapi.json")).json()
        responses = spec["paths"]["/api/auth/login"]["post"]["responses"]
        assert responses["429"]["description"] == "TooManyAttempts"
        assert responses["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
