"""A learner's data across domains: each domain exports its own part, this puts them together
(so no domain needs to know the others to answer "everything you keep about me")."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.accounts.schemas import UserOut
from tailored.models import User
from tailored.personalization import service as personalization
from tailored.privacy.schemas import ExportOut
from tailored.profiles import service as profiles
from tailored.signals import service as signals


async def export(session: AsyncSession, user: User) -> ExportOut:
    data = await profiles.export_for_user(session, user.id)
    history, modes = await personalization.export_for_user(session, user.id)
    return ExportOut(
        exported_at=datetime.now(UTC),
        user=UserOut.model_validate(user),
        profile=data["profile"],
        traits=data["traits"],
        personalizations=history,
        reading_modes=modes,
        signals=await signals.export_for_user(session, user.id),
    )
