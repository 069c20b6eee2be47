from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from tailored.models import Role


def _normalize_email(value: str) -> str:
    return value.strip().lower()


Email = Annotated[EmailStr, AfterValidator(_normalize_email)]
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
