from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials

from tailored.accounts import service
from tailored.accounts.repository import UserRepository
from tailored.accounts.schemas import (
    ChangePasswordIn,
    DeleteAccountIn,
    LoginIn,
    RegisterIn,
    TokenOut,
    UserOut,
    UserPage,
)
from tailored.accounts.throttle import LoginThrottle
from tailored.deps import (
    AdminUser,
    CacheDep,
    CurrentUser,
    SessionDep,
    SettingsDep,
    StateDep,
    TargetUser,
    bearer,
)
from tailored.errors import (
    AdminRequired,
    EmailTaken,
    InvalidCredentials,
    NotAuthenticated,
    TooManyAttempts,
    UnprocessableInput,
    UserNotFound,
    error_responses,
)
from tailored.kit.db import transaction
from tailored.kit.paging import Limit, Offset
from tailored.models import User
from tailored.state import AppState

router = APIRouter(prefix="/api", tags=["accounts"])
BearerCredentials = Annotated[HTTPAuthorizationCredentials, Depends(bearer)]


async def _forget_user_now_and_after_commit(
    state: AppState, user: User, background: BackgroundTasks
) -> None:
    # Once now, and again after the commit (background tasks run after the response), so a
    # request racing this one cannot re-cache the old state for the cache TTL.
    await service.forget_user(state.cache, user.id)
    background.add_task(service.forget_user, state.cache, user.id)


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(EmailTaken, UnprocessableInput),
)
async def register(body: RegisterIn, state: StateDep) -> UserOut:
    """Create a learner account."""
    # Slow work (Argon2) first, then a short writing transaction: no SessionDep here.
    password_hash = await service.new_password_hash(
        state.settings, state.passwords, email=body.email, password=body.password
    )
    async with transaction(state.sessionmaker, write=True) as session:
        user = await service.add_user(
            session, email=body.email, password_hash=password_hash, display_name=body.display_name
        )
    return UserOut.model_validate(user)


@router.post("/auth/login", responses=error_responses(InvalidCredentials, TooManyAttempts))
async def login(
    body: LoginIn, request: Request, state: StateDep, background: BackgroundTasks
) -> TokenOut:
    """Exchange email and password for a bearer token that expires (failures back off: 429)."""
    # The peer address; behind a reverse proxy, uvicorn's --forwarded-allow-ips makes it the
    # learner's rather than the proxy's.
    ip = request.client.host if request.client else "unknown"
    # No SessionDep: the password check runs outside any transaction (see service.authenticate).
    user = await service.authenticate(
        state.sessionmaker,
        state.passwords,
        LoginThrottle(state.cache, state.settings),
        email=body.email,
        password=body.password,
        ip=ip,
    )
    async with transaction(state.sessionmaker, write=True) as session:
        token, expires_at = await service.issue_token(session, state.settings, user)
    for hook in state.login_hooks:
        background.add_task(hook, user.id)
    return TokenOut(access_token=token, expires_at=expires_at)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated),
)
async def logout(
    _user: CurrentUser,
    credentials: BearerCredentials,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
) -> Response:
    """Revoke the token used for this request."""
    await service.logout(session, settings, cache, credentials.credentials)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses=error_responses(NotAuthenticated))
async def me(user: CurrentUser) -> UserOut:
    """The account behind the token."""
    return UserOut.model_validate(user)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, UnprocessableInput),
)
async def change_password(
    body: ChangePasswordIn,
    user: CurrentUser,
    credentials: BearerCredentials,
    session: SessionDep,
    state: StateDep,
    background: BackgroundTasks,
) -> Response:
    """Change my password; every other token of mine stops working."""
    await _forget_user_now_and_after_commit(state, user, background)
    await service.change_password(
        session,
        state.settings,
        state.passwords,
        user,
        current_password=body.current_password,
        new_password=body.new_password,
        current_token=credentials.credentials,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated),
)
async def delete_me(
    body: DeleteAccountIn,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    background: BackgroundTasks,
) -> Response:
    """Delete my account and everything that belongs to it (password required)."""
    await _forget_user_now_and_after_commit(state, user, background)
    await service.delete_account(session, state.passwords, user, password=body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/users", responses=error_responses(NotAuthenticated, AdminRequired))
async def list_users(
    _admin: AdminUser,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> UserPage:
    """Every account, oldest first (admin)."""
    users, total = await UserRepository(session).list(limit=limit, offset=offset)
    return UserPage(
        items=[UserOut.model_validate(u) for u in users], total=total, limit=limit, offset=offset
    )


@router.get(
    "/admin/users/{user_id}",
    responses=error_responses(NotAuthenticated, AdminRequired, UserNotFound),
)
async def get_user(user: TargetUser) -> UserOut:
    """One account (admin)."""
    return UserOut.model_validate(user)
