from __future__ import annotations

from fastapi import APIRouter

from tailored.deps import CurrentUser, SessionDep
from tailored.errors import NotAuthenticated, error_responses
from tailored.privacy import service
from tailored.privacy.schemas import ExportOut

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me/export", responses=error_responses(NotAuthenticated))
async def export_me(user: CurrentUser, session: SessionDep) -> ExportOut:
    """All data kept about me, as JSON."""
    return await service.export(session, user)
