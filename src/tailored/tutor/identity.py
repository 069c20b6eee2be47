"""Who is asking: a learner's account, or an anonymous reader known by a signed cookie.

The cookie holds a random id and its HMAC under the app's secret key, so a reader cannot
claim another reader's conversations by guessing or editing it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

COOKIE = "tailored_tutor"


@dataclass(frozen=True)
class Asker:
    user_id: uuid.UUID | None
    anon_id: str | None
    ip: str

    @property
    def key(self) -> str:
        return f"u:{self.user_id}" if self.user_id is not None else f"a:{self.anon_id}"


def _sign(anon_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"tutor:{anon_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def new_cookie(secret: str) -> tuple[str, str]:
    """A fresh anonymous id and the cookie value that carries it."""
    anon_id = secrets.token_hex(16)
    return anon_id, f"{anon_id}.{_sign(anon_id, secret)}"


def read_cookie(value: str | None, secret: str) -> str | None:
    """The anonymous id of a genuine cookie, else None."""
    if not value or value.count(".") != 1:
        return None
    anon_id, mac = value.split(".")
    if len(anon_id) != 32 or not hmac.compare_digest(mac, _sign(anon_id, secret)):
        return None
    return anon_id
