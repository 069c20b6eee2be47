"""Read a book as a whole and derive, per chapter, what an author would have annotated.

Order: the book's `sidebars.js`/`.ts` when it has one we can read, else the loader's order
(`_category_` files, `sidebar_position`, number prefixes). Prerequisites follow that order: a
chapter that uses terms an earlier chapter defines links to where they are defined.

Author control (`tailored.yml` beside or inside the docs folder, and front matter):

    inference:              # per book: switch a kind off (all on by default)
      glossary: false
      min_confidence: 0.8   # keep mined definitions at least this sure (default 0.75)
    glossary_ignore: [Fusion, Mapping]        # per item: never define these
    chapters:
      intro: {depth: false}                   # per chapter

and in a chapter's front matter `tailored: {infer: false}` or `tailored: {hardware: false}`.
Explicit annotations (front matter keys, `data-*` attributes, glossary.yml) always win; the
rules adapter applies inferred hints only where the author wrote none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tailored.content.sidebars_file import read_sidebars
from tailored.inference.glossary import mine_chapter
from tailored.inference.model import BookInference, ChapterHints, MinedTerm, TermLink
from tailored.inference.sections import depth_hints, hardware_hints, key_points
from tailored.kit.yamltext import load_yaml
from tailored.markdown import parse_document

KINDS = ("glossary", "prerequisites", "depth", "hardware", "key_points")
CONFIG_FILES = ("tailored.yml", "tailored.yaml")
MAX_PREREQUISITES = 4
_FENCE_RE = re.compile(r"^(`{3,}|~{3,}).*?^\1", re.MULTILINE | re.DOTALL)


class BookChapter(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def front_matter(self) -> Mapping[str, Any]: ...


class InferenceConfigError(ValueError):
    """tailored.yml is not what we expect (the message says where)."""


@dataclass(frozen=True)
class InferenceConfig:
    enabled: frozenset[str] = frozenset(KINDS)
    min_confidence: float = 0.75
    glossary_ignore: frozenset[str] = frozenset()
    chapters: Mapping[str, frozenset[str]] = field(default_factory=dict)  # kinds switched off

    def on(self, kind: str, chapter_id: str, front_matter: Mapping[str, Any]) -> bool:
        if kind not in self.enabled or kind in self.chapters.get(chapter_id, frozenset()):
            return False
        own = front_matter.get("tailored")
        if isinstance(own, Mapping):
            return own.get("infer", True) is not False and own.get(kind, True) is not False
        return True


def find_config(docs_root: Path) -> Path | None:
    for folder in (docs_root, docs_root.parent):
        for name in CONFIG_FILES:
            if (folder / name).is_file():
                return folder / name
    return None


def read_config(docs_root: Path) -> InferenceConfig:
    path = find_config(docs_root)
    if path is None:
        return InferenceConfig()
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError) as exc:
        raise InferenceConfigError(f"{path.name}: {exc}") from exc
    return parse_config(data, path.name)


def parse_config(data: Any, where: str = "tailored.yml") -> InferenceConfig:
    if not isinstance(data, dict):
        raise InferenceConfigError(f"{where}: expected a mapping")
    book = data.get("inference") or {}
    if not isinstance(book, dict) or set(book) - {*KINDS, "min_confidence"}:
        raise InferenceConfigError(f"{where}: 'inference' takes {', '.join(KINDS)}, min_confidence")
    enabled = frozenset(k for k in KINDS if book.get(k, True) is not False)
    confidence = book.get("min_confidence", 0.75)
    if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise InferenceConfigError(f"{where}: 'min_confidence' must be a number from 0 to 1")
    ignore = data.get("glossary_ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(t, str) for t in ignore):
        raise InferenceConfigError(f"{where}: 'glossary_ignore' must be a list of terms")
    chapters: dict[str, frozenset[str]] = {}
    for chapter_id, kinds in (data.get("chapters") or {}).items():
        if not isinstance(kinds, dict):
            raise InferenceConfigError(f"{where}: chapters.{chapter_id} must be a mapping")
        off = {k for k, v in kinds.items() if v is False}
        if kinds.get("infer") is False:
            off.update(KINDS)
        chapters[str(chapter_id)] = frozenset(off)
    return InferenceConfig(
        enabled, float(confidence), frozenset(t.casefold() for t in ignore), chapters
    )


def book_order(chapter_ids: Sequence[str], docs_root: Path | None) -> tuple[list[str], str]:
    """Chapter ids in reading order and where the order came from."""
    nav = read_sidebars(docs_root) if docs_root is not None else None
    if nav is None:
        return list(chapter_ids), "folders"
    known = set(chapter_ids)

    def expand(dir_name: str) -> list[str]:
        prefix = "" if dir_name in ("", ".") else dir_name.rstrip("/") + "/"
        return [cid for cid in chapter_ids if cid.startswith(prefix)]

    listed = [cid for cid in nav.doc_order(expand) if cid in known]
    if not listed:
        return list(chapter_ids), "folders"
    rest = [cid for cid in chapter_ids if cid not in set(listed)]
    return listed + rest, "sidebars"


def infer_book(
    chapters: Sequence[BookChapter],
    *,
    docs_root: Path | None = None,
    config: InferenceConfig | None = None,
    author_terms: Sequence[str] = (),
) -> BookInference:
    """Everything inference derives from the book; pure given its arguments and the files."""
    config = config or InferenceConfig()
    by_id = {c.id: c for c in chapters}
    order, source = book_order([c.id for c in chapters], docs_root)
    docs = {cid: parse_document(by_id[cid].source) for cid in order}
    taken = {t.casefold() for t in author_terms} | set(config.glossary_ignore)
    glossary: dict[str, MinedTerm] = {}
    for cid in order:
        if not config.on("glossary", cid, by_id[cid].front_matter):
            continue
        for term in mine_chapter(cid, docs[cid]):
            key = term.term.casefold()
            if term.confidence < config.min_confidence or key in taken:
                continue
            # The first place in reading order is where the book defines it; a plural is the
            # same term (the matcher takes plurals of every name).
            singular = key[:-2] if key.endswith("es") else key[:-1] if key.endswith("s") else key
            if singular not in glossary and key + "s" not in glossary:
                glossary.setdefault(key, term)
    mined = tuple(glossary.values())
    hints: dict[str, ChapterHints] = {}
    matcher = _matcher(mined)
    topics = {cid: _topic(by_id[cid]) for cid in order}
    used = {
        cid: _uses(matcher, by_id[cid].source, tuple(t.term for t in mined if t.chapter_id == cid))
        for cid in order
    }
    for position, cid in enumerate(order):
        chapter, doc = by_id[cid], docs[cid]
        fm = chapter.front_matter
        defines = tuple(t.term for t in mined if t.chapter_id == cid)
        hints[cid] = ChapterHints(
            depth=depth_hints(doc) if config.on("depth", cid, fm) else (),
            hardware=hardware_hints(doc) if config.on("hardware", cid, fm) else (),
            prerequisites=(
                _prerequisites(used[cid], set(order[:position]), mined)
                + _topics(chapter.source, [topics[c] for c in order[:position] if topics[c]])
                if config.on("prerequisites", cid, fm)
                else ()
            )[:MAX_PREREQUISITES],
            key_points=key_points(doc) if config.on("key_points", cid, fm) else (),
            defines=defines,
            uses=tuple(used[cid]),
        )
    return BookInference(mined, hints, tuple(order), source)


def _matcher(mined: tuple[MinedTerm, ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One pattern for every name of every mined term (aliases and plurals too, as the
    glossary transformation matches them); the map gives each name's term."""
    if not mined:
        return None
    names: dict[str, str] = {}
    for term in mined:
        for name in (term.term, *term.aliases):
            names.setdefault(" ".join(name.split()).casefold(), term.term)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: -len(n)))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?:e?s)?(?![\w-])", re.IGNORECASE)
    return pattern, names


