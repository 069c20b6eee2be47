"""The translation pipeline: the original, a human translation, a machine translation, or 404.

For (chapter, language), in order:

1. The source language itself: the chapter as written.
2. A human translation in the Docusaurus layout. Read from disk on every request (a few KB; a
   translator's edit shows at once and nothing needs invalidating); what is costly about it,
   parsing both documents for staleness and the structure report, is cached by the file's
   digest (which covers its manifest entry) and the English source hash. It is served even when
   the structure report lists differences: people may restructure a translation on purpose
   (split a paragraph, drop an untranslatable pun), so the report informs instead of blocking.
   (human_path)
3. A machine translator (LLM, then Apertium, as configured), through the section rewriter:
   protected regions and kept terms are masked, every section's answer is checked, and the
   whole result is verified again. Results are stored by (chapter, languages, hash of the text
   translated, translator label and version, kept terms) in the database, with a hot copy in
   the cache, shared by every reader; identical concurrent requests translate once.
   (machine_path, on the derived-results pipeline)
4. Otherwise `NoTranslationAvailable` (404), saying what was looked for and what is configured.

Every request is logged as a `RequestLog` of kind "translate" (see logs). Like every engine, it
never uses a request's session: its reads and writes are short transactions of its own.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config import Settings
from tailored.config.translation import TranslationConfig
from tailored.derived.recorder import Recorder
from tailored.errors import NoTranslationAvailable
from tailored.kit.cache import Cache
from tailored.kit.languages import direction, language_name
from tailored.llm.router import ProviderChain
from tailored.models import Chapter
from tailored.translation import human, logs
from tailored.translation.human_path import (
    find_human,
    human_languages,
    human_report,
    serve_human,
)
from tailored.translation.machine import MachineTranslators
from tailored.translation.machine_path import MachinePath, build_machines, describe_machines
from tailored.translation.results import HumanReport, Translated


class Translator:
    def __init__(
        self,
        *,
        config: TranslationConfig,
        content_dir: Path | None,
        machines: MachineTranslators,
        cache: Cache,
        recorder: Recorder,
        sessionmaker: async_sessionmaker[AsyncSession],
        notes: list[str] | None = None,
    ) -> None:
        self.config = config
        self.content_dir = content_dir
        self.machines = machines
        self.cache = cache
        self.recorder = recorder
        self.notes = list(notes or [])
        self.machine_path = MachinePath(
            config=config,
            content_dir=content_dir,
            machines=machines,
            cache=cache,
            sessionmaker=sessionmaker,
        )

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        cache: Cache,
        recorder: Recorder,
        llm: ProviderChain | None,
        sessionmaker: async_sessionmaker[AsyncSession],
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

    @property
    def generations(self) -> int:
        """Machine translations this process ran (tests and benchmarks count them)."""
        return self.machine_path.generations

    # -- the request ------------------------------------------------------------------------

    async def translate(self, chapter: Chapter, lang: str) -> Translated:
        """`chapter` in `lang`: original, human, machine, or NoTranslationAvailable. Logged
        without a user: this is the public translation, the same for everyone."""
        work = self._translate(chapter, lang)
        return await logs.logged(self.recorder, None, chapter.id, lang, work)

    async def _translate(self, chapter: Chapter, lang: str) -> Translated:
        if lang == self.source_language:
            return self.original(chapter, chapter.source)
        found = self.find_human(chapter, lang)
        if found is not None:
            return await self.serve_human(chapter, lang, found)
        machine = await self.machine(chapter, lang, text=chapter.source)
        if machine is None:
            raise await self.unavailable(chapter, lang)
        return machine

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

    # -- human (see human_path) -------------------------------------------------------------

    def find_human(self, chapter: Chapter, lang: str) -> human.HumanTranslation | None:
        return find_human(self.content_dir, chapter, lang)

    async def human_report(
        self, chapter: Chapter, found: human.HumanTranslation
    ) -> tuple[HumanReport, bool]:
        """The staleness and structure report, and whether it came from the cache."""
        return await human_report(self.cache, chapter, found)

    async def serve_human(
        self, chapter: Chapter, lang: str, found: human.HumanTranslation
    ) -> Translated:
        return await serve_human(self.cache, chapter, lang, found)

    def human_languages(self, chapter: Chapter) -> list[str]:
        """Languages with a human translation of `chapter`, from the docs folder's i18n/."""
        return human_languages(self.content_dir, chapter)

    # -- machine (see machine_path) ---------------------------------------------------------

    async def can_machine(self, lang: str) -> bool:
        return await self.machines.can(self.source_language, lang)

    async def machine(
        self,
        chapter: Chapter,
        lang: str,
        *,
        text: str,
        personalized: bool = False,
    ) -> Translated | None:
        """`text` (the chapter, or a learner's version of it) machine-translated, or None."""
        return await self.machine_path.translate(
            chapter, lang, text=text, personalized=personalized
        )

    async def forget_all(self) -> None:
        await self.machine_path.pipeline.store.forget_all()

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
