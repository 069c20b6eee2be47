"""The LLM adapter: the rules adapter first, then prose rewritten for the learner by a model.

It is an `Adapter` (its `adapt` is the rules stage, pure and offline) that can also `refine`:
rewrite the rules output section by section through `tailored.llm.rewrite`, which masks
protected regions, checks every answer and keeps the rules version of any section the model
could not rewrite safely. Its version names the rules adapter, the providers and models in
fallback order and the prompt version, so changing any of them moves every audience key.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tailored.llm.base import Provider
from tailored.llm.prompts import LLMTextModel, load_prompts
from tailored.llm.rewrite import SectionResult, rewrite_document
from tailored.markdown import Document
from tailored.personalization.adapter import (
    Adaptation,
    Adapter,
    Audience,
    ChapterInput,
    Library,
    Transformation,
)
from tailored.profiles.schemas import ProfileData

# What the model is told about the learner. Names, emails and interests are not sent: they
# would split the cache (and leak to a provider) without changing what a good rewrite is.
LLM_FIELDS: tuple[str, ...] = (
    "software_level",
    "languages",
    "frameworks",
    "hardware_level",
    "hardware_available",
    "robotics_experience",
    "role",
    "difficulty_preference",
)
_LLM = "llm"


def llm_audience(profile: ProfileData) -> dict[str, Any]:
    """The profile fields the model reads, canonical: sorted lower-case lists, None for unset."""
    data = profile.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name in LLM_FIELDS:
        value = data.get(name)
        if isinstance(value, list):
            value = sorted({str(v).lower() for v in value})
        out[name] = value
    return out


@runtime_checkable
class RefiningAdapter(Adapter, Protocol):
    """An adapter with a second, asynchronous stage over the first stage's output."""

    budget_seconds: float

    def refine(
        self,
        document: Document,
        audience: Audience,
        *,
        deadline: float | None,
        kept: Mapping[int, str] | None = None,
    ) -> AsyncGenerator[SectionResult, None]:
        """The sections of `document` rewritten for the audience, in document order (`kept`:
        sections an earlier attempt rewrote, by index, not sent again)."""
        ...


class LLMAdapter:
    name = "llm"

    def __init__(
        self,
        base: Adapter,
        provider: Provider,
        *,
        provider_label: str,
        prompts_dir: Path | None = None,
        budget_seconds: float = 60.0,
    ) -> None:
        self.base = base
        self.provider = provider
        self.prompts = load_prompts("personalize", prompts_dir)
        self.budget_seconds = budget_seconds
        self.version = f"{base.name}@{base.version}+{provider_label}+prompt@{self.prompts.version}"
        self.label = f"llm:{provider_label}:personalize@{self.prompts.version}"
        self.profile_fields = base.profile_fields | frozenset(LLM_FIELDS)

    def audience(self, profile: ProfileData, chapter: ChapterInput, library: Library) -> Audience:
        return {**self.base.audience(profile, chapter, library), _LLM: llm_audience(profile)}

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        return self.base.adapt(chapter, _base_audience(audience), library)

    def refine(
        self,
        document: Document,
        audience: Audience,
        *,
        deadline: float | None,
        kept: Mapping[int, str] | None = None,
    ) -> AsyncGenerator[SectionResult, None]:
        profile = json.dumps(audience.get(_LLM, {}), sort_keys=True, indent=1)
        model = LLMTextModel(self.provider, self.prompts, {"profile": profile}, self.label)
        return rewrite_document(document, model, mode="personalize", deadline=deadline, kept=kept)


def _base_audience(audience: Audience) -> Mapping[str, Any]:
    return {k: v for k, v in audience.items() if k != _LLM}


def describe(results: list[SectionResult]) -> tuple[Transformation, ...]:
    """What the refine stage did, for `applied_transformations`."""
    tried = [r for r in results if r.status != "unchanged"]
    if not tried:
        return ()
    out: list[Transformation] = []
    done = sum(r.status == "success" for r in tried)
    if done:
        out.append(
            Transformation("llm_rewrite", f"rewrote {done} of {len(tried)} sections for you")
        )
    kept: dict[str, list[str]] = {}
    for r in tried:
        if r.status != "success":
            kept.setdefault(r.status, []).append(r.anchor or "(introduction)")
    reasons = {
        "rejected": ("llm_rejected", "the model's rewrite did not keep code, links or structure"),
        "timeout": ("llm_timeout", "the time budget ran out"),
        "failure": ("llm_unavailable", "the language model could not be reached"),
    }
    for status, anchors in kept.items():
        name, why = reasons[status]
        out.append(
            Transformation(
                name, f"kept {len(anchors)} sections as written ({why}): {', '.join(anchors)}"
            )
        )
    return tuple(out)
