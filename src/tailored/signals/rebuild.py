"""Recomputing scores, rollups and popularity from the raw events, for when the settings they
were computed with change.

A stored score is a sum of w * 2^((t - landmark) / h) (decay.py): a new half-life `h` or new
weights `w` change every term, and no arithmetic on the sums can follow. So the settings in use
are recorded (`signal_basis`); `serve` warns when its own differ (`check`), and
`tailored rollups rebuild` applies the current weights to the stored events and recomputes the
derived tables from them, learner by learner, in one transaction: readers see the old figures
until it commits, then the new ones.

What a rebuild cannot bring back: collapsed repeat views were never stored, so `last_view_at`
becomes the latest stored view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.config.signals import SignalsConfig
from tailored.signals import decay
from tailored.signals.identity import user_of
from tailored.signals.ingest import derive_rows
from tailored.signals.repository import SignalRepository
from tailored.signals.schemas import Signal
from tailored.signals.service import audiences_for

# Learners whose events are read (and held in memory) at once.
CHUNK = 500


def basis(config: SignalsConfig) -> dict[str, Any]:
    """What stored figures depend on."""
    return {
        "half_life_days": config.half_life_days,
        "landmark": decay.LANDMARK.isoformat(),
        "weights": dict(sorted(config.all_weights().items())),
    }


async def check(session: AsyncSession, config: SignalsConfig) -> str | None:
    """None when the stored figures follow `config` (recording it on a database that has
    none yet); else what differs, for an operator."""
    repo = SignalRepository(session)
    stored, current = await repo.basis(), basis(config)
    if stored is None:
        await repo.add_basis_if_absent(current)
        return None
    changed = sorted(k for k in current if stored.get(k) != current[k])
    if not changed:
        return None
    return (
        f"stored scores and rollups were computed with other {', '.join(changed)}: "
        "run `tailored rollups rebuild` to recompute them from the events"
    )


@dataclass(frozen=True)
class Rebuilt:
    learners: int
    events: int
    reweighted: int


async def rebuild(session: AsyncSession, config: SignalsConfig) -> Rebuilt:
    """Apply the current weights to stored events and recompute every derived figure, in the
    caller's transaction."""
    repo = SignalRepository(session)
    reweighted = await repo.apply_weights(config.all_weights())
    await repo.clear_derived()
    learners = await repo.learners()
    popular: dict[tuple[str, str], dict[str, Any]] = {}
    events = 0
    for start in range(0, len(learners), CHUNK):
        group = learners[start : start + CHUNK]
        signals = _signals(await repo.events_of(group), config)
        events += len(signals)
        rows = await derive_rows(
            repo,
            signals,
            [],
            config=config,
            users={learner: user_of(learner) for learner in group},
            audiences=await audiences_for(session, set(group)),
        )
        for row in rows:
            key = (row["content_id"], row["audience"])
            if key in popular:
                popular[key]["scaled"] += row["scaled"]
                popular[key]["events"] += row["events"]
            else:
                popular[key] = dict(row)
    await repo.add_popularity([popular[k] for k in sorted(popular)])
    await repo.set_basis(basis(config))
    return Rebuilt(learners=len(learners), events=events, reweighted=reweighted)


def _signals(rows: Sequence[Any], config: SignalsConfig) -> list[Signal]:
    known = config.all_weights()
    return [
        Signal(
            id=e.id,
            learner=e.learner,
            type=e.type,
            occurred_at=e.occurred_at,
            content_id=e.content_id,
            content_type=e.content_type,
            session_id=e.session_id,
            metadata=e.meta,
            source=e.source,
        )
        for e in rows
        # A custom type removed from the settings no longer counts.
        if e.type in known
    ]
