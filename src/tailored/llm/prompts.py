"""Prompt templates: files shipped in `tailored/llm/prompts/`, overridable by authors.

A template is `string.Template` text (`$section`, `$profile`, `$target_language`, ...). Set
`llm_prompts_dir` to a folder holding any of the same file names to replace them. The
version of a prompt kind is a hash of its texts, and it goes into cache keys: editing a
prompt never serves output written under the old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Literal

from tailored.llm.base import ChatMessage, Provider
from tailored.llm.rewrite import Generated

PromptKind = Literal["personalize", "translate"]
_BUILTIN = files("tailored.llm").joinpath("prompts")


@dataclass(frozen=True)
class PromptSet:
    kind: PromptKind
    system: str
    user: str
    retry: str
    version: str

    def render(self, masked: str, variables: Mapping[str, str], *, attempt: int) -> tuple[str, str]:
        """(system, user) for one section. The nonce makes the data markers unguessable."""
        nonce = hashlib.sha256(masked.encode()).hexdigest()[:16]
        values = {**variables, "section": masked, "nonce": nonce}
        user = Template(self.user).safe_substitute(values)
        if attempt > 1:
            user += Template(self.retry).safe_substitute(values)
        return Template(self.system).safe_substitute(values), user


def _read(name: str, override: Path | None) -> str:
    if override is not None and (override / name).is_file():
        return (override / name).read_text(encoding="utf-8")
    return _BUILTIN.joinpath(name).read_text(encoding="utf-8")


def load_prompts(kind: PromptKind, override: Path | None = None) -> PromptSet:
    system = _read(f"{kind}.system.txt", override)
    user = _read(f"{kind}.user.txt", override)
    retry = _read("retry.txt", override)
    digest = hashlib.sha256("\0".join((system, user, retry)).encode()).hexdigest()[:12]
    return PromptSet(kind, system, user, retry, digest)


class LLMTextModel:
    """A `TextModel` (see `tailored.llm.rewrite`) that asks a provider, one call per section."""

    def __init__(
        self, provider: Provider, prompts: PromptSet, variables: Mapping[str, str], label: str
    ) -> None:
        self._provider = provider
        self._prompts = prompts
        self._variables = dict(variables)
        self._label = label

    @property
    def label(self) -> str:
        return self._label

    async def generate(self, masked: str, *, attempt: int) -> Generated:
        system, user = self._prompts.render(masked, self._variables, attempt=attempt)
        completion = await self._provider.complete(
            [ChatMessage(role="user", content=user)], system=system
        )
        return Generated(completion.text, completion.input_tokens, completion.output_tokens)


def llm_text_model(
    provider: Provider,
    kind: PromptKind,
    variables: Mapping[str, str],
    prompts_dir: Path | None = None,
    *,
    provider_label: str | None = None,
) -> LLMTextModel:
    """The text model for `kind`; its label names provider, models and prompt version."""
    prompts = load_prompts(kind, prompts_dir)
    label = f"llm:{provider_label or provider.name}:{kind}@{prompts.version}"
    return LLMTextModel(provider, prompts, variables, label)
