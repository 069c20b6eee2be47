"""The relay's figures for operators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tailored.deps import AdminUserBrief, StateDep
from tailored.errors import AdminRequired, NotAuthenticated, error_responses
from tailored.stream.relay import backlog

router = APIRouter(prefix="/api/admin/stats", tags=["stream"])


@router.get("/stream", responses=error_responses(NotAuthenticated, AdminRequired))
async def stream_stats(state: StateDep, _admin: AdminUserBrief) -> dict[str, Any]:
    """Outbox backlog (all processes) and this process's relay: published, lag p50/p99."""
    relay = state.relay
    return {
        "broker": relay.broker.name,
        "relay_running": relay.running,
        **await backlog(state.sessionmaker),
        **relay.stats.summary(),
    }
