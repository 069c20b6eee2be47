from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tailored.derived.schemas import TransformationOut, VerificationOut


class TranslationOut(BaseModel):
    chapter_id: str
    lang: str
    content: str
    # original: the chapter as written (lang is the source language); human: a translator's
    # file in i18n/; machine: an LLM or Apertium translation.
    source: Literal["original", "human", "machine"]
    # "human", "original", or the machine translator's label and version
    # (e.g. "apertium:eng-spa@1a2b3c4d5e6f"); "human+rules@…" when personalized.
    translator: str
    direction: Literal["ltr", "rtl"]
    source_hash: str
    # The English source hash the translation was made from (None: the manifest has no entry).
    made_from: str | None
    stale: bool
    changed_sections: list[str]
    cached: bool
    # For human translations: how the structure differs from the English (reported, not
    # enforced). For machine ones: the final check; a failing result is never served.
    verification: VerificationOut
    status: Literal["success", "failure", "timeout", "rejected"] = "success"
    # Anchors of sections left in the source language ("(preamble)": before the first heading).
    untranslated_sections: list[str] = Field(default_factory=list)
    personalized: bool = False
    # How the content was made: original | human | machine | personalized | personalized+machine
    # | human+rules (the rules adapter run over a human translation).
    path: str
    applied_transformations: list[TransformationOut] = Field(default_factory=list)
    warning: str | None = None
    # `content` as sanitized HTML, only when asked for (`?html=true`, what the reader shows).
    html: str | None = None


class HumanTranslationOut(BaseModel):
    lang: str
    language: str
    direction: Literal["ltr", "rtl"]
    stale: bool
    changed_sections: list[str]
    made_from: str | None


class TranslationsOut(BaseModel):
    chapter_id: str
    source_language: str
    source_hash: str
    human: list[HumanTranslationOut]
    # Machine translator name → the languages it can translate into (None: any language).
    machine: dict[str, list[str] | None]
