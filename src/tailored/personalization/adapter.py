"""What an adapter is: a pure function from (chapter, audience, library) to adapted Markdown.

The adapter reduces a learner profile to an *audience*: only the values its transformations read
for this chapter, in canonical form. The audience (with the chapter's source hash, the library
context hash and the adapter's name and version) is the cache key, so `adapt` must depend on
nothing else: two learners with the same audience get byte-identical output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tailored.derived.outcome import Transformation
from tailored.inference import ChapterHints
from tailored.profiles.schemas import ProfileData

# Canonical audience values are JSON scalars or sorted lists of strings.
Audience = Mapping[str, Any]

__all__ = ["Adaptation", "Adapter", "Audience", "ChapterInput", "Library", "Transformation"]


@dataclass(frozen=True)
class ChapterInput:
    id: str
    title: str
    source: str
    source_hash: str
    front_matter: Mapping[str, Any]


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    # Set for a term mined from the book: where the book defines it.
    chapter_id: str | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class ChapterRef:
    """What one chapter may say about another (for prerequisite links)."""

    id: str
    title: str
    path: str
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Library:
    """Read-only context beyond the chapter itself; `context_hash` changes when it does."""

    glossary: tuple[GlossaryTerm, ...] = ()
    chapters: Mapping[str, ChapterRef] = field(default_factory=dict)
    context_hash: str = ""
    # What inference derived per chapter (tailored.inference); applied where the author
    # annotated nothing of the kind.
    hints: Mapping[str, ChapterHints] = field(default_factory=dict)


@dataclass(frozen=True)
class Adaptation:
    content: str
    applied: tuple[Transformation, ...]
    # What transformations removed on purpose, so the verifier does not flag it.
    removed_code: tuple[str, ...] = ()
    removed_headings: tuple[str, ...] = ()
    removed_targets: tuple[str, ...] = ()
    added_targets: tuple[str, ...] = ()


class Adapter(Protocol):
    name: str
    version: str
    # Every profile field the adapter may ever read; documentation and a test check it.
    profile_fields: frozenset[str]

    def audience(self, profile: ProfileData, chapter: ChapterInput, library: Library) -> Audience:
        """The canonical subset of `profile` this chapter's output depends on."""
        ...

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        """Adapt the chapter for the audience. Pure and deterministic."""
        ...
