"""The human-translation path: a translation from the docs folder, dated and checked.

The file is read on every request; its staleness and structure report is cached by the file's
digest and the English source hash (see engine).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tailored.derived.store import HOT_TTL, PREFIXES
from tailored.kit.cache import Cache
from tailored.kit.languages import direction, is_language
from tailored.markdown import verify_structure
from tailored.models import Chapter
from tailored.translation import human
from tailored.translation.results import HumanReport, Translated

# Front matter a translator is expected to translate; every other key must stay as it was.
TRANSLATABLE_FRONT_MATTER = frozenset(
    {"title", "sidebar_label", "description", "keywords", "pagination_label"}
)


def analyse_human(
    english: str, chapter_path: str, source_hash: str, found: human.HumanTranslation
) -> HumanReport:
    """Staleness against the manifest, and how the translation's structure differs."""
    current = human.section_hashes(english)
    state = human.staleness(found.entry, source_hash, current)
    check = verify_structure(
        english, found.text, allowed_changed_front_matter_keys=TRANSLATABLE_FRONT_MATTER
    )
    issues = tuple(f"{i.code}: {i.message}" for i in check.issues)
    return HumanReport(state.stale, state.changed_sections, issues)


def find_human(
    content_dir: Path | None, chapter: Chapter, lang: str
) -> human.HumanTranslation | None:
    if content_dir is None:
        return None
    return human.find(content_dir, lang, chapter.path)


def human_languages(content_dir: Path | None, chapter: Chapter) -> list[str]:
    """Languages with a human translation of `chapter`, from the docs folder's i18n/."""
    if content_dir is None:
        return []
    root = content_dir / "i18n"
    try:
        names = sorted(p.name for p in root.iterdir() if p.is_dir())
    except OSError:
        return []
    return [
        lang
        for lang in names
        if is_language(lang) and human.find(content_dir, lang, chapter.path) is not None
    ]


async def human_report(
    cache: Cache, chapter: Chapter, found: human.HumanTranslation
) -> tuple[HumanReport, bool]:
    """The staleness and structure report, and whether it came from the cache."""
    key = f"{PREFIXES['human-report']}:{found.digest}:{chapter.source_hash}"
    raw = await cache.get(key)
    if raw is not None:
        data = json.loads(raw)
        return HumanReport(data["stale"], tuple(data["changed"]), tuple(data["issues"])), True
    report = await asyncio.to_thread(
        analyse_human, chapter.source, chapter.path, chapter.source_hash, found
    )
    body = {"stale": report.stale, "changed": report.changed, "issues": report.issues}
    await cache.set(key, json.dumps(body).encode(), ttl=HOT_TTL, tags=(f"chapter:{chapter.id}",))
    return report, False


async def serve_human(
    cache: Cache, chapter: Chapter, lang: str, found: human.HumanTranslation
) -> Translated:
    report, cached = await human_report(cache, chapter, found)
    warning = None
    if report.stale:
        warning = (
            "the English chapter changed after this translation was made"
            if found.entry is not None
            else "this translation has no manifest entry; it may be out of date"
        )
    return Translated(
        chapter_id=chapter.id,
        lang=lang,
        content=found.text,
        source="human",
        translator="human",
        direction=direction(lang),
        source_hash=chapter.source_hash,
        made_from=found.entry.source_hash if found.entry is not None else None,
        stale=report.stale,
        changed_sections=report.changed,
        cached=cached,
        verified=not report.issues,
        issues=report.issues,
        path="human",
        warning=warning,
    )
