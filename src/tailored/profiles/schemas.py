"""Request and response bodies for learner profiles and traits.

Validation lives here so that every bad payload is a 422 naming the field (`loc`) and what is
allowed (`msg`), before any service code runs. List fields are normalized on the way in
(stripped, lowercased where case carries no meaning, deduplicated keeping the first occurrence)
so that two learners who typed "Python " and "python" share one audience key downstream.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, TypedDict, TypeVar

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    WithJsonSchema,
)

from tailored.models import (
    DifficultyPreference,
    HardwareAvailable,
    HardwareDomain,
    HardwareLevel,
    LearnerRole,
    RoboticsExperience,
    SoftwareLevel,
    TraitSource,
)

MAX_TAGS = 30
MAX_TAG_LENGTH = 50
MAX_TRAIT_VALUE_BYTES = 4096
TRAIT_KEY_PATTERN = r"^[a-z][a-z0-9_.-]{0,63}$"

T = TypeVar("T")


def _dedupe(items: list[T]) -> list[T]:
    # dict keeps insertion order: the first occurrence wins.
    return list(dict.fromkeys(items))


def _reject_null_list(value: object) -> object:
    # A list column is never NULL; clearing is spelled [], so null is a client mistake.
    if value is None:
        raise ValueError("send [] to clear a list; null is not allowed here")
    return value


def _hardware_available_rules(items: list[HardwareAvailable]) -> list[HardwareAvailable]:
    if HardwareAvailable.none in items and len(items) > 1:
        raise ValueError("'none' cannot be combined with other hardware")
    return items


def _iso_639_1(value: str) -> str:
    code = value.strip().lower()
    if len(code) != 2 or not code.isascii() or pycountry.languages.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 639-1 language code (two letters, e.g. 'en')")
    return code


Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=MAX_TAG_LENGTH
    ),
]
TagList = Annotated[
    list[Tag],
    BeforeValidator(_reject_null_list),
    Field(max_length=MAX_TAGS),
    AfterValidator(_dedupe),
]
HardwareDomainList = Annotated[
    list[HardwareDomain],
    BeforeValidator(_reject_null_list),
    Field(max_length=MAX_TAGS),
    AfterValidator(_dedupe),
]
HardwareAvailableList = Annotated[
    list[HardwareAvailable],
    BeforeValidator(_reject_null_list),
    Field(max_length=MAX_TAGS),
    AfterValidator(_dedupe),
    AfterValidator(_hardware_available_rules),
]
# Published format: two letters, case and surrounding spaces normalized away.
LanguageCode = Annotated[
    str,
    AfterValidator(_iso_639_1),
    WithJsonSchema({"type": "string", "pattern": r"^\s*[A-Za-z]{2}\s*$"}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfilePatch(Strict):
    """A partial profile: fields left out are kept, fields sent as null are cleared.

    List fields replace the stored list; send [] to clear one.
    """

    software_level: SoftwareLevel | None = None
    languages: TagList = Field(default_factory=list)
    frameworks: TagList = Field(default_factory=list)
    hardware_level: HardwareLevel | None = None
    hardware_domains: HardwareDomainList = Field(default_factory=list)
    role: LearnerRole | None = None
    robotics_experience: RoboticsExperience | None = None
    hardware_available: HardwareAvailableList = Field(default_factory=list)
    interests: TagList = Field(default_factory=list)
    difficulty_preference: DifficultyPreference | None = None
    preferred_language: LanguageCode | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent, with list enums reduced to their stored strings."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if isinstance(value, list):
                value = [str(item) for item in value]
            out[name] = value
        return out


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    software_level: SoftwareLevel | None = None
    languages: list[str] = Field(default_factory=list)
    frameworks: list[str] = Field(default_factory=list)
    hardware_level: HardwareLevel | None = None
    hardware_domains: list[HardwareDomain] = Field(default_factory=list)
    role: LearnerRole | None = None
    robotics_experience: RoboticsExperience | None = None
    hardware_available: list[HardwareAvailable] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)
    difficulty_preference: DifficultyPreference | None = None
    preferred_language: str | None = None
    profile_completed: bool = False
    created_at: datetime | None = Field(
        default=None, description="null until the profile is first written"
    )
    updated_at: datetime | None = None


def _bounded_json(value: JsonValue) -> JsonValue:
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_TRAIT_VALUE_BYTES:
        raise ValueError(
            f"value is {size} bytes as JSON; at most {MAX_TRAIT_VALUE_BYTES} bytes allowed"
        )
    return value


TraitValue = Annotated[JsonValue, AfterValidator(_bounded_json)]
TraitKey = Annotated[str, StringConstraints(pattern=TRAIT_KEY_PATTERN)]


class TraitIn(Strict):
    value: TraitValue = Field(description=f"any JSON, at most {MAX_TRAIT_VALUE_BYTES} bytes")
    confidence: float = Field(ge=0, le=1, allow_inf_nan=False)
    source: TraitSource


class TraitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    value: JsonValue
    confidence: float
    source: TraitSource
    updated_at: datetime


class ProfileExport(TypedDict):
    """What account export includes from this domain, JSON-ready."""

    profile: dict[str, Any] | None
    traits: list[dict[str, Any]]


class ProfileData(ProfilePatch):
    """A whole profile as adapters read it (fields left out take their defaults).

    Also the body shape for sites that keep their own users and send a profile per request.
    """

    # What personalization needs; without it the API answers 403 ProfileIncomplete.
    REQUIRED: ClassVar[tuple[str, ...]] = ("software_level", "hardware_level")

    @property
    def missing_fields(self) -> tuple[str, ...]:
        """The required fields that are unset, in REQUIRED's order."""
        return tuple(name for name in self.REQUIRED if getattr(self, name) is None)

    @property
    def profile_completed(self) -> bool:
        return not self.missing_fields
