from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator

from tailored.accounts import service as accounts
from tailored.content.endpoints import CHAPTER_ERRORS, ChapterDep
from tailored.deps import (
    CacheDep,
    PersonalizerDep,
    SessionDep,
    SettingsDep,
    StateDep,
    reads_only,
)
from tailored.errors import (
    ChapterNotFound,
    InvalidChapterIdError,
    NotAuthenticated,
    error_responses,
)
from tailored.personalization.service import ProfileIncomplete, learner_profile
from tailored.translation import service
from tailored.translation.engine import Translator
from tailored.translation.languages import validate_language
from tailored.translation.results import NoTranslationAvailable, Translated, TranslationSetupError
from tailored.translation.schemas import (
    TransformationOut,
    TranslationOut,
    TranslationsOut,
    VerificationOut,
)
from tailored.web.render import render_html

router = APIRouter(prefix="/api", tags=["translation"])
# One call, so two errors with the same status (404: no chapter, no translation) share an entry.
TRANSLATE_ERRORS = error_responses(
    ChapterNotFound,
    InvalidChapterIdError,
    NoTranslationAvailable,
    NotAuthenticated,
    ProfileIncomplete,
    TranslationSetupError,
)
_optional_bearer = HTTPBearer(auto_error=False, description="token from POST /api/auth/login")


Language = Annotated[
    str,
    Query(description="Target language, ISO 639-1 (e.g. ur, es).", examples=["ur"]),
    AfterValidator(validate_language),
]


async def get_translator(state: StateDep) -> Translator:
    return state.translator


TranslatorDep = Annotated[Translator, Depends(get_translator)]


def _out(result: Translated) -> TranslationOut:
    return TranslationOut(
        chapter_id=result.chapter_id,
        lang=result.lang,
        content=result.content,
        source=result.source,
        translator=result.translator,
        direction=result.direction,
        source_hash=result.source_hash,
        made_from=result.made_from,
        stale=result.stale,
        changed_sections=list(result.changed_sections),
        cached=result.cached,
        verification=VerificationOut(ok=result.verified, issues=list(result.issues)),
        status=result.status.value,
        untranslated_sections=list(result.untranslated_sections),
        personalized=result.personalized,
        path=result.path,
        applied_transformations=[
            TransformationOut(name=t.name, detail=t.detail) for t in result.applied
        ],
        warning=result.warning,
    )


@router.post(
    "/chapters/{chapter_id:path}/translate",
    responses=TRANSLATE_ERRORS,
)
@reads_only
async def translate(
    chapter: ChapterDep,
    lang: Language,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    translator: TranslatorDep,
    personalizer: PersonalizerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    personalized: Annotated[
        bool,
        Query(
            description="Translate my personalized chapter (needs a login and a completed profile)."
        ),
    ] = False,
    html: Annotated[bool, Query(description="Also return sanitized HTML (the reader).")] = False,
) -> TranslationOut:
    """The chapter in another language: human translation, else machine, with its metadata."""
    if not personalized:
        # The engines read and write in short transactions of their own; ending ours means
        # this request holds no pooled connection while a chapter is translated.
        await session.commit()
        result = await translator.translate(session, chapter, lang)
    else:
        if credentials is None:
            raise NotAuthenticated()
        user = await accounts.user_for_token(session, settings, cache, credentials.credentials)
        profile = await learner_profile(session, cache, user)
        await session.commit()  # as above
        result = await service.translate_for_learner(
            session, personalizer, translator, chapter, user.id, profile, lang
        )
    out = _out(result)
    if html:
        out.html = render_html(result.content)
    return out


@router.get("/chapters/{chapter_id:path}/translations", responses=CHAPTER_ERRORS)
async def list_translations(chapter: ChapterDep, translator: TranslatorDep) -> TranslationsOut:
    """Human translations of the chapter (with staleness) and what machine translators offer."""
    return await service.list_translations(translator, chapter)
