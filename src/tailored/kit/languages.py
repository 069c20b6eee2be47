"""Language codes: ISO 639-1 only, checked against pycountry's table, and writing direction.

A language code reaches the filesystem (`i18n/<lang>/...`), so it is accepted only when it is
two lower-case ASCII letters that ISO 639-1 assigns; nothing else is ever joined into a path.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import pycountry

Direction = Literal["ltr", "rtl"]

# The format, as the OpenAPI document publishes it; the code must also be assigned.
LANGUAGE_CODE_PATTERN = "^[a-z]{2}$"
_CODE_RE = re.compile(r"[a-z]{2}")

# Languages written right to left in their usual script (CLDR's default script for each):
# Arabic, Divehi (Thaana), Persian, Hebrew, Kashmiri, Pashto, Sindhi, Uyghur, Urdu, Yiddish.
# Central Kurdish (ckb) and Syriac (syr) are RTL too but have no ISO 639-1 code.
RTL_LANGUAGES = frozenset({"ar", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"})


class InvalidLanguage(ValueError):
    """Not an ISO 639-1 language code."""


@lru_cache(maxsize=512)
def _lookup(code: str) -> str | None:
    language = pycountry.languages.get(alpha_2=code)
    return None if language is None else str(language.name)


def parse_language(raw: str) -> str:
    """The code if `raw` is an ISO 639-1 code (exactly two lower-case letters), else raise."""
    if not isinstance(raw, str) or not _CODE_RE.fullmatch(raw):
        raise InvalidLanguage(
            f"{raw!r} is not an ISO 639-1 language code (two lower-case letters, e.g. 'ur')"
        )
    if _lookup(raw) is None:
        raise InvalidLanguage(f"{raw!r} is not an ISO 639-1 language code")
    return raw


def validate_language(raw: str) -> str:
    """`parse_language` for pydantic validators: a plain ValueError becomes a field error."""
    try:
        return parse_language(raw)
    except InvalidLanguage as exc:
        raise ValueError(str(exc)) from None


def is_language(raw: str) -> bool:
    try:
        parse_language(raw)
    except InvalidLanguage:
        return False
    return True


def language_name(code: str) -> str:
    """The English name of a valid code ("ur" → "Urdu"), for prompts and messages."""
    return _lookup(code) or code


def alpha3(code: str) -> str | None:
    """The ISO 639-3 code of a valid ISO 639-1 code ("es" → "spa"), as Apertium names pairs."""
    language = pycountry.languages.get(alpha_2=code)
    return None if language is None else str(language.alpha_3)


def direction(code: str) -> Direction:
    return "rtl" if code in RTL_LANGUAGES else "ltr"
