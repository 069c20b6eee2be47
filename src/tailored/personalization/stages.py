"""The two stages of a personalization: the offline adapter (rules), then an optional model
rewrite over its verified output. Neither raises: failures become outcomes."""

from __future__ import annotations

import logging
import time

from tailored.derived.outcome import Outcome
from tailored.derived.rewrite import PREAMBLE, OnSection, rewrite_and_verify
from tailored.markdown import parse_document, split_sections, verify_structure
from tailored.models import Chapter, RequestStatus
from tailored.personalization.adapter import Adapter, Audience, ChapterInput, Library
from tailored.personalization.llm_adapter import RefiningAdapter, describe

log = logging.getLogger("tailored.personalization")


def chapter_input(chapter: Chapter) -> ChapterInput:
    return ChapterInput(
        id=chapter.id,
        title=chapter.title,
        source=chapter.source,
        source_hash=chapter.source_hash,
        front_matter=chapter.front_matter,
    )


def adapt_and_verify(
    adapter: Adapter, chapter: ChapterInput, audience: Audience, library: Library
) -> Outcome:
    """Run the adapter and the structure verifier (CPU-bound: callers use a worker thread)."""
    try:
        result = adapter.adapt(chapter, audience, library)
    except Exception as exc:  # noqa: BLE001 - a broken adapter must not break reading
        log.exception("adapter %s failed on %s", adapter.name, chapter.id)
        return Outcome(
            chapter.source, (), False, status=RequestStatus.failure, error=f"{exc!r}"[:500]
        )
    if result.content == chapter.source:
        return Outcome(result.content, result.applied)
    document = parse_document(result.content)
    check = verify_structure(
        chapter.source,
        document,
        allowed_removed_code=result.removed_code,
        allowed_removed_headings=result.removed_headings,
        allowed_removed_targets=result.removed_targets,
        allowed_added_targets=result.added_targets,
    )
    if not check.ok:
        issues = tuple(f"{i.code}: {i.message}" for i in check.issues)
        log.warning("rejected %s output for %s: %s", adapter.name, chapter.id, "; ".join(issues))
        return Outcome(
            chapter.source,
            (),
            False,
            issues=issues,
            status=RequestStatus.rejected,
            error="; ".join(issues)[:2000],
        )
    return Outcome(result.content, result.applied, document=document)


def _kept_sections(base: Outcome, previous: Outcome | None) -> dict[int, str]:
    """Sections an earlier partial rewrite of the same input got right, by index."""
    if previous is None or not previous.unfinished:
        return {}
    before = split_sections(previous.content)
    now = split_sections(base.document or base.content)
    if [s.anchor for s in before] != [s.anchor for s in now]:
        return {}
    redo = set(previous.unfinished)
    return {s.index: s.text for s in before if (s.anchor or PREAMBLE) not in redo}


async def refine(
    adapter: RefiningAdapter,
    base: Outcome,
    audience: Audience,
    *,
    on_section: OnSection | None = None,
    previous: Outcome | None = None,
) -> Outcome:
    """The second stage (a model's rewrite) over the verified first-stage output; with a
    `previous` partial result, only the sections it left as they were are sent again."""
    deadline = time.monotonic() + adapter.budget_seconds
    # The first stage's parse (and its link facts, computed by its check) serve again here.
    document = base.document or parse_document(base.content)
    kept = _kept_sections(base, previous)
    done = await rewrite_and_verify(
        document,
        adapter.refine(document, audience, deadline=deadline, kept=kept),
        on_section=on_section,
    )
    if done.issues:
        return Outcome(
            base.content,
            base.applied,
            status=RequestStatus.rejected,
            error=done.error,
            unfinished=done.unfinished,
            tokens=done.tokens,
        )
    return Outcome(
        done.content,
        base.applied + describe(list(done.results)),
        status=done.status,
        error=done.error,
        complete=done.complete,
        unfinished=done.unfinished,
        tokens=done.tokens,
    )
