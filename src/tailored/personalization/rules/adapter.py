"""The rules adapter: deterministic, offline transformations driven by the profile.

`audience` reduces a profile to what this chapter's output depends on (see audience.py);
`adapt` reads only that audience, parses the chapter once, lets each transformation add its
edits to one plan, and renders once. Same audience, same library, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tailored.inference import VERSION as INFERENCE_VERSION
from tailored.markdown import parse_document, removed_code, removed_headings, removed_targets
from tailored.personalization.adapter import Adaptation, Audience, ChapterInput, Library
from tailored.personalization.rules import (
    depth,
    fences,
    glossary,
    hardware,
    hardware_tabs,
    inferred,
    prerequisites,
    tabs,
    variants,
)
from tailored.personalization.rules.audience import PROFILE_FIELDS, Inferred, build_audience
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.edits import Plan
from tailored.personalization.rules.features import Features, features_of
from tailored.profiles.schemas import ProfileData

# Order matters: variants decide what exists; the callout goes in before anything else at
# the top; moves and collapses settle the reading order; the glossary defines terms in it.
# Inferred hints come after the author's own (explicit annotations win) and before depth,
# which also collapses the sections inference marked.
TRANSFORMATIONS = (
    variants,
    prerequisites,
    tabs,
    fences,
    hardware,
    hardware_tabs,
    inferred,
    depth,
    glossary,
)


@dataclass(frozen=True)
class RulesAdapter:
    """Audience variants, glossary, code language, hardware path, depth, prerequisites."""

    name = "rules"
    # Bump whenever the output for some input changes, so cached results are not reused.
    version = f"2-inference{INFERENCE_VERSION}"
    profile_fields = PROFILE_FIELDS

    def audience(self, profile: ProfileData, chapter: ChapterInput, library: Library) -> Audience:
        chapter, features = _effective(chapter, library)
        hints = inferred.hints_for(chapter, library)
        extra = Inferred(
            hardware_targets=inferred.hardware_targets(features, hints) | features.tab_hardware,
            prerequisites=hints is not None and bool(hints.prerequisites),
            key_points=hints is not None and bool(hints.key_points),
            uses_mined_terms=hints is not None and bool(hints.uses),
        )
        return build_audience(profile, features, library, extra)

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        chapter, _ = _effective(chapter, library)
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


def _effective(chapter: ChapterInput, library: Library) -> tuple[ChapterInput, Features]:
    """The chapter with inferred depth marks where the author left none, and its features."""
    features = features_of(chapter.id, chapter.source_hash, chapter.source, chapter.front_matter)
    hints = inferred.hints_for(chapter, library)
    merged = inferred.effective(chapter, features, hints)
    if merged is chapter:
        return chapter, features
    # The same source with other front matter: cached under the library's hash too.
    key = f"{chapter.source_hash}:{library.context_hash}"
    return merged, features_of(chapter.id, key, merged.source, merged.front_matter)
