"""The audience key: who gets the same output shares one stored result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tailored.kit.hashing import digest
from tailored.personalization.adapter import Adapter, Audience, ChapterInput, Library
from tailored.profiles.schemas import ProfileData


def audience_key(
    adapter: Adapter, chapter: ChapterInput, library: Library, audience: Audience
) -> str:
    """Hash of exactly what the output depends on: adapter, chapter source, context, audience."""
    return digest(
        {
            "adapter": adapter.name,
            "version": adapter.version,
            "source": chapter.source_hash,
            "context": library.context_hash,
            "audience": dict(audience),
        }
    )


def read_fields(adapter: Adapter, profile: ProfileData) -> dict[str, Any]:
    """The profile reduced to the fields the adapter declares it reads (JSON-ready)."""
    data = profile.model_dump(mode="json")
    return {name: data[name] for name in sorted(adapter.profile_fields) if name in data}


def profile_hash(fields: Mapping[str, Any]) -> str:
    return digest(dict(fields))
