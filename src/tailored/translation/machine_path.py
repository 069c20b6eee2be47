"""The machine path: the configured translators, one document through the section rewriter,
and the shared result (keyed by what it depends on, produced once, then stored)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.translation import TranslationConfig
from tailored.derived.outcome import Outcome
from tailored.derived.pipeline import Pipeline
from tailored.derived.rewrite import rewrite_and_verify
from tailored.derived.singleflight import lock_ttl_for
from tailored.derived.store import Lifetimes, ResultStore
from tailored.errors import TranslationSetupError
from tailored.kit.cache import Cache
from tailored.kit.hashing import digest, sha256_text
from tailored.kit.languages import direction
from tailored.llm.rewrite import TextModel, rewrite_document
from tailored.llm.router import ProviderChain
from tailored.markdown import parse_document
from tailored.models import Chapter, MachineTranslation, RequestStatus
from tailored.translation.keep import KeepTermsError, KeepTermsFile
from tailored.translation.keep import digest as keep_digest
from tailored.translation.machine import (
    ApertiumTranslator,
    LLMTranslator,
    MachineTranslator,
    MachineTranslators,
)
from tailored.translation.results import Translated


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


async def translate_text(
    text: str,
    model: TextModel,
    *,
    keep_terms: dict[str, str],
    budget_seconds: float,
) -> Outcome:
    """Machine-translate a whole document through the section rewriter, then verify it."""
    deadline = time.monotonic() + budget_seconds
    document = parse_document(text)
    sections = rewrite_document(
        document, model, mode="translate", deadline=deadline, keep_terms=keep_terms
    )
    done = await rewrite_and_verify(document, sections)
    return Outcome(
        done.content,
        status=done.status,
        issues=done.issues,
        error=done.error,
        # A translation that failed verification as a whole is the original: never stored.
        complete=done.complete and not done.issues,
        unfinished=done.unfinished,
        # Engines without tokens (Apertium) report none.
        tokens=done.tokens if any(done.tokens) else None,
    )


class MachinePath:
    def __init__(
        self,
        *,
        config: TranslationConfig,
        content_dir: Path | None,
        machines: MachineTranslators,
        cache: Cache,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self.config = config
        self.machines = machines
        self.keep = KeepTermsFile(content_dir)
        life = timedelta(seconds=config.ttl_seconds)
        store = ResultStore(
            "translated",
            MachineTranslation,
            cache=cache,
            sessionmaker=sessionmaker,
            # A rejected section is the translator's deterministic answer to this input (no
            # model to retry with another chance, as personalization has): kept as long.
            lifetimes=Lifetimes(full=life, partial=life),
        )
        self.pipeline = Pipeline(
            store, lock_ttl=lock_ttl_for(config.budget_seconds, floor=config.lock_ttl_seconds)
        )

    @property
    def generations(self) -> int:
        return self.pipeline.produced

    async def translate(
        self, chapter: Chapter, lang: str, *, text: str, personalized: bool
    ) -> Translated | None:
        """`text` (the chapter, or a learner's version of it) machine-translated, or None."""
        source_language = self.config.source_language
        try:
            keep_terms = self.keep.load().for_language(lang)
        except KeepTermsError as exc:
            # Translating anyway would translate the very terms the file protects.
            raise TranslationSetupError(str(exc)) from None
        picked = await self.machines.pick(source_language, lang, keep_terms)
        if picked is None:
            return None
        text_hash = sha256_text(text)
        label = picked.model.label
        key = digest(
            {
                "chapter": chapter.id,
                "from": source_language,
                "to": lang,
                "text": text_hash,
                "translator": label,
                "keep": keep_digest(keep_terms),
            }
        )

        async def produce(_previous: Outcome | None) -> Outcome:
            return await translate_text(
                text, picked.model, keep_terms=keep_terms, budget_seconds=self.config.budget_seconds
            )

        served = await self.pipeline.serve(
            key,
            chapter.id,
            produce,
            lambda _: {
                "lang": lang,
                "source_hash": chapter.source_hash,
                "text_hash": text_hash,
                "personalized": personalized,
                "translator": label[:300],
            },
        )
        outcome = served.outcome
        return Translated(
            chapter_id=chapter.id,
            lang=lang,
            content=outcome.content,
            source="machine",
            translator=label,
            direction=direction(lang),
            source_hash=chapter.source_hash,
            made_from=chapter.source_hash,
            stale=False,
            changed_sections=(),
            cached=served.cached,
            verified=not outcome.issues,
            issues=outcome.issues,
            status=outcome.status,
            error=outcome.error,
            untranslated_sections=outcome.unfinished,
            personalized=personalized,
            path="personalized+machine" if personalized else "machine",
            key=key,
            warning=_warning(outcome),
            tokens=outcome.tokens,
        )


def _warning(outcome: Outcome) -> str | None:
    if not outcome.unfinished:
        return None
    listed = ", ".join(outcome.unfinished)
    if outcome.status is RequestStatus.timeout:
        return f"the time budget ran out; these sections are not translated yet: {listed}"
    if outcome.status is RequestStatus.failure:
        return f"the translator failed on these sections, shown untranslated: {listed}"
    return f"these sections could not be translated safely and are shown untranslated: {listed}"
