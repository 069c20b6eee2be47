"""Flag evaluation without a server: bucketing, stickiness, targeting, kill switch."""

from __future__ import annotations

import uuid

import pytest

from tailored.flags.rules import BUCKETS, FlagDef, TargetingKeyMissing, bucket, evaluate


def _flag(**overrides: object) -> FlagDef:
    values: dict[str, object] = {
        "key": "new-reader",
        "kind": "boolean",
        "variants": {"on": True, "off": False},
        "default_variant": "off",
        "off_variant": "off",
        "salt": "s1",
        **overrides,
    }
    return FlagDef(**values)  # type: ignore[arg-type]


class TestBucketing:
    def test_a_rollout_reaches_its_share_of_learners_within_two_points(self) -> None:
        flag = _flag(rollout={"on": 10, "off": 90})
        keys = [str(uuid.uuid4()) for _ in range(20_000)]
        on = sum(evaluate(flag, {}, k).value is True for k in keys)
        assert abs(on / len(keys) - 0.10) < 0.02

    def test_three_way_split_is_even(self) -> None:
        flag = _flag(
            kind="variant",
            variants={"a": "A", "b": "B", "c": "C"},
            default_variant="a",
            off_variant="a",
            rollout={"a": 50, "b": 25, "c": 25},
        )
        counts = {"a": 0, "b": 0, "c": 0}
        for i in range(20_000):
            counts[evaluate(flag, {}, f"learner-{i}").variant] += 1
        assert abs(counts["a"] / 20_000 - 0.5) < 0.02
        assert abs(counts["b"] / 20_000 - 0.25) < 0.02

    def test_same_learner_same_variant_and_raising_the_rollout_keeps_them_in(self) -> None:
        small = _flag(rollout={"on": 10, "off": 90})
        large = _flag(rollout={"on": 30, "off": 70})
        keys = [f"k{i}" for i in range(5000)]
        first = [evaluate(small, {}, k).value for k in keys]
        assert first == [evaluate(small, {}, k).value for k in keys]
        assert all(
            evaluate(large, {}, k).value for k, was_on in zip(keys, first, strict=True) if was_on
        )

    def test_the_salt_reshuffles_buckets(self) -> None:
        keys = [f"k{i}" for i in range(200)]
        assert [bucket("a", k) for k in keys] != [bucket("b", k) for k in keys]
        assert all(0 <= bucket("a", k) < BUCKETS for k in keys)

    def test_a_split_without_a_targeting_key_is_an_error(self) -> None:
        with pytest.raises(TargetingKeyMissing):
            evaluate(_flag(rollout={"on": 50, "off": 50}), {}, None)


class TestTargeting:
    RULES = (
        {
            "when": [{"attribute": "software_level", "op": "in", "values": ["beginner"]}],
            "variant": "on",
        },
        {"when": [{"attribute": "traits.pace", "op": "in", "values": ["fast"]}], "variant": "on"},
        {
            "when": [{"attribute": "languages", "op": "contains_all", "values": ["rust", "c++"]}],
            "variant": "on",
        },
    )

    def test_the_first_matching_rule_decides(self) -> None:
        flag = _flag(rules=self.RULES)
        result = evaluate(flag, {"software_level": "beginner"}, "x")
        assert (result.value, result.reason, result.metadata["rule"]) == (
            True,
            "TARGETING_MATCH",
            0,
        )
        assert evaluate(flag, {"traits.pace": "fast"}, "x").metadata["rule"] == 1
        assert evaluate(flag, {"languages": ["rust", "c++", "go"]}, "x").value is True
        assert evaluate(flag, {"languages": ["rust"]}, "x").value is False
        nobody = evaluate(flag, {"software_level": "advanced"}, "x")
        assert (nobody.value, nobody.reason) == (False, "DEFAULT")

    def test_numbers_compare_and_missing_attributes_do_not_match(self) -> None:
        rule = {"when": [{"attribute": "age", "op": "gte", "values": [18]}], "variant": "on"}
        flag = _flag(rules=(rule,))
        assert evaluate(flag, {"age": 20}, None).value is True
        assert evaluate(flag, {"age": 17}, None).value is False
        assert evaluate(flag, {}, None).value is False

    def test_kill_switch_serves_the_off_variant_to_everyone(self) -> None:
        flag = _flag(enabled=False, rules=self.RULES, rollout={"on": 100, "off": 0})
        result = evaluate(flag, {"software_level": "beginner"}, "x")
        assert (result.value, result.variant, result.reason) == (False, "off", "DISABLED")
