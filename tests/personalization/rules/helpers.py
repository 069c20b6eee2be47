"""Build chapters and libraries for rules-adapter tests, adapt, and verify every output."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tailored.content.frontmatter import read_front_matter
from tailored.markdown import parse_document, verify_structure
from tailored.personalization.adapter import (
    Adaptation,
    Audience,
    ChapterInput,
    ChapterRef,
    GlossaryTerm,
    Library,
)
from tailored.personalization.rules import RulesAdapter
from tailored.profiles.schemas import ProfileData

ADAPTER = RulesAdapter()


def chapter(source: str, *, chapter_id: str = "book/chapter") -> ChapterInput:
    """A ChapterInput whose front matter is read from the source, as the loader would."""
    front_matter: dict[str, Any] = read_front_matter(parse_document(source))
    digest = hashlib.sha256(source.encode()).hexdigest()
    return ChapterInput(chapter_id, "Chapter", source, digest, front_matter)


def library(
    glossary: tuple[GlossaryTerm, ...] = (), chapters: tuple[ChapterRef, ...] = ()
) -> Library:
    digest = hashlib.sha256(repr((glossary, chapters)).encode()).hexdigest()
    return Library(glossary, {ref.id: ref for ref in chapters}, digest)


def profile(**fields: Any) -> ProfileData:
    return ProfileData.model_validate(fields)


@dataclass(frozen=True)
class Result:
    audience: Audience
    adaptation: Adaptation

    @property
    def content(self) -> str:
        return self.adaptation.content

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.adaptation.applied]

    def detail(self, name: str) -> str:
        return next(t.detail for t in self.adaptation.applied if t.name == name)


def verify(source: str, adaptation: Adaptation) -> None:
    removed_targets = adaptation.removed_targets
    result = verify_structure(
        source,
        adaptation.content,
        allowed_removed_code=adaptation.removed_code,
        allowed_removed_headings=adaptation.removed_headings,
        allowed_added_targets=adaptation.added_targets,
        allowed_removed_targets=removed_targets,
    )
    assert result.ok, [issue.message for issue in result.issues]


def adapt(
    source: str,
    learner: ProfileData | None = None,
    lib: Library | None = None,
    *,
    chapter_id: str = "book/chapter",
) -> Result:
    """Audience, then adaptation; every output must pass the structure verifier."""
    doc = chapter(source, chapter_id=chapter_id)
    lib = lib if lib is not None else library()
    audience = ADAPTER.audience(learner or ProfileData(), doc, lib)
    adaptation = ADAPTER.adapt(doc, audience, lib)
    verify(source, adaptation)
    if not adaptation.applied:
        assert adaptation.content == source
    return Result(audience, adaptation)
