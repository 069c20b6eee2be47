"""The personalization pipeline: audience → key → stored result, or adapt + verify + store.

One `Personalizer` lives in AppState because single flight needs to know what is in flight in
this process; everything else it touches (database, cache) is shared, so API processes stay
interchangeable.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.analytics.recorder import Recorder
from tailored.kit.cache import Cache, set_until
from tailored.kit.db import own_or_caller
from tailored.llm.rewrite import (
    SectionResult,
    assemble,
    overall_status,
    split_sections,
    tokens,
)
from tailored.markdown import Document, parse_document, verify_structure
from tailored.models import (
    Chapter,
    PersonalizationHistory,
    PersonalizedResult,
    RequestLog,
    RequestStatus,
)
from tailored.personalization.adapter import (
    Adapter,
    Audience,
    ChapterInput,
    Library,
    Transformation,
)
from tailored.personalization.keys import audience_key, profile_hash, read_fields
from tailored.personalization.library import load_library
from tailored.personalization.llm_adapter import RefiningAdapter, describe
from tailored.personalization.repository import ResultRepository
from tailored.personalization.singleflight import SingleFlight
from tailored.profiles.schemas import ProfileData

log = logging.getLogger("tailored.personalization")
HOT_TTL = 24 * 3600.0


@dataclass(frozen=True)
class Outcome:
    """What one adaptation produced: verified output, or the reason it was not used."""

    content: str
    applied: tuple[Transformation, ...]
    verified: bool
    issues: tuple[str, ...] = ()
    status: RequestStatus = RequestStatus.success
    error: str | None = None
    # False when part of it is a stand-in (time budget spent, provider down): never stored.
    complete: bool = True
    # The parsed `content`, when a stage already parsed it (reused by the next stage).
    document: Document | None = field(default=None, compare=False, repr=False)
    # Language-model tokens this outcome cost when it was made (None: no model was called).
    tokens: tuple[int, int] | None = None


OnSection = Callable[[SectionResult], Awaitable[None]]


@dataclass(frozen=True)
class Personalized:
    chapter_id: str
    adapter: str
    audience_key: str
    content: str
    applied: tuple[Transformation, ...]
    cached: bool
    verified: bool
    issues: tuple[str, ...]
    warning: str | None


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
    """Run the adapter and the structure verifier. Never raises: failures become outcomes."""
    try:
        result = adapter.adapt(chapter, audience, library)
    except Exception as exc:  # noqa: BLE001 - a broken adapter must not break reading
        log.exception("adapter %s failed on %s", adapter.name, chapter.id)
        return Outcome(
            chapter.source, (), False, status=RequestStatus.failure, error=f"{exc!r}"[:500]
        )
    if result.content == chapter.source:
        return Outcome(result.content, result.applied, True)
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
    return Outcome(result.content, result.applied, True, document=document)


async def refine(
    adapter: RefiningAdapter,
    base: Outcome,
    audience: Audience,
    on_section: OnSection | None = None,
) -> Outcome:
    """The second stage (LLM rewrite) over the verified first-stage output."""
    deadline = time.monotonic() + adapter.budget_seconds
    results: list[SectionResult] = []
    # The first stage's parse (and its link facts, computed by its check) serve again here.
    document = base.document or parse_document(base.content)
    async with contextlib.aclosing(
        adapter.refine(document, audience, deadline=deadline)
    ) as sections:
        async for result in sections:
            results.append(result)
            if on_section is not None:
                await on_section(result)
    status, complete = overall_status(results)
    used = tokens(results)
    errors = "; ".join(f"{r.anchor or '(introduction)'}: {r.error}" for r in results if r.error)
    content = assemble(results)
    check = verify_structure(document, content)
    if not check.ok:
        # Each section passed alone, so this is rare (say, a comment opened in one section
        # swallowing the next); the first stage's output stands.
        issues = "; ".join(f"{i.code}: {i.message}" for i in check.issues)
        log.warning("rejected %s rewrite: %s", adapter.name, issues)
        return Outcome(
            base.content, base.applied, True, (), RequestStatus.rejected, issues[:2000], tokens=used
        )
    if status != "success":
        log.warning("%s rewrite %s: %s", adapter.name, status, errors[:500])
    return Outcome(
        content,
        base.applied + describe(results),
        True,
        status=RequestStatus(status),
        error=errors[:2000] or None,
        complete=complete,
        tokens=used,
    )


class Personalizer:
    def __init__(
        self,
        *,
        adapter: Adapter,
        cache: Cache,
        recorder: Recorder,
        ttl_seconds: int,
        lock_ttl: float,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.adapter = adapter
        # With a sessionmaker, every read and write of the engine is a short transaction of
        # its own, so no request holds a pooled connection while a result is generated or
        # while it waits on another request's generation (with an LLM, seconds; with 100
        # identical requests, a pool-exhaustion deadlock). None: the caller's session (tests).
        self.sessionmaker = sessionmaker
        self.cache = cache
        self.recorder = recorder
        self.ttl = timedelta(seconds=ttl_seconds)
        self.flight: SingleFlight[Outcome] = SingleFlight(cache, lock_ttl=lock_ttl)
        # How many adaptations this process ran: the single-flight benchmark and tests count it.
        self.adaptations = 0

    @property
    def adapter_label(self) -> str:
        return f"{self.adapter.name}@{self.adapter.version}"

    async def personalize(
        self,
        session: AsyncSession,
        chapter: Chapter,
        profile: ProfileData,
        *,
        user_id: uuid.UUID | None,
        record: bool = True,
        on_section: OnSection | None = None,
    ) -> Personalized:
        """Personalize `chapter` for `profile`; `record=False` (cache warming) logs nothing.

        `on_section` sees each section as it is ready when this call generates the result
        (the streaming API); a cached result, or one another request generated, is returned
        whole.
        """
        started = time.perf_counter()
        source = chapter_input(chapter)
        library = await load_library(lambda: self._db(session), self.cache)
        audience = self.adapter.audience(profile, source, library)
        key = audience_key(self.adapter, source, library, audience)

        # The hot copy only: a miss goes through the flight, whose lookup also asks the
        # database (a hot copy lost while the row lives costs one lock round trip, not a
        # generation), so an uncached request reads the database once, not twice.
        outcome = await self._hot(key)
        cached = outcome is not None
        if outcome is None:
            outcome, produced = await self.flight.run(
                key,
                lambda: self._lookup(session, key),
                lambda: self._produce(session, key, source, audience, library, on_section),
            )
            cached = not produced
        if record:
            if cached:
                self.recorder.touch(key)
            self._record(user_id, chapter.id, key, profile, cached, started, outcome)
        return Personalized(
            chapter_id=chapter.id,
            adapter=self.adapter_label,
            audience_key=key,
            content=outcome.content,
            applied=outcome.applied,
            cached=cached,
            verified=outcome.verified,
            issues=outcome.issues,
            warning=None
            if outcome.verified
            else "this chapter could not be personalized safely; showing the original",
        )

    def _db(self, session: AsyncSession) -> AbstractAsyncContextManager[AsyncSession]:
        """A short transaction of the engine's own, or the caller's session (see __init__)."""
        return own_or_caller(self.sessionmaker, session)

    async def _hot(self, key: str) -> Outcome | None:
        raw = await self.cache.get(_hot_key(key))
        return _decode(raw) if raw is not None else None

    async def _lookup(self, session: AsyncSession, key: str) -> Outcome | None:
        """The hot copy, else the stored row (copied to the cache again)."""
        if (outcome := await self._hot(key)) is not None:
            return outcome
        async with self._db(session) as db:
            row = await ResultRepository(db).get_live(key, datetime.now(UTC))
        if row is None:
            return None
        outcome = Outcome(
            row.content, tuple(Transformation(a["name"], a["detail"]) for a in row.applied), True
        )
        await self._hot_copy(key, row.chapter_id, outcome, row.expires_at)
        return outcome

    async def _produce(
        self,
        session: AsyncSession,
        key: str,
        chapter: ChapterInput,
        audience: Audience,
        library: Library,
        on_section: OnSection | None = None,
    ) -> Outcome:
        self.adaptations += 1
        # CPU-bound: a worker thread keeps this process answering cache hits meanwhile.
        outcome = await asyncio.to_thread(
            adapt_and_verify, self.adapter, chapter, audience, library
        )
        if isinstance(self.adapter, RefiningAdapter) and outcome.verified:
            outcome = await refine(self.adapter, outcome, audience, on_section)
        if outcome.verified and outcome.complete:
            async with self._db(session) as db:
                await self._store(db, key, chapter, audience, outcome)
        return outcome

    async def stream(
        self,
        session: AsyncSession,
        chapter: Chapter,
        profile: ProfileData,
        *,
        user_id: uuid.UUID | None,
    ) -> AsyncIterator[tuple[str, dict[str, object]]]:
        """(event, data) pairs: `section` for each section as it is ready, then `done`."""
        queue: asyncio.Queue[SectionResult | None] = asyncio.Queue()

        async def on_section(result: SectionResult) -> None:
            await queue.put(result)

        task = asyncio.create_task(
            self.personalize(session, chapter, profile, user_id=user_id, on_section=on_section)
        )
        task.add_done_callback(lambda _: queue.put_nowait(None))
        streamed: list[SectionResult] = []
        try:
            while (item := await queue.get()) is not None:
                streamed.append(item)
                yield "section", _section_event(item.index, item.anchor, item.text)
            result = await task
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if not streamed:
            # Cached, or generated by another request: all of it is ready now.
            for section in split_sections(result.content):
                yield "section", _section_event(section.index, section.anchor, section.text)
        done: dict[str, object] = {
            "audience_key": result.audience_key,
            "adapter": result.adapter,
            "cached": result.cached,
            "applied_transformations": [
                {"name": t.name, "detail": t.detail} for t in result.applied
            ],
            "verification": {"ok": result.verified, "issues": list(result.issues)},
            "warning": result.warning,
        }
        if streamed and assemble(streamed) != result.content:
            # The sections sent are not what stands (the whole failed verification): the
            # client replaces what it showed with this.
            done["content"] = result.content
        yield "done", done

    async def _store(
        self,
        session: AsyncSession,
        key: str,
        chapter: ChapterInput,
        audience: Audience,
        outcome: Outcome,
    ) -> None:
        now = datetime.now(UTC)
        row = PersonalizedResult(
            key=key,
            chapter_id=chapter.id,
            source_hash=chapter.source_hash,
            adapter=self.adapter_label,
            audience=dict(audience),
            content=outcome.content,
            applied=[{"name": t.name, "detail": t.detail} for t in outcome.applied],
            size_bytes=len(outcome.content.encode()),
            hits=0,
            created_at=now,
            last_used_at=now,
            expires_at=now + self.ttl,
        )
        # The row commits with the request; the hot copy is visible at once, so a process that
        # waited on the lock finds it before that commit lands.
        await ResultRepository(session).put(row)
        await self._hot_copy(key, chapter.id, outcome, row.expires_at)

    async def _hot_copy(
        self, key: str, chapter_id: str, outcome: Outcome, expires_at: datetime
    ) -> None:
        await set_until(
            self.cache,
            _hot_key(key),
            _encode(outcome),
            expires_at=expires_at,
            max_ttl=HOT_TTL,
            tags=(f"chapter:{chapter_id}", "personalized"),
        )

    def _record(
        self,
        user_id: uuid.UUID | None,
        chapter_id: str,
        key: str,
        profile: ProfileData,
        cached: bool,
        started: float,
        outcome: Outcome,
    ) -> None:
        now = datetime.now(UTC)
        self.recorder.add(
            RequestLog,
            kind="personalize",
            user_id=user_id,
            chapter_id=chapter_id,
            adapter=self.adapter_label,
            audience_key=key,
            cached=cached,
            latency_ms=(time.perf_counter() - started) * 1000,
            status=outcome.status.value,
            error=outcome.error,
            # A request served what another made (cache, single flight) spent no tokens.
            # Every RequestLog row names the same columns: the recorder inserts them together.
            input_tokens=outcome.tokens[0] if outcome.tokens and not cached else None,
            output_tokens=outcome.tokens[1] if outcome.tokens and not cached else None,
            created_at=now,
        )
        if user_id is not None:
            fields = read_fields(self.adapter, profile)
            self.recorder.add(
                PersonalizationHistory,
                user_id=user_id,
                chapter_id=chapter_id,
                audience_key=key,
                profile_fields=fields,
                profile_hash=profile_hash(fields),
                created_at=now,
            )

    async def forget(self, keys: list[str]) -> None:
        if keys:
            await self.cache.delete(*(_hot_key(k) for k in keys))

    async def forget_all(self) -> None:
        await self.cache.invalidate_tags("personalized")


def _section_event(index: int, anchor: str | None, text: str) -> dict[str, object]:
    return {"index": index, "anchor": anchor, "content": text}


def _hot_key(key: str) -> str:
    return f"pz:{key}"


def _encode(outcome: Outcome) -> bytes:
    return json.dumps(
        {"content": outcome.content, "applied": [[t.name, t.detail] for t in outcome.applied]}
    ).encode()


def _decode(raw: bytes) -> Outcome:
    data = json.loads(raw)
    return Outcome(data["content"], tuple(Transformation(n, d) for n, d in data["applied"]), True)
