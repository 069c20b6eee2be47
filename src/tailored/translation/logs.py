"""Request logs for translations: one `RequestLog` of kind "translate" per request.

Its `adapter` column holds "<lang>:<translator>" ("<lang>:none" when nothing was available),
so per-language figures need no extra column.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime

from tailored.analytics.recorder import Recorder
from tailored.models import RequestLog, RequestStatus
from tailored.translation.results import NoTranslationAvailable, Translated


async def logged(
    recorder: Recorder,
    user_id: uuid.UUID | None,
    chapter_id: str,
    lang: str,
    work: Awaitable[Translated],
) -> Translated:
    """`work`'s result, logged with its latency; NoTranslationAvailable is logged, then raised."""
    started = time.perf_counter()
    try:
        result = await work
    except NoTranslationAvailable as exc:
        record_missing(recorder, user_id, chapter_id, lang, started, exc)
        raise
    record(recorder, user_id, result, started)
    return result


def record(
    recorder: Recorder, user_id: uuid.UUID | None, result: Translated, started: float
) -> None:
    recorder.add(
        RequestLog,
        kind="translate",
        user_id=user_id,
        chapter_id=result.chapter_id,
        adapter=f"{result.lang}:{result.translator}"[:300],
        audience_key=result.key,
        cached=result.cached,
        latency_ms=(time.perf_counter() - started) * 1000,
        status=result.status.value,
        error=result.error or ("; ".join(result.issues)[:2000] if result.issues else None),
        input_tokens=result.tokens[0] if result.tokens and not result.cached else None,
        output_tokens=result.tokens[1] if result.tokens and not result.cached else None,
        created_at=datetime.now(UTC),
    )


def record_missing(
    recorder: Recorder,
    user_id: uuid.UUID | None,
    chapter_id: str,
    lang: str,
    started: float,
    exc: NoTranslationAvailable,
) -> None:
    detail = exc.detail.get("message") if isinstance(exc.detail, dict) else str(exc.detail)
    recorder.add(
        RequestLog,
        kind="translate",
        user_id=user_id,
        chapter_id=chapter_id,
        adapter=f"{lang}:none",
        audience_key=None,
        cached=False,
        latency_ms=(time.perf_counter() - started) * 1000,
        status=RequestStatus.failure.value,
        error=str(detail)[:2000],
        input_tokens=None,
        output_tokens=None,
        created_at=datetime.now(UTC),
    )
