"""Request logs for translations: one `RequestLog` of kind "translate" per request.

Its `adapter` column holds "<lang>:<translator>" ("<lang>:none" when nothing was available),
so per-language figures need no extra column.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable

from tailored.derived.recorder import Recorder
from tailored.derived.requestlog import log_request
from tailored.errors import NoTranslationAvailable
from tailored.models import RequestStatus
from tailored.translation.results import Translated


async def logged(
    recorder: Recorder,
    user_id: uuid.UUID | None,
    chapter_id: str,
    lang: str,
    work: Awaitable[Translated],
) -> Translated:
    """`work`'s result, logged with its latency; an error is logged, then raised."""
    started = time.perf_counter()
    try:
        result = await work
    except BaseException as exc:
        if isinstance(exc, NoTranslationAvailable) and isinstance(exc.detail, dict):
            error = str(exc.detail.get("message"))
        else:
            error = f"{exc!r}"
        log_request(
            recorder,
            kind="translate",
            user_id=user_id,
            chapter_id=chapter_id,
            label=f"{lang}:none" if isinstance(exc, NoTranslationAvailable) else f"{lang}:error",
            key=None,
            cached=False,
            started=started,
            status=RequestStatus.failure,
            error=error,
        )
        raise
    log_request(
        recorder,
        kind="translate",
        user_id=user_id,
        chapter_id=result.chapter_id,
        label=f"{result.lang}:{result.translator}",
        key=result.key,
        cached=result.cached,
        started=started,
        status=result.status,
        error=result.error or ("; ".join(result.issues) if result.issues else None),
        tokens=result.tokens,
    )
    return result
