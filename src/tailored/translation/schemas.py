from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class VerificationOut(BaseModel):
    ok: bool
    issues: list[str]


class TranslationOut(BaseModel):
    chapter_id: str
    lang: str
    content: str
    source: Literal["human", "machine"]
    translator: str
    direction: Literal["ltr", "rtl"]
    source_hash: str
    # The English source hash the translation was made from (None: the manifest has no entry).
    made_from: str | None
    stale: bool
    changed_sections: list[str]
    cached: bool
    verification: VerificationOut
