"""The one pipeline for results derived from a chapter.

    hot copy in the cache → single flight → stored row → produce → (verify: the producer's
    job) → store when storable → the caller logs the request

Personalization and translation supply a key (a hash of exactly what the output depends on)
and a `produce` function; everything else is here, so a new kind of derived result (tutor
answers, recommendation lists) gets hot copies, sharing, single flight and partial retries
without writing them again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from tailored.derived.outcome import Outcome
from tailored.derived.repository import Row
from tailored.derived.singleflight import SingleFlight
from tailored.derived.store import ResultStore

# `produce(previous)`: make the result; `previous` is an expired partial result for the same
# key (what a retry need not redo), or None.
Produce = Callable[[Outcome | None], Awaitable[Outcome]]


@dataclass(frozen=True)
class Served:
    outcome: Outcome
    # Made by an earlier request (stored, hot, or by the single-flight leader).
    cached: bool


class Pipeline(Generic[Row]):
    def __init__(self, store: ResultStore[Row], *, lock_ttl: float) -> None:
        self.store = store
        self.flight: SingleFlight[Outcome] = SingleFlight(store.cache, lock_ttl=lock_ttl)
        # Results this process produced (tests and benchmarks count them).
        self.produced = 0

    async def serve(
        self,
        key: str,
        chapter_id: str,
        produce: Produce,
        columns: Callable[[Outcome], Mapping[str, Any]],
    ) -> Served:
        """The result under `key`: hot copy, stored row, or produced once (and stored when
        verified and complete; `columns` adds the kind's own columns to the row)."""
        # The hot copy only: a miss goes through the flight, whose lookup also asks the
        # database, so an uncached request reads the database once, not twice.
        hot = await self.store.hot(key)
        if hot is not None:
            return Served(hot, True)

        previous: list[Outcome] = []

        async def lookup() -> Outcome | None:
            found = await self.store.lookup(key)
            if found.previous is not None:
                previous.append(found.previous)
            return found.live

        async def make() -> Outcome:
            self.produced += 1
            outcome = await produce(previous[-1] if previous else None)
            if outcome.storable:
                await self.store.save(key, chapter_id, outcome, columns(outcome))
            return outcome

        outcome, produced = await self.flight.run(key, lookup, make)
        return Served(outcome, not produced)
