from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator

from tailored.content.endpoints import CHAPTER_ERRORS, ChapterBrief, ChapterDep
from tailored.deps import StateDep, get_current_user_brief
from tailored.derived.schemas import api_fields
from tailored.errors import (
    ChapterNotFound,
    InvalidChapterIdError,
    NotAuthenticated,
    NoTranslationAvailable,
    ProfileIncomplete,
    TranslationSetupError,
    error_responses,
)
from tailored.kit.languages import LANGUAGE_CODE_PATTERN, validate_language
from tailored.markdown.render import render_html_async
from tailored.personalization.service import learner_profile_briefly
from tailored.signals.identity import learner_for_user
from tailored.translation import service
from tailored.translation.engine import Translator
from tailored.translation.results import Translated
from tailored.translation.schemas import (
    TranslationOut,
    TranslationsOut,
)

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
    Query(
        description="Target language, ISO 639-1 (e.g. ur, es).",
        examples=["ur"],
        # The format, published; validate_language also wants the code assigned.
        json_schema_extra={"pattern": LANGUAGE_CODE_PATTERN},
    ),
    AfterValidator(validate_language),
]


async def get_translator(state: StateDep) -> Translator:
    return state.translator


TranslatorDep = Annotated[Translator, Depends(get_translator)]


def _out(result: Translated) -> TranslationOut:
    return TranslationOut.model_validate(api_fields(result))


@router.post(
    "/chapters/{chapter_id:path}/translate",
    responses=TRANSLATE_ERRORS,
)
async def translate(
    chapter: ChapterBrief,
    lang: Language,
    state: StateDep,
    translator: TranslatorDep,
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
    # No request session here (see deps: the transaction rule): reads are short transactions
    # of their own, so nothing holds a pooled connection while a chapter is translated.
    if not personalized:
        result = await translator.translate(chapter, lang)
    else:
        if credentials is None:
            raise NotAuthenticated()
        user = await get_current_user_brief(state, credentials)
        profile = await learner_profile_briefly(state.sessionmaker, state.cache, user)
        # The personalization flag, when set, picks this learner's adapter, as on personalize.
        personalizer = await state.personalizer_for(learner_for_user(user.id), profile)
        result = await service.translate_for_learner(
            personalizer, translator, chapter, user.id, profile, lang
        )
    out = _out(result)
    if html:
        out.html = await render_html_async(result.content)
    return out


@router.get("/chapters/{chapter_id:path}/translations", responses=CHAPTER_ERRORS)
async def list_translations(chapter: ChapterDep, translator: TranslatorDep) -> TranslationsOut:
    """Human translations of the chapter (with staleness) and what machine translators offer."""
    return await service.list_translations(translator, chapter)
