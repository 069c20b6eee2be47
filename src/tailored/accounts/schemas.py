from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from tailored.models import Role

# A name of the same shape that email-validator accepts, checked in place of a special-use one.
_STAND_IN = "example"


def special_use_name(domain: str) -> str | None:
    """The special-use name (RFC 6761: local, test, localhost...) `domain` is or ends in."""
    domain = domain.lower()
    for name in SPECIAL_USE_DOMAIN_NAMES:
        if domain == name or domain.endswith("." + name):
            return name
    return None


def _valid_email(value: str) -> str:
    """email-validator's syntax check, normalized and lower-cased.

    email-validator refuses special-use domains (teacher@school.local) outright, with no
    per-call switch; whether they are allowed is a setting that registration enforces. So
    their syntax is checked with the special-use label swapped for a stand-in.
    """
    local, _, domain = value.strip().rpartition("@")
    special = special_use_name(domain)
    checked = f"{local}@{domain[: -len(special)]}{_STAND_IN}" if special else value.strip()
    try:
        info = validate_email(checked, check_deliverability=False)
    except EmailNotValidError as exc:
        raise PydanticCustomError(
            "value_error", "value is not a valid email address: {reason}", {"reason": str(exc)}
        ) from exc
    address = info.normalized
    if special:
        address = address[: -len(_STAND_IN)] + special
    return address.lower()


Email = Annotated[
    str, AfterValidator(_valid_email), WithJsonSchema({"type": "string", "format": "email"})
]
# Upper bound stops a megabyte "password" from tying up Argon2.
Password = Annotated[str, Field(min_length=1, max_length=1024)]
# A password being set must meet the policy, whose minimum is a setting (checked by the
# service); the OpenAPI document publishes the configured minimum where this mark is.
NEW_PASSWORD_MARK = "x-password-policy"
NewPassword = Annotated[
    str, Field(min_length=1, max_length=1024, json_schema_extra={NEW_PASSWORD_MARK: True})
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(Strict):
    email: Email
    password: NewPassword
    display_name: str | None = Field(default=None, max_length=120)


class LoginIn(Strict):
    email: Email
    password: Password


class ChangePasswordIn(Strict):
    current_password: Password
    new_password: NewPassword


class DeleteAccountIn(Strict):
    password: Password


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: Role
    display_name: str | None
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    limit: int
    offset: int
