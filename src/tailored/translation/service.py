"""Translation for the API: public translation, personalize-then-translate, the listing."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.derived.repository import DerivedRepository
from tailored.kit.languages import direction, language_name
from tailored.models import Chapter, MachineTranslation
from tailored.personalization import service as personalization
from tailored.personalization.service import Personalizer
from tailored.profiles.schemas import ProfileData
from tailored.translation import logs
from tailored.translation.engine import Translator
from tailored.translation.results import Translated
from tailored.translation.schemas import HumanTranslationOut, TranslationsOut


async def translate_for_learner(
    personalizer: Personalizer,
    translator: Translator,
    chapter: Chapter,
    user_id: uuid.UUID,
    profile: ProfileData,
    lang: str,
) -> Translated:
    """The learner's personalized chapter in `lang` (`profile`: see `learner_profile_briefly`).

    Human translations first, as everywhere: with one, the adapter's offline (rules) stage runs
    over it. Else, with a machine translator for `lang`: personalize, then translate that text
    (its own cache key: learners with the same audience share it). Otherwise 404.
    """
    return await logs.logged(
        translator.recorder,
        user_id,
        chapter.id,
        lang,
        _for_learner(personalizer, translator, chapter, user_id, profile, lang),
    )


async def _for_learner(
    personalizer: Personalizer,
    translator: Translator,
    chapter: Chapter,
    user_id: uuid.UUID,
    profile: ProfileData,
    lang: str,
) -> Translated:
    if lang == translator.source_language:
        mine = await personalization.personalize(personalizer, chapter, profile, user_id=user_id)
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
        # The offline stage over the human translation (no model rewrites a human's words).
        base = await translator.serve_human(chapter, lang, found)
        adapted = await personalization.adapt_text(personalizer, chapter, found.text, profile)
        return replace(
            base,
            content=adapted.content,
            translator=f"human+{adapted.adapter}",
            cached=adapted.cached,
            verified=base.verified and adapted.verified,
            issues=base.issues + adapted.issues,
            personalized=True,
            applied=adapted.applied,
            path="human+rules",
            warning="this translation could not be personalized safely; showing it unchanged"
            if not adapted.verified
            else base.warning,
        )
    if await translator.can_machine(lang):
        mine = await personalization.personalize(personalizer, chapter, profile, user_id=user_id)
        translated = await translator.machine(chapter, lang, text=mine.content, personalized=True)
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


# -- housekeeping (called by tailored.housekeeping) ---------------------------------------------


async def cleanup(session: AsyncSession) -> tuple[int, int]:
    """Drop expired and stale machine translations: (expired, stale). Their keys are never
    asked for again, so no hot copy needs dropping."""
    rows = DerivedRepository(session, MachineTranslation)
    return await rows.delete_expired(datetime.now(UTC)), await rows.delete_stale()


async def clear(session: AsyncSession, translator: Translator) -> int:
    """Every stored machine translation (they regenerate on demand; human files stay)."""
    removed = await DerivedRepository(session, MachineTranslation).delete_all()
    await translator.forget_all()
    return removed
