"""The translation pipeline: the original, a human translation, a machine translation, or 404.

For (chapter, language), in order:

1. The source language itself: the chapter as written.
2. A human translation in the Docusaurus layout. Read from disk on every request (a few KB; a
   translator's edit shows at once and nothing needs invalidating); what is costly about it,
   parsing both documents for staleness and the structure report, is cached by the file's
   digest (which covers its manifest entry) and the English source hash. It is served even when
   the structure report lists differences: people may restructure a translation on purpose
   (split a paragraph, drop an untranslatable pun), so the report informs instead of blocking.
3. A machine translator (LLM, then Apertium, as configured), through the section rewriter:
   protected regions and kept terms are masked, every section's answer is checked, and the
   whole result is verified again. Results are stored by (chapter, languages, hash of the text
   translated, translator label and version, kept terms) in the database, with a hot copy in
   the cache, shared by every reader; identical concurrent requests translate once.
4. Otherwise `NoTranslationAvailable` (404), saying what was looked for and what is configured.

Every request is logged as a `RequestLog` of kind "translate"; its `adapter` column holds
"<lang>:<translator>" so per-language figures need no extra column.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.analytics.recorder import Recorder
from tailored.config import Settings
from tailored.errors import AppError, NotFound
from tailored.kit.cache import Cache
from tailored.llm.rewrite import (
    SectionResult,
    TextModel,
    assemble,
    overall_status,
    rewrite_document,
)
from tailored.llm.router import ProviderChain
from tailored.markdown import verify_structure
from tailored.models import Chapter, MachineTranslation, RequestLog, RequestStatus
from tailored.personalization.adapter import Adapter, ChapterInput, Transformation
from tailored.personalization.engine import adapt_and_verify
from tailored.personalization.keys import audience_key, canonical_json
from tailored.personalization.library import load_library
from tailored.personalization.singleflight import SingleFlight
from tailored.profiles.schemas import ProfileData
from tailored.translation import human
from tailored.translation.config import TranslationConfig
from tailored.translation.keep import KeepTermsError, KeepTermsFile, digest
from tailored.translation.languages import Direction, direction, is_language, language_name
from tailored.translation.machine import (
    ApertiumTranslator,
    LLMTranslator,
    MachineTranslator,
    MachineTranslators,
)
from tailored.translation.repository import TranslationRepository

log = logging.getLogger("tailored.translation")

HOT_TTL = 24 * 3600.0
PREAMBLE = human.PREAMBLE
# Front matter a translator is expected to translate; every other key must stay as it was.
TRANSLATABLE_FRONT_MATTER = frozenset(
    {"title", "sidebar_label", "description", "keywords", "pagination_label"}
)

SourceKind = Literal["original", "human", "machine"]
# How the content was made, for people reading the response.
Path_ = Literal[
    "original", "human", "machine", "personalized+machine", "human+rules", "personalized"
]


class NoTranslationAvailable(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no translation is available for this language"


class TranslationSetupError(AppError):
    """The docs folder's translation files cannot be used (500, saying what to fix)."""


@dataclass(frozen=True)
class Translated:
    chapter_id: str
    lang: str
    content: str
    source: SourceKind
    translator: str
    direction: Direction
    source_hash: str
    made_from: str | None
    stale: bool
    changed_sections: tuple[str, ...]
    cached: bool
    verified: bool
    issues: tuple[str, ...]
    status: RequestStatus = RequestStatus.success
    error: str | None = None
    untranslated_sections: tuple[str, ...] = ()
    personalized: bool = False
    applied: tuple[Transformation, ...] = ()
    path: Path_ = "original"
    key: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class HumanReport:
    """What is derived from a human translation: staleness and the structure report."""

    stale: bool
    changed: tuple[str, ...]
    issues: tuple[str, ...]


