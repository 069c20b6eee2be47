"""All SQL for learner profiles and traits."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import JSON, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import KeyedColumnElement

from tailored.models import Profile, Trait, TraitSource
from tailored.models.base import utcnow


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> Profile | None:
        return await self.session.get(Profile, user_id)

    async def get_many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Profile]:
        if not user_ids:
            return {}
        rows = await self.session.scalars(select(Profile).where(Profile.user_id.in_(user_ids)))
        return {p.user_id: p for p in rows}

    async def save(self, profile: Profile) -> Profile:
        """Insert a new profile or write the changes to a loaded one."""
        self.session.add(profile)
        await self.session.flush()
        return profile


class TraitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_for_user(self, user_id: uuid.UUID) -> list[Trait]:
        rows = await self.session.scalars(
            select(Trait).where(Trait.user_id == user_id).order_by(Trait.key)
        )
        return list(rows)

    async def get(self, user_id: uuid.UUID, key: str) -> Trait | None:
        result = await self.session.scalars(
            select(Trait).where(Trait.user_id == user_id, Trait.key == key)
        )
        return result.one_or_none()

    async def upsert(
        self,
        user_id: uuid.UUID,
        key: str,
        *,
        value: Any,
        confidence: float,
        source: TraitSource,
    ) -> Trait:
        """Insert or update one trait in a single statement.

        ON CONFLICT on the (user_id, key) unique constraint means two requests racing on the
        same key both succeed and leave one row; a select-then-insert would fail one of them.
        """
        # A null trait value is stored as JSON null (the column is NOT NULL); JSON.NULL says so
        # explicitly instead of relying on the type's none_as_null default.
        row = {
            "user_id": user_id,
            "key": key,
            "value": JSON.NULL if value is None else value,
            "confidence": confidence,
            "source": source,
            "updated_at": utcnow(),
        }
        if self.session.get_bind().dialect.name == "postgresql":
            pg = postgresql.insert(Trait).values(row)
            stmt = pg.on_conflict_do_update(
                index_elements=[Trait.user_id, Trait.key], set_=_replaced(pg.excluded)
            ).returning(Trait)
        else:
            lite = sqlite.insert(Trait).values(row)
            stmt = lite.on_conflict_do_update(
                index_elements=[Trait.user_id, Trait.key], set_=_replaced(lite.excluded)
            ).returning(Trait)
        result = await self.session.scalars(stmt, execution_options={"populate_existing": True})
        trait: Trait = result.one()
        return trait

    async def delete(self, user_id: uuid.UUID, key: str) -> bool:
        result = await self.session.execute(
            delete(Trait).where(Trait.user_id == user_id, Trait.key == key)
        )
        return bool(getattr(result, "rowcount", 0))


def _replaced(excluded: ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]) -> dict[str, Any]:
    """The columns an upsert overwrites: everything but the identity of the trait."""
    return {name: excluded[name] for name in ("value", "confidence", "source", "updated_at")}
