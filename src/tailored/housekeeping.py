"""Keeping stored results and logs in bounds: cleanup, warming, clearing.

Each domain cleans up after itself through its service; this module only runs them together
(for `tailored cleanup` and `tailored cache ...`). Nothing but the CLI imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts import service as accounts
from tailored.analytics import service as analytics
from tailored.config import Settings
from tailored.content import service as content
from tailored.personalization import service as personalization
from tailored.personalization.service import Personalizer
from tailored.stream import service as stream
from tailored.translation import service as translation
from tailored.translation.engine import Translator
from tailored.tutor import service as tutor


@dataclass(frozen=True)
class CleanupReport:
    expired_results: int
    stale_results: int
    evicted_results: int
    old_request_logs: int
    expired_tokens: int
    expired_translations: int = 0
    stale_translations: int = 0
    anonymous_conversations: int = 0
    published_outbox: int = 0


async def cleanup(
    session: AsyncSession, settings: Settings, personalizer: Personalizer
) -> CleanupReport:
    """Expired and stale results, least recently used beyond the cap, old logs, old tokens,
    outbox rows published past the stream's retention."""
    expired, stale, evicted = await personalization.cleanup_results(
        session, personalizer, max_entries=settings.personalization_max_entries
    )
    cutoff = datetime.now(UTC) - timedelta(days=settings.request_log_retention_days)
    logs = await analytics.delete_logs_before(session, cutoff)
    tokens = await accounts.purge_expired_tokens(session)
    expired_translations, stale_translations = await translation.cleanup(session)
    published = await stream.cleanup(session, retention_hours=settings.stream.retention_hours)
    conversations = await tutor.purge_anonymous(session, settings.tutor.anonymous_retention_days)
    return CleanupReport(
        expired,
        stale,
        evicted,
        logs,
        tokens,
        expired_translations,
        stale_translations,
        conversations,
        published,
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
    profiles = await personalization.common_profiles(session, audiences)
    chapters, _ = await content.list_chapters(session)
    total = len(profiles) * len(chapters)
    generated = stored = 0
    for profile in profiles:
        for chapter in chapters:
            result = await personalizer.personalize(chapter, profile, user_id=None, record=False)
            if result.cached:
                stored += 1
            else:
                generated += 1
            if on_step is not None:
                on_step(total)
    return generated, stored


async def clear(session: AsyncSession, personalizer: Personalizer) -> int:
    return await personalization.clear_results(session, personalizer)


async def clear_translations(session: AsyncSession, translator: Translator) -> int:
    """Every stored machine translation (they regenerate on demand; human files stay)."""
    return await translation.clear(session, translator)
