"""Stored machine translations: the database row is the truth, the cache holds a hot copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.cache import Cache, set_until
from tailored.kit.db import own_or_caller
from tailored.models import Chapter, MachineTranslation, RequestStatus
from tailored.translation.repository import TranslationRepository
from tailored.translation.results import HOT_TTL, MachineOutcome


class MachineStore:
    def __init__(
        self,
        *,
        cache: Cache,
        ttl: timedelta,
        sessionmaker: async_sessionmaker[AsyncSession] | None,
    ) -> None:
        self.cache = cache
        self.ttl = ttl
        self.sessionmaker = sessionmaker

    async def hot(self, key: str) -> MachineOutcome | None:
        """The hot copy only (no database read)."""
        raw = await self.cache.get(_hot_key(key))
        return _decode(raw) if raw is not None else None

    async def lookup(self, session: AsyncSession, key: str) -> MachineOutcome | None:
        """The hot copy, else the stored row (copied to the cache again)."""
        if (outcome := await self.hot(key)) is not None:
            return outcome
        async with own_or_caller(self.sessionmaker, session) as db:
            row = await TranslationRepository(db).get_live(key, datetime.now(UTC))
        if row is None:
            return None
        outcome = MachineOutcome(row.content, RequestStatus(row.status), tuple(row.untranslated))
        await self._hot_copy(key, row.chapter_id, outcome, row.expires_at)
        return outcome

    async def store(
        self,
        session: AsyncSession,
        key: str,
        chapter: Chapter,
        lang: str,
        text_hash: str,
        personalized: bool,
        translator: str,
        outcome: MachineOutcome,
    ) -> None:
        now = datetime.now(UTC)
        row = MachineTranslation(
            key=key,
            chapter_id=chapter.id,
            lang=lang,
            source_hash=chapter.source_hash,
            text_hash=text_hash,
            personalized=personalized,
            translator=translator[:300],
            status=outcome.status.value,
            content=outcome.content,
            untranslated=list(outcome.untranslated),
            size_bytes=len(outcome.content.encode()),
            created_at=now,
            expires_at=now + self.ttl,
        )
        # The hot copy is visible at once, so a process that waited on the lock finds the
        # result even before the row's transaction (the caller's, without a sessionmaker) lands.
        async with own_or_caller(self.sessionmaker, session) as db:
            await TranslationRepository(db).put(row)
        await self._hot_copy(key, chapter.id, outcome, row.expires_at)

    async def forget_all(self) -> None:
        """Drop every hot copy; the stored rows stay and are found again."""
        await self.cache.invalidate_tags("translated")

    async def _hot_copy(
        self, key: str, chapter_id: str, outcome: MachineOutcome, expires_at: datetime
    ) -> None:
        await set_until(
            self.cache,
            _hot_key(key),
            _encode(outcome),
            expires_at=expires_at,
            max_ttl=HOT_TTL,
            tags=(f"chapter:{chapter_id}", "translated"),
        )


def _hot_key(key: str) -> str:
    return f"tr:{key}"


def _encode(outcome: MachineOutcome) -> bytes:
    return json.dumps(
        {
            "content": outcome.content,
            "status": outcome.status.value,
            "untranslated": list(outcome.untranslated),
        }
    ).encode()


def _decode(raw: bytes) -> MachineOutcome:
    data = json.loads(raw)
    return MachineOutcome(
        data["content"], RequestStatus(data["status"]), tuple(data["untranslated"])
    )
