"""Human translations in the Docusaurus layout, and the manifest that dates them.

A translation of ``<docs>/intro.md`` into Urdu lives at
``<docs>/i18n/ur/docusaurus-plugin-content-docs/current/intro.md``. Next to the language folder,
``i18n/ur/tailored-translations.json`` records, per doc path, the hash of the English source the
translation was made from and a hash of each of its sections, so a later edit of the English
chapter can be reported as "stale, these sections changed".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tailored.content.ids import InvalidChapterId, resolve_inside
from tailored.derived.rewrite import PREAMBLE
from tailored.markdown import split_sections

MANIFEST_NAME = "tailored-translations.json"


def docs_path(lang: str, chapter_path: str) -> str:
    return f"i18n/{lang}/docusaurus-plugin-content-docs/current/{chapter_path}"


def manifest_path(lang: str) -> str:
    return f"i18n/{lang}/{MANIFEST_NAME}"


def section_hashes(source: str) -> dict[str, str]:
    """sha256 of each section of an English source, keyed by anchor, in reading order.

    The sections ingest stores (front matter left out: an edit there changes the source hash
    without naming a section).
    """
    return {
        (s.anchor or PREAMBLE): hashlib.sha256(s.text.encode()).hexdigest()
        for s in split_sections(source)
        if s.is_content
    }


@dataclass(frozen=True)
class ManifestEntry:
    source_hash: str
    sections: Mapping[str, str]


@dataclass(frozen=True)
class Staleness:
    stale: bool
    changed_sections: tuple[str, ...]


def staleness(
    entry: ManifestEntry | None, source_hash: str, current: Mapping[str, str]
) -> Staleness:
    """Compare the manifest entry with the English source as it is now."""
    if entry is None:
        # Nothing says what the translation was made from: it cannot be trusted as current.
        return Staleness(True, ())
    if entry.source_hash == source_hash:
        return Staleness(False, ())
    changed = [a for a, h in current.items() if entry.sections.get(a) != h]
    changed += [a for a in entry.sections if a not in current]
    return Staleness(True, tuple(changed))


@dataclass(frozen=True)
class HumanTranslation:
    text: str
    digest: str
    entry: ManifestEntry | None


def find(root: Path, lang: str, chapter_path: str) -> HumanTranslation | None:
    """The human translation of one doc, or None. Paths are resolved inside ``root`` only."""
    try:
        path = resolve_inside(root, docs_path(lang, chapter_path))
    except InvalidChapterId:
        return None
    if not path.is_file():
        return None
    data = path.read_bytes()
    entry = _read_entry(root, lang, chapter_path)
    digest = hashlib.sha256(data)
    if entry is not None:
        digest.update(json.dumps([entry.source_hash, dict(entry.sections)]).encode())
    return HumanTranslation(data.decode("utf-8"), digest.hexdigest(), entry)


def _read_entry(root: Path, lang: str, chapter_path: str) -> ManifestEntry | None:
    try:
        path = resolve_inside(root, manifest_path(lang))
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (InvalidChapterId, OSError, ValueError):
        return None
    docs = raw.get("docs") if isinstance(raw, dict) else None
    item = docs.get(chapter_path) if isinstance(docs, dict) else None
    if not isinstance(item, dict) or not isinstance(item.get("source_hash"), str):
        return None
    sections = item.get("sections")
    if not isinstance(sections, dict):
        sections = {}
    return ManifestEntry(item["source_hash"], {str(k): str(v) for k, v in sections.items()})


def record(root: Path, lang: str, chapters: Iterable[tuple[str, str, str]]) -> Path:
    """Write manifest entries for ``(chapter_path, source, source_hash)`` as translated now."""
    path = resolve_inside(root, manifest_path(lang))
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {}
    docs = raw.get("docs") if isinstance(raw, dict) else None
    docs = dict(docs) if isinstance(docs, dict) else {}
    for chapter_path, source, source_hash in chapters:
        docs[chapter_path] = {
            "source_hash": source_hash,
            "sections": section_hashes(source),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"version": 1, "docs": dict(sorted(docs.items()))}
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
