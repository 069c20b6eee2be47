from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tailored.derived.schemas import TransformationOut, VerificationOut
from tailored.profiles.schemas import ProfileData


class PersonalizedOut(BaseModel):
    chapter_id: str
    adapter: str
    audience_key: str
    content: str
    applied_transformations: list[TransformationOut]
    cached: bool
    verification: VerificationOut
    warning: str | None
    html: str | None = None


class PersonalizeForProfileIn(BaseModel):
    """For sites that keep their own users: the learner's profile travels with the request."""

    model_config = ConfigDict(extra="forbid")

    profile: ProfileData
    # The learner's key (an account id, or `s:<site>:<user id>` as signals name a site's
    # user): the personalization flag splits on it; without it the default adapter is used.
    learner: str | None = Field(default=None, min_length=1, max_length=200)


class HistoryItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chapter_id: str
    audience_key: str
    created_at: datetime


class SessionOut(BaseModel):
    chapter_id: str
    active: bool


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool
