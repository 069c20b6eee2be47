"""The API shapes every derived result shares: what changed, and the verification report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from pydantic import BaseModel

from tailored.derived.outcome import Transformation


class TransformationOut(BaseModel):
    name: str
    detail: str

    @classmethod
    def many(cls, applied: Iterable[Transformation]) -> list[TransformationOut]:
        return [cls(name=t.name, detail=t.detail) for t in applied]


class VerificationOut(BaseModel):
    ok: bool
    issues: list[str]


class DerivedResult(Protocol):
    """What a personalized or translated chapter says about itself (a dataclass)."""

    @property
    def applied(self) -> tuple[Transformation, ...]: ...

    @property
    def verified(self) -> bool: ...

    @property
    def issues(self) -> tuple[str, ...]: ...


def api_fields(result: DerivedResult) -> dict[str, Any]:
    """`result`'s fields as an API model reads them: its own, plus the shared shapes."""
    return {
        **vars(result),
        "applied_transformations": TransformationOut.many(result.applied),
        "verification": VerificationOut(ok=result.verified, issues=list(result.issues)),
    }
