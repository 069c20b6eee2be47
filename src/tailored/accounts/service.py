"""Accounts: registration, login with expiring bearer tokens, password change, deletion, export.

Services only flush; the caller (the request, or a CLI transaction) commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts.repository import TokenRepository, UserRepository
from tailored.accounts.schemas import ExportOut, UserOut
from tailored.accounts.security import Passwords, new_token, token_digest
from tailored.config import Settings
from tailored.errors import EmailTaken, InvalidCredentials, NotAuthenticated, UnprocessableInput
from tailored.models import AuthToken, Role, User
from tailored.personalization.repository import export_for_user as personalization_export
from tailored.profiles import service as profiles


def _check_password_policy(password: str, settings: Settings) -> None:
    if len(password) < settings.password_min_length:
        raise UnprocessableInput(
            f"password must be at least {settings.password_min_length} characters"
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
    _check_password_policy(password, settings)
    users = UserRepository(session)
    if await users.get_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email, password_hash=passwords.hash(password), role=role, display_name=display_name
    )
    return await users.add(user)


async def authenticate(
    session: AsyncSession, passwords: Passwords, *, email: str, password: str
) -> User:
    user = await UserRepository(session).get_by_email(email)
    if user is None:
        passwords.verify_dummy(password)
        raise InvalidCredentials()
    if not passwords.verify(user.password_hash, password):
        raise InvalidCredentials()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return user


async def issue_token(
    session: AsyncSession, settings: Settings, user: User
) -> tuple[str, datetime]:
    token = new_token()
    expires_at = datetime.now(UTC) + timedelta(seconds=settings.token_ttl_seconds)
    await TokenRepository(session).add(
        AuthToken(user_id=user.id, token_hash=_digest(token, settings), expires_at=expires_at)
    )
    return token, expires_at


async def user_for_token(session: AsyncSession, settings: Settings, token: str) -> User:
    user = await TokenRepository(session).get_user_by_digest(
        _digest(token, settings), datetime.now(UTC)
    )
    if user is None:
        raise NotAuthenticated()
    return user


async def logout(session: AsyncSession, settings: Settings, token: str) -> None:
    await TokenRepository(session).delete_by_digest(_digest(token, settings))


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
    if not passwords.verify(user.password_hash, current_password):
        raise InvalidCredentials("current password is wrong")
    _check_password_policy(new_password, settings)
    user.password_hash = passwords.hash(new_password)
    await TokenRepository(session).delete_for_user(
        user.id, keep_digest=_digest(current_token, settings)
    )
    await session.flush()


async def delete_account(
    session: AsyncSession, passwords: Passwords, user: User, *, password: str
) -> None:
    if not passwords.verify(user.password_hash, password):
        raise InvalidCredentials("password is wrong")
    await UserRepository(session).delete(user)


async def export(session: AsyncSession, user: User) -> ExportOut:
    data = await profiles.export_for_user(session, user.id)
    history, modes = await personalization_export(session, user.id)
    return ExportOut(
        exported_at=datetime.now(UTC),
        user=UserOut.model_validate(user),
        profile=data["profile"],
        traits=data["traits"],
        personalizations=history,
        reading_modes=modes,
    )


async def purge_expired_tokens(session: AsyncSession) -> int:
    return await TokenRepository(session).delete_expired(datetime.now(UTC))


def _digest(token: str, settings: Settings) -> str:
    return token_digest(token, settings.secret_key.get_secret_value())
