"""All SQL for users and tokens."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import AuthToken, Outbox, Role, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def existing(self, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not user_ids:
            return set()
        rows = await self.session.scalars(select(User.id).where(User.id.in_(list(user_ids))))
        return set(rows)

    async def get_by_email(self, email: str) -> User | None:
        result = await self.session.execute(select(User).where(User.email == email))
        return result.scalar_one_or_none()

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def set_password_hash(self, user_id: uuid.UUID, password_hash: str) -> None:
        await self.session.execute(
            update(User).where(User.id == user_id).values(password_hash=password_hash)
        )

    async def delete(self, user: User) -> None:
        # Rows that reference the user go by ON DELETE CASCADE in the database. Messages not
        # yet published carry the learner's data: they go too, and the event stream is told.
        await self.session.execute(delete(User).where(User.id == user.id))
        learner = str(user.id)
        await self.session.execute(
            delete(Outbox).where(Outbox.learner_key == learner, Outbox.published_at.is_(None))
        )
        self.session.add(
            Outbox(
                event_id=f"account_deleted:{learner}",
                learner_key=learner,
                topic="learners",
                payload={"kind": "account_deleted", "user_id": learner},
            )
        )
        self.session.expunge(user)

    async def list(self, *, limit: int, offset: int) -> tuple[list[User], int]:
        total = await self.session.scalar(select(func.count()).select_from(User))
        rows = await self.session.execute(
            select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
        )
        return list(rows.scalars()), int(total or 0)

    async def count_admins(self) -> int:
        total = await self.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.admin)
        )
        return int(total or 0)


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: AuthToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def get_user_by_digest(self, digest: str, now: datetime) -> tuple[User, datetime] | None:
        """The token's user and the token's expiry, if the token is live."""
        result = await self.session.execute(
            select(User, AuthToken.expires_at)
            .join(AuthToken, AuthToken.user_id == User.id)
            .where(AuthToken.token_hash == digest, AuthToken.expires_at > now)
        )
        row = result.one_or_none()
        return None if row is None else (row[0], row[1])

    async def delete_by_digest(self, digest: str) -> int:
        result = await self.session.execute(delete(AuthToken).where(AuthToken.token_hash == digest))
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_for_user(self, user_id: uuid.UUID, *, keep_digest: str | None = None) -> int:
        stmt = delete(AuthToken).where(AuthToken.user_id == user_id)
        if keep_digest is not None:
            stmt = stmt.where(AuthToken.token_hash != keep_digest)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_expired(self, now: datetime) -> int:
        result = await self.session.execute(delete(AuthToken).where(AuthToken.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)
