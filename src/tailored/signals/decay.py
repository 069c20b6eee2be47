"""Forward decay (Cormode et al., "Forward Decay: A Practical Time Decay Model for Streaming
Systems"): each event's weight is stored scaled to a fixed landmark, w * 2^((t - L) / h), so a
score is a plain sum — updated in O(1) per event, the same whatever order events arrive in —
and reading it at time `now` multiplies by 2^(-(now - L) / h).

With h = 14 days the stored figures grow by 2^26 a year; a double holds 2^1023, so the landmark
lasts centuries of events for any half-life above a day.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

LANDMARK = datetime(2026, 1, 1, tzinfo=UTC)
_DAY = 86400.0


def _halvings(at: datetime, half_life_days: float) -> float:
    return (at - LANDMARK).total_seconds() / (half_life_days * _DAY)


def scaled(weight: float, at: datetime, half_life_days: float) -> float:
    """The weight of an event at `at`, scaled to the landmark (what is stored and summed)."""
    return weight * math.pow(2.0, _halvings(at, half_life_days))


def value_at(stored: float, now: datetime, half_life_days: float) -> float:
    """A stored (landmark-scaled) sum read at `now`: sum of w * 2^(-(now - t) / h)."""
    return stored * math.pow(2.0, -_halvings(now, half_life_days))
