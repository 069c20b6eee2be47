from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tailored.analytics import service
from tailored.analytics.schemas import PersonalizationStats, ProviderUsageOut, TimeSeries
from tailored.deps import AdminUser, SessionDep, StateDep
from tailored.errors import AdminRequired, NotAuthenticated, error_responses

router = APIRouter(prefix="/api/admin/stats", tags=["analytics"])


@router.get("/personalization", responses=error_responses(NotAuthenticated, AdminRequired))
async def personalization_stats(
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> PersonalizationStats:
    """Requests, hit rate, latency percentiles, top chapters, audiences, stored bytes (admin)."""
    await state.recorder.flush()
    return await service.personalization_stats(session, days=days, top=top)


@router.get("/timeseries", responses=error_responses(NotAuthenticated, AdminRequired))
async def personalization_timeseries(
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    buckets: Annotated[int, Query(ge=1, le=200)] = 28,
) -> TimeSeries:
    """Personalize requests over time: count, hit rate, p50/p95/p99 latency per slice (admin)."""
    await state.recorder.flush()
    return await service.personalization_timeseries(session, days=days, buckets=buckets)


@router.get("/llm", responses=error_responses(NotAuthenticated, AdminRequired))
async def llm_usage(_admin: AdminUser, state: StateDep) -> list[ProviderUsageOut]:
    """Per provider, in fallback order: calls, tokens by model, circuit state (this process,
    since it started; empty when no model is configured) (admin)."""
    return service.provider_usage(state.llm)
