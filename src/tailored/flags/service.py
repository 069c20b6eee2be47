"""Feature flags: definitions (admin), a learner's evaluation context, evaluation.

Services only flush; the caller commits and then calls `FlagBook.invalidate()` so this process
serves the change at once (the others within `flags.refresh_seconds`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tailored.errors import FlagExists, FlagNotFound, InvalidFlag
from tailored.flags.repository import FlagRepository
from tailored.flags.rules import Evaluation, FlagDef, evaluate
from tailored.flags.schemas import (
    BOOLEAN_VARIANTS,
    ExperimentReport,
    FlagChange,
    FlagIn,
    FlagOut,
    Rule,
    VariantOutcome,
    check_definition,
)
from tailored.models import FeatureFlag
from tailored.profiles import service as profiles
from tailored.signals import service as signals

# Profile fields a rule may name (besides `traits.<key>` and whatever the context carries).
PROFILE_ATTRIBUTES = (
    "software_level",
    "languages",
    "frameworks",
    "hardware_level",
    "hardware_domains",
    "role",
    "robotics_experience",
    "hardware_available",
    "interests",
    "difficulty_preference",
    "preferred_language",
    "profile_completed",
)


async def list_flags(session: AsyncSession) -> list[FlagOut]:
    return [FlagOut.model_validate(f) for f in await FlagRepository(session).list()]


async def get_flag(session: AsyncSession, key: str) -> FlagOut:
    flag = await FlagRepository(session).get(key)
    if flag is None:
        raise FlagNotFound()
    return FlagOut.model_validate(flag)


async def create_flag(session: AsyncSession, body: FlagIn) -> FlagOut:
    flags = FlagRepository(session)
    if await flags.get(body.key) is not None:
        raise FlagExists()
    variants = body.variants or dict(BOOLEAN_VARIANTS)
    first = next(iter(variants))
    default = body.default_variant or ("off" if body.kind == "boolean" else first)
    flag = FeatureFlag(
        key=body.key,
        description=body.description or "",
        kind=body.kind,
        variants=variants,
        default_variant=default,
        off_variant=body.off_variant or default,
        enabled=True if body.enabled is None else body.enabled,
        rules=[r.model_dump(exclude_none=True) for r in body.rules or []],
        rollout=body.rollout,
        salt=secrets.token_hex(8),
        version=1,
    )
    _check(flag)
    return FlagOut.model_validate(await flags.save(flag))


async def change_flag(session: AsyncSession, key: str, change: FlagChange) -> FlagOut:
    """Apply the fields sent; each change moves the version (experiments count per version)."""
    flags = FlagRepository(session)
    flag = await flags.get(key)
    if flag is None:
        raise FlagNotFound()
    for name in ("description", "variants", "default_variant", "off_variant", "enabled"):
        if (value := getattr(change, name)) is not None:
            setattr(flag, name, value)
    if change.rules is not None:
        flag.rules = [r.model_dump(exclude_none=True) for r in change.rules]
    if change.rollout is not None or change.clear_rollout:
        flag.rollout = None if change.clear_rollout else change.rollout
    _check(flag)
    flag.version += 1
    return FlagOut.model_validate(await flags.save(flag))


async def delete_flag(session: AsyncSession, key: str) -> None:
    if not await FlagRepository(session).delete(key):
        raise FlagNotFound()


def _check(flag: FeatureFlag) -> None:
    problem = check_definition(
        flag.kind,
        dict(flag.variants),
        flag.default_variant,
        flag.off_variant,
        [Rule.model_validate(r) for r in flag.rules],
        flag.rollout,
    )
    if problem is not None:
        raise InvalidFlag(problem)


async def learner_context(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """What rules may read about a learner: profile fields and `traits.<key>` values."""
    profile = (await profiles.get_profile(session, user_id)).model_dump(mode="json")
    context = {name: profile[name] for name in PROFILE_ATTRIBUTES}
    for trait in await profiles.list_traits(session, user_id):
        context[f"traits.{trait.key}"] = trait.value
    return context


def evaluate_all(
    flags: Mapping[str, FlagDef], context: Mapping[str, Any], targeting_key: str | None
) -> dict[str, Evaluation | Exception]:
    """Every flag, each an evaluation or the error that stopped it (bulk evaluation)."""
    out: dict[str, Evaluation | Exception] = {}
    for key, flag in flags.items():
        try:
            out[key] = evaluate(flag, context, targeting_key)
        except Exception as exc:  # one broken flag must not hide the others
            out[key] = exc
    return out


async def experiment(session: AsyncSession, key: str, version: int | None) -> ExperimentReport:
    """Outcome signals per variant for learners exposed to the flag (its current version unless
    one is named): completions, bookmarks and time on chapter after their first exposure."""
    flag = await FlagRepository(session).get(key)
    if flag is None:
        raise FlagNotFound()
    version = version or flag.version
    rows = await signals.experiment_outcomes(session, key, version)
    return ExperimentReport(
        flag=key,
        version=version,
        variants=[
            VariantOutcome(
                variant=r["variant"],
                learners=r["learners"],
                completions=r["completions"],
                completion_rate=r["completions"] / r["learners"] if r["learners"] else 0.0,
                bookmarks=r["bookmarks"],
                avg_seconds_on_chapter=float(r["seconds"]) if r["seconds"] is not None else None,
            )
            for r in rows
        ],
    )
