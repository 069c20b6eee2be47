"""The resources one running app holds, built in the lifespan and handed out by dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.accounts.security import Passwords
from tailored.config import Settings
from tailored.kit.cache import Cache, create_cache
from tailored.kit.db import create_engine, create_sessionmaker


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cache: Cache
    passwords: Passwords

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        engine = create_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            cache=create_cache(settings.cache_url, namespace=settings.cache_namespace),
            passwords=Passwords(
                time_cost=settings.argon2_time_cost,
                memory_cost_kib=settings.argon2_memory_cost_kib,
            ),
        )

    async def close(self) -> None:
        await self.cache.close()
        await self.engine.dispose()
