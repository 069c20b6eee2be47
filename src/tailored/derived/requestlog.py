"""One `RequestLog` row per request for a derived result, whatever happened to it.

Written through the `Recorder` (batched, off the request path). `label` is what made the
result: the adapter ("rules@3", "llm@..."), or "<lang>:<translator>" for translations.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from tailored.derived.recorder import Recorder
from tailored.models import RequestLog, RequestStatus


def log_request(
    recorder: Recorder,
    *,
    kind: str,
    user_id: uuid.UUID | None,
    chapter_id: str,
    label: str,
    key: str | None,
    cached: bool,
    started: float,
    status: RequestStatus,
    error: str | None,
    tokens: tuple[int, int] | None = None,
) -> None:
    """Queue the row; `started` is the request's `time.perf_counter()` at its start."""
    recorder.add(
        RequestLog,
        kind=kind,
        user_id=user_id,
        chapter_id=chapter_id,
        adapter=label[:300],
        audience_key=key,
        cached=cached,
        latency_ms=(time.perf_counter() - started) * 1000,
        status=status.value,
        error=error[:2000] if error else None,
        # A request served what another made (cache, single flight) spent no tokens. Every
        # row names the same columns: the recorder inserts them together.
        input_tokens=tokens[0] if tokens and not cached else None,
        output_tokens=tokens[1] if tokens and not cached else None,
        created_at=datetime.now(UTC),
    )
