"""Adapters by name, as `TAILORED_ADAPTER` chooses them."""

from __future__ import annotations

from pathlib import Path

from tailored.llm.router import ProviderChain
from tailored.personalization.adapter import Adapter


def build_adapter(
    name: str,
    *,
    chain: ProviderChain | None = None,
    prompts_dir: Path | None = None,
    budget_seconds: float = 60.0,
) -> Adapter:
    """`rules` (offline), or `llm`: the rules adapter, then a model rewrites the prose."""
    from tailored.personalization.rules import RulesAdapter

    if name == "rules":
        return RulesAdapter()
    if name == "llm":
        if chain is None:
            raise ValueError("adapter 'llm' needs a configured language-model provider")
        from tailored.personalization.llm_adapter import LLMAdapter

        return LLMAdapter(
            RulesAdapter(),
            chain,
            provider_label=chain.label,
            prompts_dir=prompts_dir,
            budget_seconds=budget_seconds,
        )
    raise ValueError(f"unknown adapter {name!r}; available: rules, llm")
