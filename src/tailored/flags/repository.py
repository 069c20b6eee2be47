"""All SQL for feature flags."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import FeatureFlag


class FlagRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self) -> list[FeatureFlag]:
        return list(await self.session.scalars(select(FeatureFlag).order_by(FeatureFlag.key)))

    async def get(self, key: str) -> FeatureFlag | None:
        return await self.session.get(FeatureFlag, key)

    async def save(self, flag: FeatureFlag) -> FeatureFlag:
        self.session.add(flag)
        await self.session.flush()
        return flag

    async def delete(self, key: str) -> bool:
        result = await self.session.execute(delete(FeatureFlag).where(FeatureFlag.key == key))
        return bool(getattr(result, "rowcount", 0))
