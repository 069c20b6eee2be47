"""Traits inferred from signals (source "inferred", with a confidence that grows with the
evidence). An answer the learner gave is never replaced (profiles.service.infer_trait); the
learner sees inferred traits in GET /api/me/traits and removes them with DELETE."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.profiles import service as profiles
from tailored.signals.identity import user_of
from tailored.signals.repository import count_matching
from tailored.signals.schemas import Signal


@dataclass(frozen=True)
class Rule:
    """Events of `event_type` (whose content id contains `content_contains`, whose metadata
    has `metadata`) seen `min_count` times or more suggest `key` = `value`."""

    key: str
    value: Any
    event_type: str
    content_contains: str | None = None
    metadata: tuple[str, str] | None = None
    min_count: int = 2
    base_confidence: float = 0.5
    step: float = 0.1
    max_confidence: float = 0.9

    def matches(self, s: Signal) -> bool:
        if s.type != self.event_type:
            return False
        if self.content_contains is not None and self.content_contains not in (s.content_id or ""):
            return False
        if self.metadata is not None:
            name, wanted = self.metadata
            return str(s.metadata.get(name)) == wanted
        return True

    def confidence(self, count: int) -> float:
        extra = (count - self.min_count) * self.step
        return round(min(self.max_confidence, self.base_confidence + extra), 3)


RULES: tuple[Rule, ...] = (
    # Completing Jetson chapters: hands-on with edge hardware.
    Rule(key="interest_jetson", value=True, event_type="complete", content_contains="jetson"),
    # Opening the collapsed advanced parts of sections again and again.
    Rule(
        key="prefers_depth",
        value="advanced",
        event_type="view",
        metadata=("expanded", "advanced"),
        min_count=3,
    ),
)


async def infer(
    session: AsyncSession, stored: Sequence[Signal], rules: Sequence[Rule] = RULES
) -> set[uuid.UUID]:
    """Update inferred traits of the accounts whose new events matter to a rule; the accounts
    whose traits changed."""
    changed: set[uuid.UUID] = set()
    todo = {
        (s.learner, rule)
        for s in stored
        for rule in rules
        if user_of(s.learner) is not None and rule.matches(s)
    }
    for learner, rule in sorted(todo, key=lambda x: (x[0], x[1].key)):
        user_id = user_of(learner)
        assert user_id is not None
        count = await count_matching(
            session,
            learner,
            rule.event_type,
            content_contains=rule.content_contains,
            metadata=rule.metadata,
        )
        if count < rule.min_count:
            continue
        trait = await profiles.infer_trait(
            session, user_id, rule.key, value=rule.value, confidence=rule.confidence(count)
        )
        if trait is not None:
            changed.add(user_id)
    return changed
