"""What the translation pipeline hands back, and the reports it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tailored.derived.outcome import Transformation
from tailored.kit.languages import Direction
from tailored.models import RequestStatus

SourceKind = Literal["original", "human", "machine"]
# How the content was made, for people reading the response.
Path_ = Literal[
    "original", "human", "machine", "personalized+machine", "human+rules", "personalized"
]


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
