"""Keeping stored results and logs in bounds: cleanup, warming, clearing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts import service as accounts
from tailored.analytics.repository import RequestLogRepository
from tailored.config import Settings
from tailored.content.repository import ChapterRepository
from tailored.personalization.engine import Personalizer
from tailored.personalization.repository import HistoryRepository, ResultRepository
from tailored.profiles.schemas import ProfileData
from tailored.translation.engine import Translator
from tailored.translation.repository import TranslationRepository


@dataclass(frozen=True)
class CleanupReport:
    expired_results: int
    stale_results: int
    evicted_results: int
    old_request_logs: int
    expired_tokens: int
    expired_translations: int = 0
    stale_translations: int = 0


async def cleanup(
    session: AsyncSession, settings: Settings, personalizer: Personalizer
) -> CleanupReport:
    """Expired and stale results, least recently used beyond the cap, old logs, old tokens."""
    now = datetime.now(UTC)
    results = ResultRepository(session)
    expired = await results.delete_expired(now)
    stale = await results.delete_stale()
    evicted = await results.evict_beyond(settings.personalization_max_entries)
    # Expired and stale keys are never asked for again (the key moved); evicted ones might be.
    await personalizer.forget(evicted)
    logs = await RequestLogRepository(session).delete_before(
        now - timedelta(days=settings.request_log_retention_days)
    )
    tokens = await accounts.purge_expired_tokens(session)
    translations = TranslationRepository(session)
    # Like results: an expired or stale key is never asked for again, so no hot copy to drop.
    expired_translations = await translations.delete_expired(now)
    stale_translations = await translations.delete_stale()
    return CleanupReport(
        expired, stale, len(evicted), logs, tokens, expired_translations, stale_translations
    )


async def warm(
    session: AsyncSession,
    personalizer: Personalizer,
    *,
    audiences: int,
    on_step: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Personalize every chapter for the `audiences` most common audiences in history.

    Returns (generated, already stored)."""
    profiles = await HistoryRepository(session).top_profiles(audiences)
    chapters = await ChapterRepository(session).list()
    total = len(profiles) * len(chapters)
    generated = stored = 0
    for fields in profiles:
        profile = ProfileData.model_validate(fields)
        for chapter in chapters:
            result = await personalizer.personalize(
                session, chapter, profile, user_id=None, record=False
            )
            if result.cached:
                stored += 1
            else:
                generated += 1
            if on_step is not None:
                on_step(total)
    return generated, stored


async def clear(session: AsyncSession, personalizer: Personalizer) -> int:
    removed = await ResultRepository(session).delete_all()
    await personalizer.forget_all()
    return removed


async def clear_translations(session: AsyncSession, translator: Translator) -> int:
    """Every stored machine translation (they regenerate on demand; human files stay)."""
    removed = await TranslationRepository(session).delete_all()
    await translator.forget_all()
    return removed
