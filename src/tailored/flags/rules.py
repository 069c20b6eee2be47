"""Flag evaluation, pure: a definition and a context in, a variant and a reason out.

Order: the kill switch (off: the off variant, reason DISABLED); then the targeting rules in
order, the first whose conditions all hold serving its variant (TARGETING_MATCH) or its own
split (SPLIT); then the flag's rollout split (SPLIT); else the default variant (DEFAULT).

Splits are sticky: a learner's bucket is a hash of the flag's salt and the targeting key (the
learner id), so the same learner gets the same variant on every evaluation, in every process,
with nothing stored, and raising a rollout from 10 % to 20 % keeps the first 10 % in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Buckets per hundred percent: splits resolve to 0.01 %.
BUCKETS = 10_000


class TargetingKeyMissing(Exception):
    """A split needs a targeting key and the context has none."""


@dataclass(frozen=True, slots=True)
class FlagDef:
    key: str
    kind: str
    variants: Mapping[str, Any]
    default_variant: str
    off_variant: str
    enabled: bool = True
    rules: tuple[Mapping[str, Any], ...] = ()
    rollout: Mapping[str, float] | None = None
    salt: str = ""
    version: int = 1


@dataclass(frozen=True, slots=True)
class Evaluation:
    key: str
    value: Any
    variant: str
    reason: str
    metadata: dict[str, str | int | bool] = field(default_factory=dict)


def bucket(salt: str, targeting_key: str) -> int:
    """The learner's bucket for a flag, 0 to BUCKETS - 1 (uniform, stable across processes)."""
    digest = hashlib.blake2b(f"{salt}:{targeting_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def pick(split: Mapping[str, float], point: int) -> str:
    """The variant whose slice of the split holds `point` (slices in the split's order)."""
    edge = 0.0
    last = ""
    for variant, percent in split.items():
        edge += percent * BUCKETS / 100
        last = variant
        if point < edge:
            return variant
    return last  # rounding at the top edge


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None


def holds(condition: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """One condition: `{"attribute": ..., "op": ..., "values": [...]}` against the context."""
    op = str(condition["op"])
    present = context.get(condition["attribute"]) is not None
    if op == "exists":
        return present
    if not present:
        return op == "not_in"
    actual = _values(context[condition["attribute"]])
    wanted = list(condition.get("values", []))
    if op == "in":
        return any(a in wanted for a in actual)
    if op == "not_in":
        return not any(a in wanted for a in actual)
    if op == "contains_all":
        return all(w in actual for w in wanted)
    number = _number(actual[0]) if len(actual) == 1 else None
    bound = _number(wanted[0]) if wanted else None
    if number is None or bound is None:
        return False
    return number >= bound if op == "gte" else number <= bound if op == "lte" else False


def reads_traits(flag: FlagDef) -> bool:
    """Whether a rule of `flag` names a `traits.<key>` attribute (a caller that has only the
    profile at hand reads the learner's traits then, and only then)."""
    return any(
        str(c.get("attribute", "")).startswith("traits.")
        for rule in flag.rules
        for c in rule.get("when", ())
    )


def evaluate(flag: FlagDef, context: Mapping[str, Any], targeting_key: str | None) -> Evaluation:
    """Evaluate one flag. Raises TargetingKeyMissing when a split applies and there is no key."""
    meta: dict[str, str | int | bool] = {"version": flag.version}
    if not flag.enabled:
        return _serve(flag, flag.off_variant, "DISABLED", meta)
    for index, rule in enumerate(flag.rules):
        if all(holds(c, context) for c in rule.get("when", [])):
            meta["rule"] = index
            if rule.get("split"):
                return _serve(flag, _split(flag, rule["split"], targeting_key), "SPLIT", meta)
            return _serve(flag, str(rule["variant"]), "TARGETING_MATCH", meta)
    if flag.rollout:
        return _serve(flag, _split(flag, flag.rollout, targeting_key), "SPLIT", meta)
    return _serve(flag, flag.default_variant, "DEFAULT", meta)


def _split(flag: FlagDef, split: Mapping[str, float], targeting_key: str | None) -> str:
    if not targeting_key:
        raise TargetingKeyMissing(f"flag {flag.key!r} splits learners: send a targetingKey")
    return pick(split, bucket(flag.salt or flag.key, targeting_key))


def _serve(
    flag: FlagDef, variant: str, reason: str, meta: dict[str, str | int | bool]
) -> Evaluation:
    return Evaluation(flag.key, flag.variants[variant], variant, reason, meta)
