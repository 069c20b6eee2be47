"""The section-by-section rewrite, gathered and verified as a whole.

A model rewrites a document section by section (see llm/rewrite.py, which checks each answer);
this step collects the sections as they come (passing each to `on_section`, the streaming API),
reassembles the document and verifies its structure against the input once more.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass

from tailored.llm.rewrite import SectionResult, assemble, overall_status, tokens
from tailored.markdown import Document, verify_structure
from tailored.models import RequestStatus

log = logging.getLogger("tailored.derived")

# How a section before the first heading is named where sections are listed by anchor.
PREAMBLE = "(preamble)"
OnSection = Callable[[SectionResult], Awaitable[None]]


@dataclass(frozen=True)
class Rewritten:
    results: tuple[SectionResult, ...]
    # The reassembled document; the input again when `issues` is set.
    content: str
    status: RequestStatus
    # False when a section is a stand-in (time budget, provider down): serve, do not store.
    complete: bool
    # (input, output) tokens every attempt cost, rejected ones included.
    tokens: tuple[int, int]
    # Sections left as they were (rejected, timed out, failed), by anchor.
    unfinished: tuple[str, ...]
    # Per-section errors, for the request log.
    error: str | None
    # Whole-document verification problems (each section passed alone, so this is rare).
    issues: tuple[str, ...]


async def rewrite_and_verify(
    original: Document,
    sections: AsyncGenerator[SectionResult, None],
    *,
    on_section: OnSection | None = None,
) -> Rewritten:
    results: list[SectionResult] = []
    async with contextlib.aclosing(sections) as running:
        async for result in running:
            results.append(result)
            if on_section is not None:
                await on_section(result)
    status, complete = overall_status(results)
    unfinished = tuple(
        r.anchor or PREAMBLE for r in results if r.status in ("rejected", "timeout", "failure")
    )
    errors = "; ".join(f"{r.anchor or PREAMBLE}: {r.error}" for r in results if r.error)
    content = assemble(results)
    check = verify_structure(original, content)
    issues = tuple(f"{i.code}: {i.message}" for i in check.issues)
    if issues:
        # Say, a comment opened in one section swallowing the next: the input stands.
        log.warning("rejected a rewrite as a whole: %s", "; ".join(issues)[:500])
        return Rewritten(
            tuple(results),
            original.text,
            RequestStatus.rejected,
            False,
            tokens(results),
            tuple(r.anchor or PREAMBLE for r in results),
            "; ".join(issues)[:2000],
            issues,
        )
    if status != "success":
        log.warning("rewrite %s: %s", status, errors[:500])
    return Rewritten(
        tuple(results),
        content,
        RequestStatus(status),
        complete,
        tokens(results),
        unfinished,
        errors[:2000] or None,
        (),
    )
