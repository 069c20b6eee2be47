"""Translation for the API: public translation, personalize-then-translate, the listing."""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.models import Chapter
from tailored.personalization.engine import Personalizer
from tailored.profiles.schemas import ProfileData
from tailored.translation import logs
from tailored.translation.engine import Translator
from tailored.translation.languages import direction, language_name
from tailored.translation.results import Translated
from tailored.translation.schemas import HumanTranslationOut, TranslationsOut


async def translate_for_learner(
    session: AsyncSession,
    personalizer: Personalizer,
    translator: Translator,
    chapter: Chapter,
    user_id: uuid.UUID,
    profile: ProfileData,
    lang: str,
) -> Translated:
    """The learner's personalized chapter in `lang` (`profile`: see `learner_profile`).

    Human translations first, as everywhere: with one, the adapter's offline (rules) stage runs
    over it. Else, with a machine translator for `lang`: personalize, then translate that text
    (its own cache key: learners with the same audience share it). Otherwise 404.
    """
    return await logs.logged(
        translator.recorder,
        user_id,
        chapter.id,
        lang,
        _for_learner(session, personalizer, translator, chapter, user_id, profile, lang),
    )


async def _for_learner(
    session: AsyncSession,
    personalizer: Personalizer,
    translator: Translator,
    chapter: Chapter,
    user_id: uuid.UUID,
    profile: ProfileData,
    lang: str,
) -> Translated:
    if lang == translator.source_language:
        mine = await personalizer.personalize(session, chapter, profile, user_id=user_id)
        return replace(
            translator.original(chapter, mine.content),
            personalized=True,
            applied=mine.applied,
            path="personalized",
            verified=mine.verified,
            issues=mine.issues,
            warning=mine.warning,
        )
    found = translator.find_human(chapter, lang)
    if found is not None:
        return await translator.rules_over_human(
            session, personalizer.adapter, chapter, lang, found, profile
        )
    if await translator.can_machine(lang):
        mine = await personalizer.personalize(session, chapter, profile, user_id=user_id)
        translated = await translator.machine(
            session, chapter, lang, text=mine.content, personalized=True
        )
        if translated is not None:
            return replace(translated, applied=mine.applied)
    raise await translator.unavailable(chapter, lang)


async def list_translations(translator: Translator, chapter: Chapter) -> TranslationsOut:
    """Human translations of `chapter` with their staleness, and what machines can do."""
    humans: list[HumanTranslationOut] = []
    for lang in translator.human_languages(chapter):
        found = translator.find_human(chapter, lang)
        if found is None:  # removed between listing and reading
            continue
        report, _cached = await translator.human_report(chapter, found)
        humans.append(
            HumanTranslationOut(
                lang=lang,
                language=language_name(lang),
                direction=direction(lang),
                stale=report.stale,
                changed_sections=list(report.changed),
                made_from=found.entry.source_hash if found.entry is not None else None,
            )
        )
    return TranslationsOut(
        chapter_id=chapter.id,
        source_language=translator.source_language,
        source_hash=chapter.source_hash,
        human=humans,
        machine=await translator.machines.languages(translator.source_language),
    )
