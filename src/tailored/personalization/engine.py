"""The personalization engine: audience → key → the derived-results pipeline.

One `Personalizer` lives in AppState because single flight needs to know what is in flight in
this process; everything else it touches (database, cache) is shared, so API processes stay
interchangeable. It never uses a request's session: every read and write is a short
transaction of its own (see docs/architecture.md, "The transaction rule").
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.derived.outcome import Outcome, Transformation
from tailored.derived.pipeline import Pipeline
from tailored.derived.recorder import Recorder
from tailored.derived.requestlog import log_request
from tailored.derived.rewrite import OnSection
from tailored.derived.singleflight import lock_ttl_for
from tailored.derived.store import HOT_TTL, PREFIXES, Lifetimes, ResultStore, decode, encode
from tailored.kit.cache import Cache
from tailored.kit.db import transaction
from tailored.kit.hashing import sha256_text
from tailored.models import Chapter, PersonalizationHistory, PersonalizedResult, RequestStatus
from tailored.personalization.adapter import Adapter, Audience, ChapterInput, Library
from tailored.personalization.keys import audience_key, profile_hash, read_fields
from tailored.personalization.library import load_library
from tailored.personalization.llm_adapter import RefiningAdapter
from tailored.personalization.stages import adapt_and_verify, chapter_input, refine
from tailored.profiles.schemas import ProfileData

UNSAFE = "this chapter could not be personalized safely; showing the original"
# How long a process reuses the library (glossary, chapter titles) before asking the cache.
LIBRARY_NEAR_TTL = 2.0


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


class Personalizer:
    def __init__(
        self,
        *,
        adapter: Adapter,
        cache: Cache,
        recorder: Recorder,
        sessionmaker: async_sessionmaker[AsyncSession],
        ttl_seconds: int,
        partial_ttl_seconds: int = 600,
        lock_ttl: float = 30.0,
        content_dir: Path | None = None,
        store: ResultStore[PersonalizedResult] | None = None,
    ) -> None:
        self.adapter = adapter
        # The docs folder: its sidebars order and tailored.yml steer inference.
        self.content_dir = content_dir
        self.cache = cache
        self.recorder = recorder
        self.sessionmaker = sessionmaker
        store = store or ResultStore(
            "personalized",
            PersonalizedResult,
            cache=cache,
            sessionmaker=sessionmaker,
            lifetimes=Lifetimes(
                full=timedelta(seconds=ttl_seconds), partial=timedelta(seconds=partial_ttl_seconds)
            ),
        )
        self._lock_ttl = lock_ttl
        budget = adapter.budget_seconds if isinstance(adapter, RefiningAdapter) else 0.0
        self.pipeline = Pipeline(store, lock_ttl=lock_ttl_for(budget, floor=lock_ttl))
        self._library_near: tuple[int, float, Library] | None = None

    def with_adapter(self, adapter: Adapter) -> Personalizer:
        """Another adapter on the same stored results (a rollout serves two side by side):
        the audience key names the adapter, so their results never mix, and forgetting
        results through either forgets them for both."""
        store = self.pipeline.store
        return Personalizer(
            adapter=adapter,
            cache=self.cache,
            recorder=self.recorder,
            sessionmaker=self.sessionmaker,
            ttl_seconds=0,  # unused: the shared store keeps its lifetimes
            lock_ttl=self._lock_ttl,
            content_dir=self.content_dir,
            store=store,
        )

    @property
    def adapter_label(self) -> str:
        return f"{self.adapter.name}@{self.adapter.version}"

    @property
    def adaptations(self) -> int:
        """Adaptations this process ran (the single-flight benchmark and tests count them)."""
        return self.pipeline.produced

    async def personalize(
        self,
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
        whole. Every request is logged, whatever happens to it.
        """
        started = time.perf_counter()
        source = chapter_input(chapter)
        key: str | None = None
        try:
            library = await self.library()
            audience = self.adapter.audience(profile, source, library)
            key = audience_key(self.adapter, source, library, audience)
            served = await self.pipeline.serve(
                key,
                chapter.id,
                lambda previous: self._produce(source, audience, library, on_section, previous),
                lambda made: self._columns(chapter, audience, made),
            )
        except BaseException as exc:
            # Errors and cancellations (the client went away) are logged all the same.
            if record:
                failed = Outcome(
                    chapter.source,
                    verified=False,
                    status=RequestStatus.failure,
                    error="cancelled: the client went away"
                    if isinstance(exc, asyncio.CancelledError)
                    else f"{exc!r}"[:500],
                )
                self._log(user_id, chapter.id, key, False, started, failed)
            raise
        outcome, cached = served.outcome, served.cached
        if record:
            if cached:
                self.recorder.touch(key)
            self._record(user_id, chapter.id, key, profile, cached, started, outcome)
        return self._personalized(chapter.id, key, outcome, cached)

    def _columns(self, chapter: Chapter, audience: Audience, made: Outcome) -> dict[str, object]:
        """This kind's own columns of a stored result (see derived.store.ResultStore.save)."""
        return {
            "source_hash": chapter.source_hash,
            "adapter": self.adapter_label,
            "audience": dict(audience),
            "applied": [{"name": t.name, "detail": t.detail} for t in made.applied],
            "hits": 0,
            "last_used_at": datetime.now(UTC),
        }

    async def library(self) -> Library:
        """The library, kept near (in this process) for LIBRARY_NEAR_TTL seconds: another
        process's ingest shows within that time, this process's own at once."""
        now = time.monotonic()
        near = self._library_near
        if (
            near is not None
            and near[0] == content.generation()
            and now - near[1] < LIBRARY_NEAR_TTL
        ):
            return near[2]
        library = await load_library(
            lambda: transaction(self.sessionmaker), self.cache, docs_root=self.content_dir
        )
        self._library_near = (content.generation(), now, library)
        return library

    async def _produce(
        self,
        chapter: ChapterInput,
        audience: Audience,
        library: Library,
        on_section: OnSection | None,
        previous: Outcome | None,
    ) -> Outcome:
        # CPU-bound: a worker thread keeps this process answering cache hits meanwhile.
        outcome = await asyncio.to_thread(
            adapt_and_verify, self.adapter, chapter, audience, library
        )
        if isinstance(self.adapter, RefiningAdapter) and outcome.verified:
            outcome = await refine(
                self.adapter, outcome, audience, on_section=on_section, previous=previous
            )
        return outcome

    async def adapt_text(self, chapter: Chapter, text: str, profile: ProfileData) -> Personalized:
        """The offline stage over another text of `chapter` (a human translation); cached by
        its audience key, not stored (the text is read from disk on every request)."""
        source = ChapterInput(
            id=chapter.id,
            title=chapter.title,
            source=text,
            source_hash=sha256_text(text),
            # The chapter's own front matter: adapters read structural keys (advanced_sections,
            # prerequisites) that a translation keeps, and the ingested copy is parsed already.
            front_matter=chapter.front_matter,
        )
        library = await self.library()
        audience = self.adapter.audience(profile, source, library)
        key = audience_key(self.adapter, source, library, audience)
        hot_key = f"{PREFIXES['adapted-human']}:{key}"
        raw = await self.cache.get(hot_key)
        if raw is not None:
            outcome, cached = decode(raw), True
        else:
            outcome = await asyncio.to_thread(
                adapt_and_verify, self.adapter, source, audience, library
            )
            cached = False
            if outcome.verified:
                await self.cache.set(
                    hot_key,
                    encode(outcome),
                    ttl=HOT_TTL,
                    tags=(f"chapter:{chapter.id}", "personalized"),
                )
        return self._personalized(chapter.id, key, outcome, cached)

    def _personalized(
        self, chapter_id: str, key: str, outcome: Outcome, cached: bool
    ) -> Personalized:
        return Personalized(
            chapter_id=chapter_id,
            adapter=self.adapter_label,
            audience_key=key,
            content=outcome.content,
            applied=outcome.applied,
            cached=cached,
            verified=outcome.verified,
            issues=outcome.issues,
            warning=None if outcome.verified else UNSAFE,
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
        self._log(user_id, chapter_id, key, cached, started, outcome)
        if user_id is not None:
            fields = read_fields(self.adapter, profile)
            self.recorder.add(
                PersonalizationHistory,
                user_id=user_id,
                chapter_id=chapter_id,
                audience_key=key,
                profile_fields=fields,
                profile_hash=profile_hash(fields),
                created_at=datetime.now(UTC),
            )

    def _log(
        self,
        user_id: uuid.UUID | None,
        chapter_id: str,
        key: str | None,
        cached: bool,
        started: float,
        outcome: Outcome,
    ) -> None:
        log_request(
            self.recorder,
            kind="personalize",
            user_id=user_id,
            chapter_id=chapter_id,
            label=self.adapter_label,
            key=key,
            cached=cached,
            started=started,
            status=outcome.status,
            error=outcome.error,
            tokens=outcome.tokens,
        )

    async def forget(self, keys: list[str]) -> None:
        await self.pipeline.store.forget(keys)

    async def forget_all(self) -> None:
        await self.pipeline.store.forget_all()
