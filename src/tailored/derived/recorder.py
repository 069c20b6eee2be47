"""Buffered writes for what every request records (request logs, history, last-used times).

Writing a row per request inside the request would put a database commit on the cached hot
path; instead rows queue here and one background task writes them in batches, every
`interval` seconds or `max_batch` rows. A crash loses at most one interval of analytics, never
content. `flush()` writes what is pending now (shutdown, tests, the CLI).

Rows are plain column dicts, not ORM objects, and go in with one Core executemany per table:
building ORM objects and flushing them blocked the event loop long enough to show in p99.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.errors import DatabaseBusy
from tailored.kit.db import begin_writing
from tailored.models import Base, PersonalizedResult

log = logging.getLogger("tailored.recorder")


class Recorder:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        interval: float = 0.2,
        max_batch: int = 500,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._interval = interval
        self._max_batch = max_batch
        self._rows: list[tuple[type[Base], dict[str, Any]]] = []
        self._touches: Counter[str] = Counter()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._lock = asyncio.Lock()

    def add(self, model: type[Base], **values: Any) -> None:
        """Queue one row of `model` (columns by name; omitted ones take their SQL default)."""
        self._rows.append((model, values))
        if len(self._rows) >= self._max_batch:
            self._wake.set()

    def touch(self, result_key: str) -> None:
        """Count a hit on a stored result and move its last-used time (for LRU eviction)."""
        self._touches[result_key] += 1

    @property
    def pending(self) -> int:
        return len(self._rows) + len(self._touches)

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="tailored-recorder")

    async def stop(self) -> None:
        """End the writer task and write what is queued. A write in progress finishes first:
        cancelled during its commit, its rows would be queued again and written twice."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            except TimeoutError:
                pass
            self._wake.clear()
            if self._stopping:
                return  # stop() writes the rest
            try:
                await self.flush()
            except (DBAPIError, OSError, DatabaseBusy):
                # The database is away or busy; rows stay queued and the next round tries again.
                log.exception("could not write %d recorded rows", self.pending)

    async def flush(self) -> None:
        async with self._lock:
            rows, self._rows = self._rows, []
            touches, self._touches = self._touches, Counter()
            if not rows and not touches:
                return
            try:
                await self._write(rows, touches)
            except IntegrityError:
                # A row whose user or chapter went away meanwhile: write the rest one by one.
                await self._write_each(rows)
                await self._write([], touches)
            except BaseException:
                self._rows[:0] = rows
                self._touches.update(touches)
                raise

    async def _write(
        self, rows: list[tuple[type[Base], dict[str, Any]]], touches: Counter[str]
    ) -> None:
        tables = _by_table(rows)
        async with self._sessionmaker() as session:
            # In turn with requests' writes (a queue, not SQLite's polling), one batch at a time.
            await begin_writing(session)
            for model, values in tables.items():
                await session.execute(insert(_table(model)), values)
            now = datetime.now(UTC)
            for key, hits in touches.items():
                await session.execute(
                    update(PersonalizedResult)
                    .where(PersonalizedResult.key == key)
                    .values(last_used_at=now, hits=PersonalizedResult.hits + hits)
                )
            await session.commit()

    async def _write_each(self, rows: list[tuple[type[Base], dict[str, Any]]]) -> None:
        for model, values in rows:
            async with self._sessionmaker() as session:
                try:
                    await begin_writing(session)
                    await session.execute(insert(_table(model)), [values])
                    await session.commit()
                except IntegrityError:
                    await session.rollback()
                    log.info("dropped a recorded %s whose references are gone", model.__name__)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _by_table(
    rows: list[tuple[type[Base], dict[str, Any]]],
) -> dict[type[Base], list[dict[str, Any]]]:
    out: dict[type[Base], list[dict[str, Any]]] = {}
    for model, values in rows:
        out.setdefault(model, []).append(values)
    return out
