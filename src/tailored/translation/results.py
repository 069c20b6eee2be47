"""What the translation pipeline hands back, the reports it keeps, and its two errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from tailored.errors import AppError, NotFound
from tailored.models import RequestStatus
from tailored.personalization.adapter import Transformation
from tailored.translation.languages import Direction

# How long a derived result (a report, a hot copy) stays in the cache at most.
HOT_TTL = 24 * 3600.0

SourceKind = Literal["original", "human", "machine"]
# How the content was made, for people reading the response.
Path_ = Literal[
    "original", "human", "machine", "personalized+machine", "human+rules", "personalized"
]


class NoTranslationAvailable(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no translation is available for this language"


class TranslationSetupError(AppError):
    """The docs folder's translation files cannot be used (500, saying what to fix)."""


@dataclass(frozen=True)
class Translated:
    chapter_id: str
    lang: str
    content: str
    source: SourceKind
    translator: str
    direction: Direction
    source_hash: str
    made_from: str | None
    stale: bool
    changed_sections: tuple[str, ...]
    cached: bool
    verified: bool
    issues: tuple[str, ...]
    status: RequestStatus = RequestStatus.success
    error: str | None = None
    untranslated_sections: tuple[str, ...] = ()
    personalized: bool = False
    applied: tuple[Transformation, ...] = ()
    path: Path_ = "original"
    key: str | None = None
    warning: str | None = None
    # Language-model tokens spent making it (None: none, or made by another request).
    tokens: tuple[int, int] | None = None


@dataclass(frozen=True)
class HumanReport:
    """What is derived from a human translation: staleness and the structure report."""

    stale: bool
    changed: tuple[str, ...]
    issues: tuple[str, ...]


@dataclass(frozen=True)
class MachineOutcome:
    content: str
    status: RequestStatus
    untranslated: tuple[str, ...]
    issues: tuple[str, ...] = ()
    error: str | None = None
    complete: bool = True
    tokens: tuple[int, int] | None = None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
