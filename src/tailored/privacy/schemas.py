from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from tailored.accounts.schemas import UserOut
from tailored.profiles.schemas import ProfileOut, TraitOut


class ExportOut(BaseModel):
    exported_at: datetime
    user: UserOut
    profile: ProfileOut | None
    traits: list[TraitOut]
    personalizations: list[dict[str, Any]]
    reading_modes: list[dict[str, Any]]
    # Learner events, per-item scores and rollups (traits are above).
    signals: dict[str, Any]
