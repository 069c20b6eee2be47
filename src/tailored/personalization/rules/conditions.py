"""Audience conditions: the `data-audience` attribute of a variant block.

    data-audience="software_level:beginner,intermediate; language:python"

Clauses are separated by `;` (or whitespace) and must all hold (AND); the comma-separated
values of one clause are alternatives (OR). A clause whose key or value is unknown makes the
whole condition unknown, and the block is then left exactly as written: a typo must never
hide content from everyone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tailored.models import (
    DifficultyPreference,
    HardwareAvailable,
    HardwareLevel,
    LearnerRole,
    SoftwareLevel,
)
from tailored.personalization.rules.languages import canonical_language

# Condition key → the values it accepts (None: any tag, canonicalized as a language).
CONDITION_VALUES: dict[str, frozenset[str] | None] = {
    "software_level": frozenset(SoftwareLevel),
    "hardware_level": frozenset(HardwareLevel),
    "hardware_available": frozenset(HardwareAvailable),
    "language": None,
    "difficulty": frozenset(DifficultyPreference),
    "role": frozenset(LearnerRole),
}
# Spellings authors may reach for; each maps to a key above.
_KEY_ALIASES = {
    "level": "software_level",
    "software": "software_level",
    "hardware": "hardware_available",
    "languages": "language",
    "lang": "language",
    "difficulty_preference": "difficulty",
}
# Keys whose learner value is a list (a clause holds when any of its values is in the list).
LIST_KEYS = frozenset({"hardware_available", "language"})
_CLAUSE_SPLIT_RE = re.compile(r"[;\s]+")
_CLAUSE_RE = re.compile(r"([A-Za-z_]+)\s*[:=]\s*([^\s;]+)")


@dataclass(frozen=True, slots=True)
class Condition:
    """All clauses must hold; `clauses` maps a key to the values it accepts."""

    clauses: tuple[tuple[str, frozenset[str]], ...]


def parse_condition(text: str) -> Condition | None:
    """The condition in a `data-audience` value, or None when any part of it is unknown."""
    # Allow spaces after the colon and commas ("language: python, cpp") by closing them up.
    compact = re.sub(r"\s*([:=,])\s*", r"\1", text.strip())
    clauses: dict[str, frozenset[str]] = {}
    for chunk in _CLAUSE_SPLIT_RE.split(compact):
        if not chunk:
            continue
        match = _CLAUSE_RE.fullmatch(chunk)
        if match is None:
            return None
        raw_key, raw_values = match.groups()
        key = _KEY_ALIASES.get(raw_key.lower(), raw_key.lower())
        if key not in CONDITION_VALUES or key in clauses:
            return None
        values = _values(key, raw_values)
        if values is None:
            return None
        clauses[key] = values
    if not clauses:
        return None
    return Condition(tuple(sorted(clauses.items())))


def _values(key: str, raw: str) -> frozenset[str] | None:
    allowed = CONDITION_VALUES[key]
    values: set[str] = set()
    for item in raw.split(","):
        value = item.strip().lower()
        if not value:
            continue
        if allowed is None:
            values.add(canonical_language(value) or value)
        elif value in allowed:
            values.add(value)
        else:
            return None
    return frozenset(values) or None


def audience_key(key: str) -> str:
    """The audience entry that holds the learner's value for a condition key."""
    return f"variant.{key}"


def reduce_value(key: str, learner: Any, mentioned: frozenset[str]) -> Any:
    """The learner's value for `key`, reduced to what conditions mentioning `mentioned` see.

    Unset stays None (conditions on it hold: the reader sees what a plain site shows);
    a scalar not mentioned anywhere becomes "other"; a list keeps only mentioned values.
    """
    if key in LIST_KEYS:
        items = list(learner or [])
        if not items:
            return None
        return sorted({item for item in items if item in mentioned})
    if learner is None:
        return None
    return learner if learner in mentioned else "other"


def holds(condition: Condition, audience: Mapping[str, Any]) -> bool | None:
    """Whether the learner matches; None when the audience lacks a key the condition needs."""
    for key, accepted in condition.clauses:
        entry = audience_key(key)
        if entry not in audience:
            return None
        value = audience[entry]
        if value is None:
            continue
        if isinstance(value, list):
            if not accepted.intersection(value):
                return False
        elif value not in accepted:
            return False
    return True
