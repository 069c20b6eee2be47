"""Named dependency aliases shared by every domain's endpoints.

The transaction rule (docs/architecture.md): a request's database work is one transaction the
request owns (`SessionDep`: committed after the endpoint returns, rolled back on error), except
on routes that do slow work (personalize, translate: a model; login, register: Argon2), which take
no `SessionDep`: they read through the `...Brief` helpers, each a short transaction of its own,
and write in short transactions of their own (the engines, `transaction(write=True)`), so no
pooled connection or SQLite writer turn waits on slow work. Nothing commits mid-request.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts import service as accounts
from tailored.accounts.repository import UserRepository
from tailored.config import Settings
from tailored.errors import AdminRequired, NotAuthenticated, UserNotFound
from tailored.kit.cache import Cache
from tailored.kit.db import begin_writing, transaction
from tailored.models import Role, User
from tailored.state import AppState


# Dependencies are `async def` even when they do not await: FastAPI runs plain `def`
# dependencies in a worker thread, and those hand-offs were a third of a cached request's cost.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.tailored
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


# Safe methods only read (HTTP semantics); any other request that takes a session may write.
# (Routes that generate take no SessionDep at all: see the transaction rule above.)
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(state: StateDep, request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit on success, roll back on any error.

    A request that may write begins as the writer (kit/db.py: on SQLite a transaction that
    has read cannot start writing once another connection has written)."""
    async with state.sessionmaker() as session:
        try:
            if request.method not in _READ_ONLY_METHODS:
                await begin_writing(session)
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_cache(state: StateDep) -> Cache:
    return state.cache


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
CacheDep = Annotated[Cache, Depends(get_cache)]


_optional_bearer = HTTPBearer(auto_error=False, description="token from POST /api/auth/login")
# The bearer credentials if any, unchecked (the hot route checks them itself, after the chapter).
MaybeBearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)]


async def bearer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
) -> HTTPAuthorizationCredentials:
    """The bearer credentials, or a 401 in the house error shape."""
    if credentials is None:
        raise NotAuthenticated()
    return credentials


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> User:
    return await accounts.user_for_token(session, settings, cache, credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_user_brief(
    state: StateDep, credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]
) -> User:
    """As CurrentUser, read in a short transaction of its own (routes that generate); a cached
    token opens none."""
    token = credentials.credentials
    if (
        cached := await accounts.cached_user_for_token(state.settings, state.cache, token)
    ) is not None:
        return cached
    async with transaction(state.sessionmaker) as session:
        return await accounts.user_for_token(
            session, state.settings, state.cache, credentials.credentials
        )


CurrentUserBrief = Annotated[User, Depends(get_current_user_brief)]


async def get_admin_user(user: CurrentUser) -> User:
    if user.role is not Role.admin:
        raise AdminRequired()
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


async def get_admin_user_brief(user: CurrentUserBrief) -> User:
    if user.role is not Role.admin:
        raise AdminRequired()
    return user


AdminUserBrief = Annotated[User, Depends(get_admin_user_brief)]


async def get_target_user(user_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> User:
    """The user named in the path, or 404; the admin check runs first, so learners get 403."""
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise UserNotFound()
    return user


TargetUser = Annotated[User, Depends(get_target_user)]
