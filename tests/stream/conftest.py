"""Events stored through the signals layer (so each has its outbox row), and the checks every
broker's test makes on what arrived."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.signals import SignalsConfig
from tailored.kit.db import transaction
from tailored.signals import service as signals
from tailored.signals.schemas import Signal
from tailored.stream.relay import Relay, backlog

START = datetime(2026, 11, 1, tzinfo=UTC)


async def add_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    learners: int,
    each: int,
    first: int = 0,
    tag: str = "e",
) -> int:
    """`each` events per learner, interleaved, in one transaction; numbered from `first`."""
    items = [
        Signal(
            id=f"{tag}-{k}-{i}",
            learner=f"learner-{k}",
            type="complete",
            occurred_at=START + timedelta(seconds=i),
            content_id=f"ch-{i}",
            metadata={"seq": i},
        )
        for i in range(first, first + each)
        for k in range(learners)
    ]
    async with transaction(sessionmaker, write=True) as session:
        result = await signals.record_events(session, items, config=SignalsConfig())
    assert result.inserted == len(items)
    return len(items)


def assert_once_and_in_order(arrived: Iterable[tuple[str, str, int]], expected: int) -> None:
    """(event id, learner, seq) as consumed: each event exactly once, each learner in order."""
    items = list(arrived)
    ids = [i for i, _, _ in items]
    assert len(ids) == expected
    assert len(set(ids)) == expected, "an event was delivered twice"
    per_learner: dict[str, list[int]] = defaultdict(list)
    for _, learner, seq in items:
        per_learner[learner].append(seq)
    for learner, seqs in per_learner.items():
        assert seqs == sorted(seqs), f"{learner} out of order"


class CrashAfterPublish(Relay):
    """A relay killed after the broker took a batch and before it marked the rows."""

    async def _mark(self, ids: list[int]) -> None:
        raise RuntimeError("killed between publish and mark")


async def waiting(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    return int((await backlog(sessionmaker))["backlog"] or 0)
