"""Accounts: registration, login with expiring bearer tokens, password change, deletion, export.

Services only flush; the caller (the request, or a CLI transaction) commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.accounts.repository import TokenRepository, UserRepository
from tailored.accounts.schemas import special_use_name
from tailored.accounts.security import Passwords, new_token, token_digest
from tailored.accounts.throttle import LoginThrottle
from tailored.config import Settings
from tailored.errors import EmailTaken, InvalidCredentials, NotAuthenticated, UnprocessableInput
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.models import AuthToken, Role, User
from tailored.models.signals import user_cache_keys


def _check_password_policy(password: str, settings: Settings) -> None:
    if len(password) < settings.password_min_length:
        raise UnprocessableInput(
            f"password must be at least {settings.password_min_length} characters"
        )


def _check_email_domain(email: str, settings: Settings) -> None:
    domain = email.rpartition("@")[2]
    if special_use_name(domain) is None:
        return
    allowed = (name.strip(".").lower() for name in settings.email_allowed_special_domains)
    if any(domain == name or domain.endswith("." + name) for name in allowed):
        return
    raise UnprocessableInput(
        f"{domain} is a special-use domain that cannot receive email from outside;"
        " an intranet install can allow it with the setting email_allowed_special_domains"
    )


async def register(
    session: AsyncSession,
    settings: Settings,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    display_name: str | None = None,
    role: Role = Role.learner,
) -> User:
    password_hash = await new_password_hash(settings, passwords, email=email, password=password)
    return await add_user(
        session, email=email, password_hash=password_hash, role=role, display_name=display_name
    )


async def new_password_hash(
    settings: Settings, passwords: Passwords, *, email: str, password: str
) -> str:
    """Check a new account's password and email against policy, then hash the password (in the
    hashing pool: call it before opening a transaction, so none waits on Argon2)."""
    _check_password_policy(password, settings)
    _check_email_domain(email, settings)
    return await passwords.hash(password)


async def add_user(
    session: AsyncSession,
    *,
    email: str,
    password_hash: str,
    role: Role = Role.learner,
    display_name: str | None = None,
) -> User:
    users = UserRepository(session)
    if await users.get_by_email(email) is not None:
        raise EmailTaken()
    user = User(email=email, password_hash=password_hash, role=role, display_name=display_name)
    return await users.add(user)


async def authenticate(
    sessionmaker: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    ip: str,
) -> User:
    """The account for these credentials, or InvalidCredentials / TooManyAttempts.

    The user is read in a short transaction of its own that ends before the password is
    checked, so no pooled connection waits on Argon2; a rehash (after the cost settings
    changed) is written in another.
    """
    await throttle.attempt(email, ip)
    async with sessionmaker() as read:
        user = await UserRepository(read).get_by_email(email)
    if user is None:
        await passwords.verify_dummy(password)
    elif await passwords.verify(user.password_hash, password):
        await throttle.succeeded(email, ip)
        if passwords.needs_rehash(user.password_hash):
            new_hash = await passwords.hash(password)
            async with transaction(sessionmaker, write=True) as session:
                await UserRepository(session).set_password_hash(user.id, new_hash)
        return user
    await throttle.failed(email, ip)
    raise InvalidCredentials()


async def issue_token(
    session: AsyncSession, settings: Settings, user: User
) -> tuple[str, datetime]:
    token = new_token()
    expires_at = datetime.now(UTC) + timedelta(seconds=settings.token_ttl_seconds)
    await TokenRepository(session).add(
        AuthToken(user_id=user.id, token_hash=_digest(token, settings), expires_at=expires_at)
    )
    return token, expires_at


# Authenticated tokens are remembered in the cache for a short while: two queries per request
# (token and profile) were most of the cost of a cached personalization. Every revocation path
# deletes the entry, so the TTL only bounds what a missed invalidation could cost.
AUTH_CACHE_TTL = 60.0


def _auth_key(digest: str) -> str:
    return f"auth:{digest}"


def user_tag(user_id: uuid.UUID) -> str:
    """Cache tag on everything cached about one user (tokens, profile)."""
    return f"user:{user_id}"


async def user_for_token(
    session: AsyncSession, settings: Settings, cache: Cache, token: str
) -> User:
    """The token's user. From the cache it is a detached User without password_hash: services
    that change the account load it again (`reload`)."""
    if (cached := await cached_user_for_token(settings, cache, token)) is not None:
        return cached
    digest = _digest(token, settings)
    now = datetime.now(UTC)
    found = await TokenRepository(session).get_user_by_digest(digest, now)
    if found is None:
        raise NotAuthenticated()
    user, expires_at = found
    ttl = min(AUTH_CACHE_TTL, (expires_at - now).total_seconds())
    if ttl > 0:
        entry = {
            "id": str(user.id),
            "email": user.email,
            "role": user.role.value,
            "display_name": user.display_name,
            "created_at": user.created_at.isoformat(),
            "expires_at": expires_at.isoformat(),
        }
        await cache.set(
            _auth_key(digest), json.dumps(entry).encode(), ttl=ttl, tags=(user_tag(user.id),)
        )
    return user


async def cached_user_for_token(settings: Settings, cache: Cache, token: str) -> User | None:
    """The token's user from the cache alone (None: ask `user_for_token`, which reads the
    database): lets a caller open no session at all on the common path."""
    raw = await cache.get(_auth_key(_digest(token, settings)))
    if raw is None:
        return None
    data = json.loads(raw)
    if datetime.fromisoformat(data["expires_at"]) <= datetime.now(UTC):
        return None
    return User(
        id=uuid.UUID(data["id"]),
        email=data["email"],
        role=Role(data["role"]),
        display_name=data["display_name"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )


async def existing_user_ids(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these ids are accounts."""
    return await UserRepository(session).existing(user_ids)


async def reload(session: AsyncSession, user: User) -> User:
    fresh = await UserRepository(session).get(user.id)
    if fresh is None:
        raise NotAuthenticated()
    return fresh


async def forget_user(cache: Cache, user_id: uuid.UUID) -> None:
    """Drop everything cached about a user (after a password change or deletion)."""
    await cache.invalidate_tags(user_tag(user_id))
    await cache.delete(*user_cache_keys(user_id))


async def logout(session: AsyncSession, settings: Settings, cache: Cache, token: str) -> None:
    digest = _digest(token, settings)
    await TokenRepository(session).delete_by_digest(digest)
    await cache.delete(_auth_key(digest))


async def change_password(
    session: AsyncSession,
    settings: Settings,
    passwords: Passwords,
    user: User,
    *,
    current_password: str,
    new_password: str,
    current_token: str,
) -> None:
    """Change the password and sign out every other session of this user."""
    user = await reload(session, user)
    if not await passwords.verify(user.password_hash, current_password):
        raise InvalidCredentials("current password is wrong")
    _check_password_policy(new_password, settings)
    user.password_hash = await passwords.hash(new_password)
    await TokenRepository(session).delete_for_user(
        user.id, keep_digest=_digest(current_token, settings)
    )
    await session.flush()


async def delete_account(
    session: AsyncSession, passwords: Passwords, user: User, *, password: str
) -> None:
    user = await reload(session, user)
    if not await passwords.verify(user.password_hash, password):
        raise InvalidCredentials("password is wrong")
    await UserRepository(session).delete(user)


async def purge_expired_tokens(session: AsyncSession) -> int:
    return await TokenRepository(session).delete_expired(datetime.now(UTC))


def _digest(token: str, settings: Settings) -> str:
    return token_digest(token, settings.secret_key.get_secret_value())