def _uses(
    matcher: tuple[re.Pattern[str], dict[str, str]] | None, source: str, defines: tuple[str, ...]
) -> Counter[str]:
    """How often the prose (code left out) uses each term defined in another chapter."""
    found: Counter[str] = Counter()
    if matcher is None:
        return found
    pattern, names = matcher
    own = {d.casefold() for d in defines}
    for match in pattern.finditer(_FENCE_RE.sub("", source)):
        text = " ".join(match.group().split()).casefold()
        for key in (text, text[:-1], text[:-2]):
            if key in names:
                if names[key].casefold() not in own:
                    found[names[key]] += 1
                break
    return found


# Titles made of these words name a kind of page, not a topic a later chapter builds on.
_GENERIC_TITLE_WORDS = frozenset(
    """introduction intro overview summary conclusion review quiz lab labs exercise exercises
    project projects capstone module modules week weeks chapter part unit lesson assessment
    assessments objectives learning course syllabus outcomes resources references glossary
    appendix index welcome guide notes faq setup requirements options next steps and the of
    a an to for with in on your our getting started basics fundamentals implementation
    evaluation troubleshooting""".split()
)
_TITLE_NUMBER_RE = re.compile(
    r"^(?:(?:module|chapter|part|unit|week|lesson)\s*)?[\d.]+[:.)]?\s+", re.I
)


@dataclass(frozen=True)
class _Topic:
    chapter_id: str
    name: str
    pattern: re.Pattern[str]


def _topic(chapter: BookChapter) -> _Topic | None:
    """An earlier chapter's title as a term later chapters may rely on ("Cloud Workstations")."""
    name = _TITLE_NUMBER_RE.sub("", chapter.title.strip())
    name = re.sub(r"\s*\([^)]*\)", "", name).split(":")[0].strip()
    name = re.sub(r"^(?:the|an?)\s+", "", name, flags=re.I)
    words = re.findall(r"[A-Za-z][\w-]*", name)
    if not 2 <= len(words) <= 5 or len(words) != len(name.split()):
        return None
    if all(w.lower() in _GENERIC_TITLE_WORDS for w in words):
        return None
    pattern = re.compile(rf"(?<![\w\[-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
    return _Topic(chapter.id, name, pattern)


def _topics(source: str, earlier: list[_Topic | None]) -> tuple[TermLink, ...]:
    """Earlier chapters whose topic (title) this chapter's prose names."""
    prose = "\n".join(
        line for line in _FENCE_RE.sub("", source).splitlines() if not line.startswith("#")
    )
    found: list[TermLink] = []
    for topic in earlier:
        if topic is not None and topic.pattern.search(prose):
            found.append(TermLink(topic.name, topic.chapter_id, None))
    return tuple(found[-2:])  # the nearest ones


def _prerequisites(
    used: Counter[str], earlier: set[str], mined: tuple[MinedTerm, ...]
) -> tuple[TermLink, ...]:
    """Terms defined in earlier chapters that this one uses most (at least twice)."""
    counts: list[tuple[int, int, MinedTerm]] = [
        (-used[term.term], number, term)
        for number, term in enumerate(mined)
        if term.chapter_id in earlier and used[term.term] >= 2
    ]
    counts.sort()
    picked: list[TermLink] = []
    places: set[tuple[str, str | None]] = set()
    for _, _, term in counts:
        place = (term.chapter_id, term.anchor)
        if place in places:
            continue
        places.add(place)
        picked.append(TermLink(term.term, term.chapter_id, term.anchor))
        if len(picked) >= MAX_PREREQUISITES:
            break
    return tuple(picked)
