"""The flag definitions one process evaluates against, kept in memory.

Evaluation runs on every OFREP call and every flag check in code, so it reads no table: the
book reloads all definitions at most every `refresh_seconds` (a few hundred rows at most), and
the process that edits a flag reloads at once (`invalidate`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.flags.repository import FlagRepository
from tailored.flags.rules import FlagDef
from tailored.kit.db import transaction
from tailored.models import FeatureFlag


def definition(flag: FeatureFlag) -> FlagDef:
    return FlagDef(
        key=flag.key,
        kind=flag.kind,
        variants=dict(flag.variants),
        default_variant=flag.default_variant,
        off_variant=flag.off_variant,
        enabled=flag.enabled,
        rules=tuple(flag.rules or ()),
        rollout=dict(flag.rollout) if flag.rollout else None,
        salt=flag.salt,
        version=flag.version,
    )


class FlagBook:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, refresh_seconds: float = 2.0
    ) -> None:
        self._sessionmaker = sessionmaker
        self._refresh = refresh_seconds
        self._flags: dict[str, FlagDef] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    @property
    def snapshot(self) -> Mapping[str, FlagDef]:
        """What was loaded last (possibly stale; `current()` refreshes)."""
        return self._flags

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def current(self) -> Mapping[str, FlagDef]:
        if time.monotonic() - self._loaded_at < self._refresh:
            return self._flags
        async with self._lock:
            if time.monotonic() - self._loaded_at >= self._refresh:
                async with transaction(self._sessionmaker) as session:
                    rows = await FlagRepository(session).list()
                self._flags = {row.key: definition(row) for row in rows}
                self._loaded_at = time.monotonic()
        return self._flags
