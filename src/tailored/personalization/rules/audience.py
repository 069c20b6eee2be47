"""Reduce a learner profile to the audience of one chapter: only what its output depends on.

Every entry is present only when the chapter has the feature that reads it, and holds the
smallest value that still decides the output, so that learners who would get the same bytes
share one cache entry. Keys (all optional):

    glossary.beginner        bool    define glossary terms on first use
    variant.<condition key>  value   see conditions.reduce_value
    tabs.language            str|None  the language tab to prefer
    tabs.only                bool    show only that tab (others one click away)
    hardware                 [str]   the learner's hardware among the chapter's targets
    depth                    "collapse_advanced" | "collapse_beginner" | "none"
    prerequisites.uncovered  [str]   prerequisite chapter ids the profile does not cover
    prerequisites.inferred   bool    link terms earlier chapters define (inferred, no author list)
    key_points               bool    a "Key points" callout (inferred, advanced readers)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tailored.personalization.adapter import Library
from tailored.personalization.rules.conditions import audience_key, reduce_value
from tailored.personalization.rules.features import Features
from tailored.personalization.rules.languages import learner_languages
from tailored.profiles.schemas import ProfileData

GLOSSARY = "glossary.beginner"
TAB_LANGUAGE = "tabs.language"
TAB_ONLY = "tabs.only"
HARDWARE = "hardware"
DEPTH = "depth"
UNCOVERED = "prerequisites.uncovered"
INFERRED_PREREQUISITES = "prerequisites.inferred"
KEY_POINTS = "key_points"

COLLAPSE_ADVANCED = "collapse_advanced"
COLLAPSE_BEGINNER = "collapse_beginner"

# Every ProfileData field `build_audience` may read.
PROFILE_FIELDS = frozenset(
    {
        "software_level",
        "hardware_level",
        "hardware_available",
        "hardware_domains",
        "languages",
        "frameworks",
        "role",
        "robotics_experience",
        "difficulty_preference",
    }
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def difficulty(profile: ProfileData) -> str:
    """The difficulty preference, "balanced" when the learner never chose one."""
    return _text(profile.difficulty_preference) or "balanced"


def is_beginner(profile: ProfileData) -> bool:
    return _text(profile.software_level) == "beginner"


def wants_glossary(profile: ProfileData) -> bool:
    """Beginners in software, or anyone new to robotics: the glossary defines domain terms."""
    return is_beginner(profile) or _text(profile.robotics_experience) == "none"


def depth_mode(profile: ProfileData) -> str:
    """Which depth markers collapse. An explicit difficulty preference beats the level."""
    preference = difficulty(profile)
    if preference == "gentle":
        return COLLAPSE_ADVANCED
    if preference == "challenging":
        return COLLAPSE_BEGINNER
    level = _text(profile.software_level)
    if level == "beginner":
        return COLLAPSE_ADVANCED
    if level == "advanced":
        return COLLAPSE_BEGINNER
    return "none"


def _condition_value(profile: ProfileData, key: str) -> Any:
    if key == "language":
        return learner_languages(profile.languages)
    if key == "hardware_available":
        return [str(item) for item in profile.hardware_available]
    if key == "difficulty":
        return difficulty(profile)
    return _text(getattr(profile, key))


def uncovered_prerequisites(
    profile: ProfileData, prerequisites: tuple[str, ...], library: Library
) -> list[str]:
    """Known prerequisite chapters whose skills the profile shows none of.

    Advanced learners are taken to cover everything; a chapter without `skills` is covered
    only that way.
    """
    known = [pid for pid in prerequisites if pid in library.chapters]
    if _text(profile.software_level) == "advanced":
        return []
    have = {tag.lower() for tag in (*profile.languages, *profile.frameworks)}
    have.update(str(domain) for domain in profile.hardware_domains)
    have.update(learner_languages(profile.languages))
    uncovered = {
        pid
        for pid in known
        if not have.intersection(skill.lower() for skill in library.chapters[pid].skills)
    }
    return sorted(uncovered)


@dataclass(frozen=True)
class Inferred:
    """What inference adds to a chapter's features (only kinds the author left unmarked)."""

    hardware_targets: frozenset[str] = frozenset()
    prerequisites: bool = False
    key_points: bool = False
    uses_mined_terms: bool = False


def needs_term_links(profile: ProfileData) -> bool:
    """Terms from earlier chapters: for beginners, newcomers to robotics and gentle readers."""
    return wants_glossary(profile) or difficulty(profile) == "gentle"


def build_audience(
    profile: ProfileData, features: Features, library: Library, inferred: Inferred | None = None
) -> dict[str, Any]:
    inferred = inferred or Inferred()
    audience: dict[str, Any] = {}
    # Author terms come first in the library's glossary; mined terms matter only to chapters
    # that use one (learners who would get the same chapter share it).
    if library.glossary and (library.glossary[0].chapter_id is None or inferred.uses_mined_terms):
        audience[GLOSSARY] = wants_glossary(profile)
    for key, mentioned in features.conditions.items():
        audience[audience_key(key)] = reduce_value(key, _condition_value(profile, key), mentioned)
    if features.tab_languages:
        known = learner_languages(profile.languages)
        chosen = next((lang for lang in known if lang in features.tab_languages), None)
        audience[TAB_LANGUAGE] = chosen
        audience[TAB_ONLY] = chosen is not None and is_beginner(profile)
    targets = features.hardware_targets | inferred.hardware_targets
    if targets:
        owned = {str(item) for item in profile.hardware_available}
        audience[HARDWARE] = sorted(owned & targets)
    if features.depth_kinds:
        mode = depth_mode(profile)
        kind = {COLLAPSE_ADVANCED: "advanced", COLLAPSE_BEGINNER: "beginner"}.get(mode)
        audience[DEPTH] = mode if kind in features.depth_kinds else "none"
    if any(pid in library.chapters for pid in features.prerequisites):
        audience[UNCOVERED] = uncovered_prerequisites(profile, features.prerequisites, library)
    elif inferred.prerequisites:
        audience[INFERRED_PREREQUISITES] = needs_term_links(profile)
    if inferred.key_points:
        audience[KEY_POINTS] = depth_mode(profile) == COLLAPSE_BEGINNER
    return dict(sorted(audience.items()))
