"""The machine path: the configured translators, one document through the section rewriter,
and the shared result (keyed by what it depends on, produced once, then stored)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.kit.cache import Cache
from tailored.llm.rewrite import (
    SectionResult,
    TextModel,
    assemble,
    overall_status,
    rewrite_document,
    tokens,
)
from tailored.llm.router import ProviderChain
from tailored.markdown import verify_structure
from tailored.models import Chapter, RequestStatus
from tailored.personalization.keys import canonical_json
from tailored.personalization.singleflight import SingleFlight
from tailored.translation import human
from tailored.translation.config import TranslationConfig
from tailored.translation.keep import KeepTermsError, KeepTermsFile, digest
from tailored.translation.languages import direction
from tailored.translation.machine import (
    ApertiumTranslator,
    LLMTranslator,
    MachineTranslator,
    MachineTranslators,
)
from tailored.translation.results import MachineOutcome, Translated, TranslationSetupError, sha256
from tailored.translation.store import MachineStore

PREAMBLE = human.PREAMBLE


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
    used = tokens(results)
    spent = used if any(used) else None  # engines without tokens (Apertium) report none
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
            tokens=spent,
        )
    return MachineOutcome(
        content, RequestStatus(status), untranslated, (), errors[:2000] or None, complete, spent
    )


class MachinePath:
    def __init__(
        self,
        *,
        config: TranslationConfig,
        content_dir: Path | None,
        machines: MachineTranslators,
        cache: Cache,
        sessionmaker: async_sessionmaker[AsyncSession] | None,
    ) -> None:
        self.config = config
        self.machines = machines
        self.keep = KeepTermsFile(content_dir)
        self.store = MachineStore(
            cache=cache, ttl=timedelta(seconds=config.ttl_seconds), sessionmaker=sessionmaker
        )
        self.flight: SingleFlight[MachineOutcome] = SingleFlight(
            cache, lock_ttl=config.lock_ttl_seconds
        )
        # Machine translations this process ran (tests and benchmarks count them).
        self.generations = 0

    async def translate(
        self,
        session: AsyncSession,
        chapter: Chapter,
        lang: str,
        *,
        text: str,
        personalized: bool,
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
        text_hash = sha256(text)
        key = sha256(
            canonical_json(
                {
                    "chapter": chapter.id,
                    "from": source_language,
                    "to": lang,
                    "text": text_hash,
                    "translator": picked.model.label,
                    "keep": digest(keep_terms),
                }
            )
        )
        # The hot copy only; a miss goes through the flight, whose lookup also reads the
        # database (as in the Personalizer: one database read per uncached request).
        outcome = await self.store.hot(key)
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
                    await self.store.store(
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
                key, lambda: self.store.lookup(session, key), produce
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
            warning=_warning(outcome),
            tokens=outcome.tokens,
        )


def _warning(outcome: MachineOutcome) -> str | None:
    if not outcome.untranslated:
        return None
    listed = ", ".join(outcome.untranslated)
    if outcome.status is RequestStatus.timeout:
        return f"the time budget ran out; these sections are not translated yet: {listed}"
    if outcome.status is RequestStatus.failure:
        return f"the translator failed on these sections, shown untranslated: {listed}"
    return f"these sections could not be translated safely and are shown untranslated: {listed}"
