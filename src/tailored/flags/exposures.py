"""Flag exposures, recorded as learner signals for experiment reports.

An evaluation is on the hot path (OFREP, flag checks in code), so exposures queue here and a
background task writes them in batches. Each (learner, flag, version, variant) is written once:
its event id is derived from those four (uuid5), so a repeat is a duplicate the signals layer
ignores, and this process also skips the ones it already wrote.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.signals import SignalsConfig
from tailored.kit.db import transaction
from tailored.signals import service as signals
from tailored.signals.schemas import Signal

log = logging.getLogger("tailored.flags")

EXPOSURE_NAMESPACE = uuid.UUID("5b0f1c2e-7a43-4f43-9a53-6f6c61677321")
# The signal type exposures are stored under (declared by the signals layer's settings).
EXPOSURE_TYPE = "exposure"


@dataclass(frozen=True, slots=True)
class Exposure:
    # A learner key (tailored.signals.identity): an account's id, or a site's user.
    learner: str
    flag: str
    version: int
    variant: str
    at: datetime

    @property
    def event_id(self) -> uuid.UUID:
        name = f"{self.flag}:{self.version}:{self.learner}:{self.variant}"
        return uuid.uuid5(EXPOSURE_NAMESPACE, name)


Writer = Callable[[list[Exposure]], Awaitable[None]]


class Exposures:
    def __init__(self, write: Writer, *, enabled: bool = True, interval: float = 0.5) -> None:
        self._write = write
        self._enabled = enabled
        self._interval = interval
        self._pending: list[Exposure] = []
        self._seen: LRUCache[uuid.UUID, bool] = LRUCache(maxsize=200_000)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, learner: str, flag: str, version: int, variant: str) -> None:
        if not self._enabled:
            return
        exposure = Exposure(learner, flag, version, variant, datetime.now(UTC))
        if exposure.event_id in self._seen:
            return
        self._seen[exposure.event_id] = True
        self._pending.append(exposure)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> int:
        async with self._lock:
            batch, self._pending = self._pending, []
            if batch:
                try:
                    await self._write(batch)
                except Exception:
                    # Not fatal to anything a learner sees; forget them so a retry can add them.
                    for exposure in batch:
                        self._seen.pop(exposure.event_id, None)
                    log.exception("writing %d flag exposures failed", len(batch))
                    return 0
            return len(batch)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="flag-exposures")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.flush()


def as_signal(exposure: Exposure) -> Signal:
    return Signal(
        id=str(exposure.event_id),
        learner=exposure.learner,
        type=EXPOSURE_TYPE,
        occurred_at=exposure.at,
        content_type="flag",
        metadata={"flag": exposure.flag, "variant": exposure.variant, "version": exposure.version},
        source="internal",
    )


def signal_writer(sessionmaker: async_sessionmaker[AsyncSession], config: SignalsConfig) -> Writer:
    """Write exposures as `exposure` signals (with their outbox messages), in one short
    transaction per batch."""

    async def write(batch: list[Exposure]) -> None:
        async with transaction(sessionmaker, write=True) as session:
            await signals.record_events(session, [as_signal(e) for e in batch], config=config)

    return write
