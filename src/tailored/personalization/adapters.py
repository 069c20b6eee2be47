"""Adapters by name, as `TAILORED_ADAPTER` chooses them."""

from __future__ import annotations

from tailored.personalization.adapter import Adapter


def build_adapter(name: str) -> Adapter:
    if name == "rules":
        from tailored.personalization.rules import RulesAdapter

        return RulesAdapter()
    raise ValueError(f"unknown adapter {name!r}; available: rules")
