"""Site API keys (Segment write keys): a site sends events for its own users with one.

A key is "tk_<prefix>_<secret>"; only its SHA-256 is stored (a key carries 256 random bits, so
a plain hash is enough: nothing to guess), and the prefix names it in lists and learner keys.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.errors import Conflict, NotAuthenticated, NotFound
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models import SiteKey
from tailored.models.base import utcnow
from tailored.signals.repository import SiteKeyRepository
from tailored.signals.schemas import SiteKeyOut

KEY_PREFIX = "tk_"
# A revoked key stops working everywhere within this long (the cache entry's TTL); in the
# process that revokes it, at once.
KEY_CACHE_TTL = 60.0


class SiteKeyExists(Conflict):
    @classmethod
    def default_detail(cls) -> str:
        return "a site key with this name exists"


class SiteKeyNotFound(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no site key with this name"


class InvalidSiteKey(NotAuthenticated):
    headers = {"WWW-Authenticate": 'Basic realm="tailored"'}

    @classmethod
    def default_detail(cls) -> str:
        return "unknown or revoked site key"


@dataclass(frozen=True)
class Site:
    """The site a request's key belongs to."""

    name: str
    prefix: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _cache_key(key_hash: str) -> str:
    return f"sitekey:{key_hash}"


def looks_like_site_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


async def create_key(session: AsyncSession, name: str) -> tuple[SiteKey, str]:
    """A new key; the plain key is returned once and never stored."""
    repo = SiteKeyRepository(session)
    if await repo.by_name(name) is not None:
        raise SiteKeyExists()
    prefix = secrets.token_hex(4)
    plain = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = await repo.add(SiteKey(name=name, prefix=prefix, key_hash=_hash(plain)))
    return row, plain


async def list_keys(session: AsyncSession) -> list[SiteKeyOut]:
    return [SiteKeyOut.model_validate(k) for k in await SiteKeyRepository(session).all()]


async def revoke_key(session: AsyncSession, cache: Cache | None, name: str) -> SiteKey:
    row = await SiteKeyRepository(session).by_name(name)
    if row is None:
        raise SiteKeyNotFound()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
    if cache is not None:
        await cache.delete(_cache_key(row.key_hash))
    return row


async def forget_cached(
    cache: Cache, name: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Drop a key's cached entry (after revoking it in a transaction of its own)."""
    async with transaction(sessionmaker) as session:
        row = await SiteKeyRepository(session).by_name(name)
    if row is not None:
        await cache.delete(_cache_key(row.key_hash))


async def site_for_key(session: AsyncSession, cache: Cache, key: str) -> Site:
    """The site a key belongs to, or InvalidSiteKey (401)."""
    if not looks_like_site_key(key):
        raise InvalidSiteKey()
    digest = _hash(key)
    if (raw := await cache.get(_cache_key(digest))) is not None:
        data = json.loads(raw)
        return Site(name=data["name"], prefix=data["prefix"])
    row = await SiteKeyRepository(session).by_hash(digest)
    if row is None or row.revoked_at is not None:
        raise InvalidSiteKey()
    site = Site(name=row.name, prefix=row.prefix)
    entry = json.dumps({"name": site.name, "prefix": site.prefix}).encode()
    await cache.set(_cache_key(digest), entry, ttl=KEY_CACHE_TTL)
    return site
