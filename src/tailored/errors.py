"""Errors a client may see. Every one renders as `{"error": ClassName, "detail": ...}`.

    AppError (500)
     ├── TranslationSetupError (500)   a broken glossary-keep.yml, named
     ├── BadRequest (400)
     ├── NotAuthenticated (401)
     │    └── InvalidCredentials (401)
     ├── Forbidden (403)
     │    ├── AdminRequired (403)
     │    └── ProfileIncomplete (403)
     ├── NotFound (404)
     │    ├── ChapterNotFound (404)
     │    ├── FlagNotFound (404)
     │    ├── NoTranslationAvailable (404)   no human file, no machine translator
     │    ├── TraitNotFound (404)
     │    └── UserNotFound (404)
     ├── Conflict (409)
     │    ├── EmailTaken (409)
     │    ├── FlagExists (409)
     │    └── IngestWouldPrune (409)   content/service.py: most of the library would go
     ├── UnprocessableInput (422)
     │    ├── InvalidChapterIdError (422)
     │    └── InvalidFlag (422)   flags/schemas.py: a definition that does not hold together
     ├── TooManyAttempts (429)   accounts/throttle.py: failed logins; sends Retry-After
     └── DatabaseBusy (503)   kit/db.py: no turn to write within the busy timeout

422 from request validation uses the error name "ValidationError" with pydantic's list of
problems as detail, each naming the field (`loc`) and what is allowed (`msg`); a body that is
not JSON text (bad UTF-8, nesting too deep) is one of those too (`type` "json_invalid").
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from pydantic import BaseModel


class AppError(Exception):
    status_code: ClassVar[int] = 500
    # Response headers; a class default, or set per instance (Retry-After).
    headers: dict[str, str] = {}
    # Response headers documented in OpenAPI: name -> OpenAPI header object.
    documented_headers: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, detail: Any = None) -> None:
        self.detail = detail if detail is not None else self.default_detail()
        super().__init__(str(self.detail))

    @classmethod
    def default_detail(cls) -> str:
        return "internal server error"

    @property
    def name(self) -> str:
        return type(self).__name__


class BadRequest(AppError):
    status_code = 400


class NotAuthenticated(AppError):
    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}

    @classmethod
    def default_detail(cls) -> str:
        return "missing, invalid or expired bearer token"


class InvalidCredentials(NotAuthenticated):
    @classmethod
    def default_detail(cls) -> str:
        # One message for unknown email and wrong password: no account enumeration.
        return "invalid email or password"


class Forbidden(AppError):
    status_code = 403


class AdminRequired(Forbidden):
    @classmethod
    def default_detail(cls) -> str:
        return "this action needs the admin role"


class ProfileIncomplete(Forbidden):
    @classmethod
    def default_detail(cls) -> str:
        return (
            "complete your profile first: set software_level and hardware_level "
            "with PATCH /api/me/profile"
        )


class TranslationSetupError(AppError):
    """The docs folder's translation files cannot be used (500, saying what to fix)."""


class NotFound(AppError):
    status_code = 404

    @classmethod
    def default_detail(cls) -> str:
        return "not found"


class ChapterNotFound(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no such chapter"


class NoTranslationAvailable(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no translation is available for this language"


class FlagNotFound(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no such flag"


class TraitNotFound(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no such trait"


class UserNotFound(NotFound):
    @classmethod
    def default_detail(cls) -> str:
        return "no such user"


class Conflict(AppError):
    status_code = 409


class EmailTaken(Conflict):
    @classmethod
    def default_detail(cls) -> str:
        return "an account with this email already exists"


class FlagExists(Conflict):
    @classmethod
    def default_detail(cls) -> str:
        return "a flag with this key exists; change it with PATCH /api/admin/flags/{key}"


class UnprocessableInput(AppError):
    status_code = 422


class InvalidChapterIdError(UnprocessableInput):
    pass


class InvalidFlag(UnprocessableInput):
    pass


class TooManyAttempts(AppError):
    status_code = 429
    documented_headers = {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    }

    def __init__(self, retry_after: float, detail: Any = None) -> None:
        # Whole seconds for the header, never 0 (which would invite an immediate retry).
        seconds = max(1, math.ceil(retry_after))
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(seconds)}
        super().__init__(detail or f"too many failed logins; try again in {seconds} s")


class DatabaseBusy(AppError):
    status_code = 503
    headers = {"Retry-After": "1"}

    @classmethod
    def default_detail(cls) -> str:
        return "the database is busy; try again"


class ErrorBody(BaseModel):
    error: str
    detail: Any


class ValidationProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """What request validation answers (422): the fields at fault and what each allows."""

    error: Literal["ValidationError"]
    detail: list[ValidationProblem]


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the errors an endpoint can raise."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        entry = out.setdefault(err.status_code, {"description": "", "model": ErrorBody})
        entry["description"] = ", ".join(filter(None, [entry["description"], err.__name__]))
        if err.documented_headers:
            entry.setdefault("headers", {}).update(err.documented_headers)
    return out
