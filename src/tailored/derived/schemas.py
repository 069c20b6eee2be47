"""The API shapes every derived result shares: what changed, and the verification report."""

from __future__ import annotations

from collections.abc import Iterable

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
