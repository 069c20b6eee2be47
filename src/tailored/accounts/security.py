"""Password hashing (Argon2id via argon2-cffi) and opaque bearer tokens.

Tokens are random strings handed to the client once; the database keeps only an HMAC of them
keyed with the server secret, so neither a database dump nor a guessed hash opens an account.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_T = TypeVar("_T")


def _cpu_count() -> int:
    # The CPUs this process may run on (a container's share), not the machine's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


class Passwords:
    """Hashes and checks passwords in worker threads, never on the event loop.

    One hash takes tens of milliseconds of CPU and ``memory_cost_kib`` of memory. Its own small
    thread pool (one thread per CPU by default) runs them: argon2-cffi releases the GIL, so
    they use every core, while a burst of logins queues for a thread instead of starting a
    64 MiB hash each, and never waits behind (or starves) the loop's shared default executor.
    """

    def __init__(self, *, time_cost: int, memory_cost_kib: int, threads: int | None = None) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib)
        self.threads = threads or _cpu_count()
        self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="argon2")
        # Verified against when the email is unknown, so both paths cost the same.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify, password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        await self.verify(self._dummy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        # Parses the parameters in the hash: no hashing, fine on the loop.
        return self._hasher.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, func: Callable[..., _T], *args: str) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
