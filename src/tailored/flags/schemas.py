"""Request and response bodies for flags, OFREP and experiment reports.

A definition is checked whole (every variant a rule, split or default names exists, splits add
up to 100 %) so that evaluation never meets a broken flag; a bad one is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, model_validator

FLAG_KEY_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,127}$"
FlagKey = Annotated[str, StringConstraints(pattern=FLAG_KEY_PATTERN)]
VariantName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Split = dict[VariantName, Annotated[float, Field(ge=0, le=100)]]
BOOLEAN_VARIANTS: dict[str, JsonValue] = {"on": True, "off": False}


class Condition(BaseModel):
    """`attribute` is a profile field (software_level, languages...), `traits.<key>`, or any
    attribute the evaluation context carries."""

    model_config = ConfigDict(extra="forbid")

    attribute: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    op: Literal["in", "not_in", "contains_all", "gte", "lte", "exists"]
    values: list[JsonValue] = Field(default_factory=list, max_length=1000)


class Rule(BaseModel):
    """All of `when` must hold; then serve `variant`, or split the matching learners."""

    model_config = ConfigDict(extra="forbid")

    when: list[Condition] = Field(default_factory=list, max_length=50)
    variant: VariantName | None = None
    split: Split | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> Rule:
        if (self.variant is None) == (self.split is None):
            raise ValueError("a rule serves either a variant or a split, exactly one")
        return self


class FlagChange(BaseModel):
    """Fields to change on a flag; those left out are kept."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=2000)
    variants: dict[VariantName, JsonValue] | None = Field(default=None, min_length=1, max_length=50)
    default_variant: VariantName | None = None
    off_variant: VariantName | None = None
    enabled: bool | None = None
    rules: list[Rule] | None = Field(default=None, max_length=100)
    rollout: Split | None = None
    # Send true to drop the rollout split (null in `rollout` means "unchanged").
    clear_rollout: bool = False


class FlagIn(FlagChange):
    key: FlagKey
    kind: Literal["boolean", "variant"] = "boolean"


class FlagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    description: str
    kind: str
    variants: dict[str, Any]
    default_variant: str
    off_variant: str
    enabled: bool
    rules: list[dict[str, Any]]
    rollout: dict[str, float] | None
    version: int
    created_at: datetime
    updated_at: datetime


def check_definition(
    kind: str,
    variants: dict[str, Any],
    default_variant: str,
    off_variant: str,
    rules: list[Rule],
    rollout: dict[str, float] | None,
) -> str | None:
    """What is wrong with a whole definition, or None."""
    if kind == "boolean" and set(variants) != set(BOOLEAN_VARIANTS):
        return "a boolean flag has exactly the variants 'on' and 'off'"
    if kind == "boolean" and any(variants[n] is not BOOLEAN_VARIANTS[n] for n in variants):
        return "a boolean flag's variants are on: true and off: false"
    named = [default_variant, off_variant]
    splits = [rollout] if rollout else []
    for rule in rules:
        named += [rule.variant] if rule.variant else []
        splits += [rule.split] if rule.split else []
    for split in splits:
        named += list(split)
        if abs(sum(split.values()) - 100) > 1e-6:
            return f"a split must add up to 100 percent, not {sum(split.values()):g}"
    unknown = sorted({n for n in named if n not in variants})
    return f"unknown variants {unknown}; the flag has {sorted(variants)}" if unknown else None


class OfrepRequest(BaseModel):
    """OFREP's evaluation request: an optional context (targetingKey plus attributes)."""

    context: dict[str, JsonValue] | None = None


class VariantOutcome(BaseModel):
    variant: str
    learners: int = Field(description="learners exposed to this variant")
    completions: int = Field(description="complete signals after exposure")
    completion_rate: float = Field(description="completions per exposed learner")
    bookmarks: int = Field(description="bookmark signals after exposure")
    avg_seconds_on_chapter: float | None = Field(
        description="mean of view signals' metadata.seconds after exposure; null without any"
    )


class ExperimentReport(BaseModel):
    flag: str
    version: int
    variants: list[VariantOutcome]