@dataclass(frozen=True)
class MachineOutcome:
    content: str
    status: RequestStatus
    untranslated: tuple[str, ...]
    issues: tuple[str, ...] = ()
    error: str | None = None
    complete: bool = True


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def analyse_human(
    english: str, chapter_path: str, source_hash: str, found: human.HumanTranslation
) -> HumanReport:
    """Staleness against the manifest, and how the translation's structure differs."""
    current = human.section_hashes(english, chapter_path)
    state = human.staleness(found.entry, source_hash, current)
    check = verify_structure(
        english, found.text, allowed_changed_front_matter_keys=TRANSLATABLE_FRONT_MATTER
    )
    issues = tuple(f"{i.code}: {i.message}" for i in check.issues)
    return HumanReport(state.stale, state.changed_sections, issues)


async def translate_text(
    text: str,
    model: TextModel,
    *,
    keep_terms: dict[str, str],
    budget_seconds: float,
) -> MachineOutcome:
    """Machine-translate a whole document through the section rewriter, then verify it."""
    deadline = time.monotonic() + budget_seconds
    results: list[SectionResult] = [
        r
        async for r in rewrite_document(
            text, model, mode="translate", deadline=deadline, keep_terms=keep_terms
        )
    ]
    status, complete = overall_status(results)
    content = assemble(results)
    untranslated = tuple(
        r.anchor or PREAMBLE for r in results if r.status in ("rejected", "timeout", "failure")
    )
    errors = "; ".join(f"{r.anchor or PREAMBLE}: {r.error}" for r in results if r.error)
    check = verify_structure(text, content)
    if not check.ok:
        # Each section passed alone, so this is rare (an anchor duplicated across sections):
        # the original stands, and nothing is stored.
        issues = tuple(f"{i.code}: {i.message}" for i in check.issues)
        return MachineOutcome(
            text,
            RequestStatus.rejected,
            tuple(r.anchor or PREAMBLE for r in results),
            issues,
            "; ".join(issues)[:2000],
            complete=False,
        )
    return MachineOutcome(
        content, RequestStatus(status), untranslated, (), errors[:2000] or None, complete
    )


def build_machines(
    config: TranslationConfig, llm: ProviderChain | None, prompts_dir: Path | None
) -> tuple[MachineTranslators, list[str]]:
    """The configured machine translators, and a note for each one configured but off."""
    translators: list[MachineTranslator] = []
    notes: list[str] = []
    for name in config.machine:
        if name == "llm":
            if llm is None:
                notes.append("llm: no [[llm.providers]] configured")
            else:
                translators.append(LLMTranslator(llm, prompts_dir))
        else:
            translators.append(
                ApertiumTranslator(
                    command=config.apertium_command,
                    data_dir=config.apertium_data_dir,
                    timeout_s=config.apertium_timeout_s,
                )
            )
    return MachineTranslators(translators), notes


async def describe_machines(machines: MachineTranslators, notes: list[str]) -> list[str]:
    """One line per configured machine translator, for people (errors, the CLI)."""
    return [*await machines.describe(), *notes] or [
        "no machine translators configured ([translation] machine = [])"
    ]


