"""Login throttling: failed logins back off per account, per (account, IP) and per IP.

Built on the app's `Cache` rather than the `limits` library: limits counts hits in fixed or
moving windows, while a login needs a failure count that a success resets and a lockout that
doubles with each further failure up to a cap. That is a few `incr`/`expire`/`set` calls on the
cache the app already holds (memory:// in one process, Redis shared by all of them, namespaced,
held to one contract suite); limits would add a second Redis client and key scheme for less.

Three counters, each with a lockout that starts when it reaches its limit (login_backoff_seconds,
doubling with each further failure, at most login_backoff_max_seconds):

- the account from this IP address: `login_max_failures`; a success from here resets it;
- the account from anywhere: the same limit, so spreading guesses over addresses gains nothing;
- the IP address across accounts: `login_ip_max_failures`, against password spraying.

While a lockout runs, attempts get 429 with Retry-After, unchecked and uncounted. The first two
counters count an attempt before its password is checked (a success takes it back), and past
the limit each lockout admits one checked attempt, taken with an atomic set-if-absent: a burst
of concurrent guesses gets no more checks than one guess at a time would. An (account, IP) pair
that has logged in is trusted for 30 days: the account's and the address's lockouts do not
apply to it, only its own, so an attacker elsewhere slows guessing but cannot lock the learner
out.
"""

from __future__ import annotations

import hashlib

from tailored.config import Settings
from tailored.errors import TooManyAttempts
from tailored.kit.cache import Cache

TRUSTED_SECONDS = 30 * 24 * 3600.0
# Under its limit a counter is forgotten this long after its first failure; over it, this long
# after its last, so the backoff keeps growing while the failures go on.
FORGET_SECONDS = 15 * 60.0


class LoginThrottle:
    def __init__(self, cache: Cache, settings: Settings) -> None:
        self.cache = cache
        self.limit = settings.login_max_failures
        self.ip_limit = settings.login_ip_max_failures
        self.first = settings.login_backoff_seconds
        self.longest = settings.login_backoff_max_seconds
        self.forget = max(FORGET_SECONDS, 2 * self.longest)

    async def attempt(self, email: str, ip: str) -> None:
        """Count a login attempt, or raise `TooManyAttempts` while a lockout applies."""
        pair, account, address = _keys(email, ip)
        trusted = await self.cache.get(f"{pair}:trusted") is not None
        await self._refuse_while_locked([pair] if trusted else [pair, account, address])
        enforced = (pair,) if trusted else (pair, account)
        counted: list[str] = []
        for key in (pair, account):
            failures = await self.cache.incr(f"{key}:n", ttl=self.forget)
            counted.append(key)
            if failures < self.limit:
                continue
            await self.cache.expire(f"{key}:n", self.forget)
            lockout = self.backoff(failures - self.limit)
            if key in enforced and not await self.cache.set_if_absent(
                f"{key}:lock", b"1", ttl=lockout
            ):
                # A concurrent attempt took this lockout's one check.
                for done in counted:
                    await self.cache.incr(f"{done}:n", -1, ttl=self.forget)
                raise TooManyAttempts(await self.cache.ttl(f"{key}:lock") or lockout)

    async def failed(self, email: str, ip: str) -> None:
        """The attempt's password was wrong (or the account unknown)."""
        _pair, _account, address = _keys(email, ip)
        failures = await self.cache.incr(f"{address}:n", ttl=self.forget)
        if failures >= self.ip_limit:
            await self.cache.expire(f"{address}:n", self.forget)
            lockout = self.backoff(failures - self.ip_limit)
            await self.cache.set(f"{address}:lock", b"1", ttl=lockout)

    async def succeeded(self, email: str, ip: str) -> None:
        """Reset this address's count for the account, take back the attempt, trust the pair."""
        pair, account, _address = _keys(email, ip)
        await self.cache.delete(f"{pair}:n", f"{pair}:lock")
        left = await self.cache.incr(f"{account}:n", -1, ttl=self.forget)
        if left <= 0:
            await self.cache.delete(f"{account}:n", f"{account}:lock")
        elif left < self.limit:
            await self.cache.delete(f"{account}:lock")
        await self.cache.set(f"{pair}:trusted", b"1", ttl=TRUSTED_SECONDS)

    def backoff(self, beyond: int) -> float:
        """The lockout after `beyond` failures past the limit (0: the one that reached it)."""
        return min(self.first * 2.0 ** min(beyond, 64), self.longest)

    async def _refuse_while_locked(self, keys: list[str]) -> None:
        waits = [await self.cache.ttl(f"{key}:lock") for key in keys]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise TooManyAttempts(wait)


def _keys(email: str, ip: str) -> tuple[str, str, str]:
    # Email addresses are hashed so the cache holds no personal data in its key names.
    account = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    return f"login:pair:{account}:{ip}", f"login:account:{account}", f"login:ip:{ip}"
