"""The rules adapter: deterministic, offline transformations driven by the profile.

`audience` reduces a profile to what this chapter's output depends on (see audience.py);
`adapt` reads only that audience, parses the chapter once, lets each transformation add its
edits to one plan, and renders once. Same audience, same library, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tailored.markdown import parse_document, removed_code, removed_headings, removed_targets
from tailored.personalization.adapter import Adaptation, Audience, ChapterInput, Library
from tailored.personalization.rules import (
    depth,
    glossary,
    hardware,
    prerequisites,
    tabs,
    variants,
)
from tailored.personalization.rules.audience import PROFILE_FIELDS, build_audience
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.edits import Plan
from tailored.personalization.rules.features import features_of
from tailored.profiles.schemas import ProfileData

# Order matters: variants decide what exists; the callout goes in before anything else at
# the top; moves and collapses settle the reading order; the glossary defines terms in it.
TRANSFORMATIONS = (variants, prerequisites, tabs, hardware, depth, glossary)


@dataclass(frozen=True)
class RulesAdapter:
    """Audience variants, glossary, code language, hardware path, depth, prerequisites."""

    name = "rules"
    # Bump whenever the output for some input changes, so cached results are not reused.
    version = "1"
    profile_fields = PROFILE_FIELDS

    def audience(self, profile: ProfileData, chapter: ChapterInput, library: Library) -> Audience:
        features = features_of(
            chapter.id, chapter.source_hash, chapter.source, chapter.front_matter
        )
        return build_audience(profile, features, library)

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        doc = parse_document(chapter.source)
        plan = Plan(doc)
        ctx = Context(chapter, audience, library, doc, plan)
        for transformation in TRANSFORMATIONS:
            transformation.apply(ctx)
        if not plan.splices and not plan.moves:
            return Adaptation(chapter.source, ())
        return Adaptation(
            content=plan.render(),
            applied=tuple(plan.applied),
            removed_code=tuple(sorted(removed_code(plan.dropped))),
            removed_headings=tuple(sorted(removed_headings(plan.dropped))),
            added_targets=tuple(sorted(set(plan.added_targets))),
            removed_targets=tuple(sorted(removed_targets(doc, plan.dropped))),
        )