class Translator:
    def __init__(
        self,
        *,
        config: TranslationConfig,
        content_dir: Path | None,
        machines: MachineTranslators,
        cache: Cache,
        recorder: Recorder,
        notes: list[str] | None = None,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.config = config
        # As in the Personalizer: with a sessionmaker, every read and write is a short
        # transaction of its own, so no request holds a pooled connection while a chapter is
        # translated or while it waits on another request's translation. None: the caller's
        # session.
        self.sessionmaker = sessionmaker
        self.content_dir = content_dir
        self.machines = machines
        self.cache = cache
        self.recorder = recorder
        self.notes = list(notes or [])
        self.keep = KeepTermsFile(content_dir)
        self.ttl = timedelta(seconds=config.ttl_seconds)
        self.flight: SingleFlight[MachineOutcome] = SingleFlight(
            cache, lock_ttl=config.lock_ttl_seconds
        )
        # Machine translations this process ran (tests and benchmarks count them).
        self.generations = 0

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        cache: Cache,
        recorder: Recorder,
        llm: ProviderChain | None,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> Translator:
        machines, notes = build_machines(settings.translation, llm, settings.llm_prompts_dir)
        return cls(
            config=settings.translation,
            content_dir=settings.content_dir,
            machines=machines,
            cache=cache,
            recorder=recorder,
            notes=notes,
            sessionmaker=sessionmaker,
        )

    @property
    def source_language(self) -> str:
        return self.config.source_language

    @contextlib.asynccontextmanager
    async def _db(self, session: AsyncSession) -> AsyncIterator[AsyncSession]:
        """A short transaction of the translator's own, or the caller's session."""
        if self.sessionmaker is None:
            yield session
            return
        async with self.sessionmaker() as own:
            yield own
            await own.commit()

    # -- the request ------------------------------------------------------------------------

    async def translate(
        self,
        session: AsyncSession,
        chapter: Chapter,
        lang: str,
        *,
        user_id: uuid.UUID | None = None,
        record: bool = True,
    ) -> Translated:
        """`chapter` in `lang`: original, human, machine, or NoTranslationAvailable."""
        started = time.perf_counter()
        try:
            if lang == self.source_language:
                result = self.original(chapter, chapter.source)
            else:
                found = self.find_human(chapter, lang)
                if found is not None:
                    result = await self.serve_human(chapter, lang, found)
                else:
                    machine = await self.machine(session, chapter, lang, text=chapter.source)
                    if machine is None:
                        raise await self.unavailable(chapter, lang)
                    result = machine
        except NoTranslationAvailable as exc:
            if record:
                self.record_missing(user_id, chapter.id, lang, started, exc)
            raise
        if record:
            self.record(user_id, result, started)
        return result

    def original(self, chapter: Chapter, content: str) -> Translated:
        lang = self.source_language
        return Translated(
            chapter_id=chapter.id,
            lang=lang,
            content=content,
            source="original",
            translator="original",
            direction=direction(lang),
            source_hash=chapter.source_hash,
            made_from=chapter.source_hash,
            stale=False,
            changed_sections=(),
            cached=False,
            verified=True,
            issues=(),
        )

    # -- human ------------------------------------------------------------------------------

    def find_human(self, chapter: Chapter, lang: str) -> human.HumanTranslation | None:
        if self.content_dir is None:
            return None
        return human.find(self.content_dir, lang, chapter.path)

    async def human_report(
        self, chapter: Chapter, found: human.HumanTranslation
    ) -> tuple[HumanReport, bool]:
        """The staleness and structure report, and whether it came from the cache."""
        key = f"tr:human:{found.digest}:{chapter.source_hash}"
        raw = await self.cache.get(key)
        if raw is not None:
            data = json.loads(raw)
            return HumanReport(data["stale"], tuple(data["changed"]), tuple(data["issues"])), True
        report = await asyncio.to_thread(
            analyse_human, chapter.source, chapter.path, chapter.source_hash, found
        )
        body = {"stale": report.stale, "changed": report.changed, "issues": report.issues}
        await self.cache.set(
            key, json.dumps(body).encode(), ttl=HOT_TTL, tags=(f"chapter:{chapter.id}",)
        )
        return report, False

    async def serve_human(
        self, chapter: Chapter, lang: str, found: human.HumanTranslation
    ) -> Translated:
        report, cached = await self.human_report(chapter, found)
        warning = None
        if report.stale:
            warning = (
                "the English chapter changed after this translation was made"
                if found.entry is not None
                else "this translation has no manifest entry; it may be out of date"
            )
        return Translated(
            chapter_id=chapter.id,
            lang=lang,
            content=found.text,
            source="human",
            translator="human",
            direction=direction(lang),
            source_hash=chapter.source_hash,
            made_from=found.entry.source_hash if found.entry is not None else None,
            stale=report.stale,
            changed_sections=report.changed,
            cached=cached,
            verified=not report.issues,
            issues=report.issues,
            path="human",
            warning=warning,
        )

    def human_languages(self, chapter: Chapter) -> list[str]:
        """Languages with a human translation of `chapter`, from the docs folder's i18n/."""
        if self.content_dir is None:
            return []
        root = self.content_dir / "i18n"
        try:
            names = sorted(p.name for p in root.iterdir() if p.is_dir())
        except OSError:
            return []
        return [
            lang
            for lang in names
            if is_language(lang) and human.find(self.content_dir, lang, chapter.path) is not None
        ]

    async def rules_over_human(
        self,
        session: AsyncSession,
        adapter: Adapter,
        chapter: Chapter,
        lang: str,
        found: human.HumanTranslation,
        profile: ProfileData,
    ) -> Translated:
        """The configured adapter's offline stage run over a human translation."""
        base = await self.serve_human(chapter, lang, found)
        source = ChapterInput(
            id=chapter.id,
            title=chapter.title,
            source=found.text,
            source_hash=sha256(found.text),
            # The English front matter: adapters read structural keys (advanced_sections,
            # prerequisites) that a translation keeps, and the ingested copy is parsed already.
            front_matter=chapter.front_matter,
        )
        async with self._db(session) as db:
            library = await load_library(db, self.cache)
        audience = adapter.audience(profile, source, library)
        key = "tr:rules:" + audience_key(adapter, source, library, audience)
        raw = await self.cache.get(key)
        issues: tuple[str, ...] = ()
        if raw is not None:
            data = json.loads(raw)
            content = data["content"]
            applied = tuple(Transformation(n, d) for n, d in data["applied"])
            verified, cached = True, True
        else:
            outcome = await asyncio.to_thread(adapt_and_verify, adapter, source, audience, library)
            content, applied = outcome.content, outcome.applied
            verified, issues, cached = outcome.verified, outcome.issues, False
            if outcome.verified:
                body = {"content": content, "applied": [[t.name, t.detail] for t in applied]}
                await self.cache.set(
                    key,
                    json.dumps(body).encode(),
                    ttl=HOT_TTL,
                    tags=(f"chapter:{chapter.id}", "personalized"),
                )
        warning = base.warning
        if not verified:
            warning = "this translation could not be personalized safely; showing it unchanged"
        return replace(
            base,
            content=content,
            translator=f"human+{adapter.name}@{adapter.version}",
            cached=cached,
            verified=base.verified and verified,
            issues=base.issues + tuple(issues),
            personalized=True,
            applied=applied,
            path="human+rules",
            warning=warning,
        )

    # -- machine ----------------------------------------------------------------------------

    async def can_machine(self, lang: str) -> bool:
        return await self.machines.can(self.source_language, lang)

    async def machine(
        self,
        session: AsyncSession,
        chapter: Chapter,
        lang: str,
        *,
        text: str,
        personalized: bool = False,
    ) -> Translated | None:
        """`text` (the chapter, or a learner's version of it) machine-translated, or None."""
        try:
            keep_terms = self.keep.load().for_language(lang)
        except KeepTermsError as exc:
            # Translating anyway would translate the very terms the file protects.
            raise TranslationSetupError(str(exc)) from None
        picked = await self.machines.pick(self.source_language, lang, keep_terms)
        if picked is None:
            return None
        text_hash = sha256(text)
        key = sha256(
            canonical_json(
                {
                    "chapter": chapter.id,
                    "from": self.source_language,
                    "to": lang,
                    "text": text_hash,
                    "translator": picked.model.label,
                    "keep": digest(keep_terms),
                }
            )
        )
        outcome = await self._lookup(session, key)
        cached = outcome is not None
        if outcome is None:

            async def produce() -> MachineOutcome:
                self.generations += 1
                result = await translate_text(
                    text,
                    picked.model,
                    keep_terms=keep_terms,
                    budget_seconds=self.config.budget_seconds,
                )
                if result.complete:
                    await self._store(
                        session,
                        key,
                        chapter,
                        lang,
                        text_hash,
                        personalized,
                        picked.model.label,
                        result,
                    )
                return result

            outcome, produced = await self.flight.run(
                key, lambda: self._lookup(session, key), produce
            )
            cached = not produced
        return Translated(
            chapter_id=chapter.id,
            lang=lang,
            content=outcome.content,
            source="machine",
            translator=picked.model.label,
            direction=direction(lang),
            source_hash=chapter.source_hash,
            made_from=chapter.source_hash,
            stale=False,
            changed_sections=(),
            cached=cached,
            verified=not outcome.issues,
            issues=outcome.issues,
            status=outcome.status,
            error=outcome.error,
            untranslated_sections=outcome.untranslated,
            personalized=personalized,
            path="personalized+machine" if personalized else "machine",
            key=key,
            warning=_machine_warning(outcome),
        )

    async def _lookup(self, session: AsyncSession, key: str) -> MachineOutcome | None:
        raw = await self.cache.get(_hot_key(key))
        if raw is not None:
            return _decode(raw)
        async with self._db(session) as db:
            row = await TranslationRepository(db).get_live(key, datetime.now(UTC))
        if row is None:
            return None
        outcome = MachineOutcome(row.content, RequestStatus(row.status), tuple(row.untranslated))
        await self._hot_copy(key, row.chapter_id, outcome, row.expires_at)
        return outcome

    async def _store(
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
        async with self._db(session) as db:
            await TranslationRepository(db).put(row)
        await self._hot_copy(key, chapter.id, outcome, row.expires_at)

    async def _hot_copy(
        self, key: str, chapter_id: str, outcome: MachineOutcome, expires_at: datetime
    ) -> None:
        remaining = (expires_at - datetime.now(UTC)).total_seconds()
        if remaining > 0:
            await self.cache.set(
                _hot_key(key),
                _encode(outcome),
                ttl=min(remaining, HOT_TTL),
                tags=(f"chapter:{chapter_id}", "translated"),
            )

    async def forget_all(self) -> None:
        await self.cache.invalidate_tags("translated")

    # -- nothing available ------------------------------------------------------------------

    async def unavailable(self, chapter: Chapter, lang: str) -> NoTranslationAvailable:
        name = language_name(lang)
        if self.content_dir is None:
            looked = "no docs folder is configured (content_dir), so no human translations"
        else:
            looked = f"no human translation at {human.docs_path(lang, chapter.path)}"
        machines = await describe_machines(self.machines, self.notes)
        return NoTranslationAvailable(
            {
                "message": (
                    f"no {name} ({lang}) translation of {chapter.id!r}: {looked}, and no "
                    f"machine translator can translate {self.source_language} → {lang}"
                ),
                "lang": lang,
                "language": name,
                "human_translation": None
                if self.content_dir is None
                else human.docs_path(lang, chapter.path),
                "machine_translators": machines,
            }
        )

    # -- logs -------------------------------------------------------------------------------

    def record(self, user_id: uuid.UUID | None, result: Translated, started: float) -> None:
        self.recorder.add(
            RequestLog,
            kind="translate",
            user_id=user_id,
            chapter_id=result.chapter_id,
            adapter=f"{result.lang}:{result.translator}"[:64],
            audience_key=result.key,
            cached=result.cached,
            latency_ms=(time.perf_counter() - started) * 1000,
            status=result.status.value,
            error=result.error or ("; ".join(result.issues)[:2000] if result.issues else None),
            created_at=datetime.now(UTC),
        )

    def record_missing(
        self,
        user_id: uuid.UUID | None,
        chapter_id: str,
        lang: str,
        started: float,
        exc: NoTranslationAvailable,
    ) -> None:
        detail = exc.detail.get("message") if isinstance(exc.detail, dict) else str(exc.detail)
        self.recorder.add(
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
            created_at=datetime.now(UTC),
        )


def _machine_warning(outcome: MachineOutcome) -> str | None:
    if not outcome.untranslated:
        return None
    listed = ", ".join(outcome.untranslated)
    if outcome.status is RequestStatus.timeout:
        return f"the time budget ran out; these sections are not translated yet: {listed}"
    if outcome.status is RequestStatus.failure:
        return f"the translator failed on these sections, shown untranslated: {listed}"
    return f"these sections could not be translated safely and are shown untranslated: {listed}"


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
