"""The catalogue: every chapter and its top-level sections, in the book's reading order.

Built once per content generation from the library; requests only read it. An item's `key` is
its content id as signals name it: the chapter id, or `chapter_id#anchor` for a section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tailored.content.ids import split_number_prefix
from tailored.models import Chapter

# Sections at this heading level or above (## in Markdown) are items of their own; deeper
# ones are read as part of them.
SECTION_LEVEL = 2


@dataclass(frozen=True, slots=True)
class Item:
    index: int  # position in reading order across the whole book
    key: str
    chapter_id: str
    anchor: str | None
    title: str
    chapter_title: str
    module: str  # the chapter's folder ("" at the root)
    text: str  # what similarity reads
    tags: frozenset[str] = frozenset()
    difficulty: str | None = None
    prerequisites: tuple[str, ...] = ()

    @property
    def is_chapter(self) -> bool:
        return self.anchor is None


def section_key(chapter_id: str, anchor: str) -> str:
    return f"{chapter_id}#{anchor}"


def chapter_of(key: str) -> str:
    """The chapter id of a content id (a chapter's, or a section's `chapter#anchor`)."""
    return key.split("#", 1)[0]


def module_label(module: str) -> str:
    """A folder as a reader would say it: `module-2` → "Module 2", `ros2` → "Ros2"."""
    name = split_number_prefix(module.rsplit("/", 1)[-1])[0] or module
    words = name.replace("_", " ").replace("-", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text.islower() else text


@dataclass
class Catalogue:
    items: list[Item]
    by_key: dict[str, Item] = field(default_factory=dict)
    # Chapter items in reading order, and each chapter's section items in order.
    chapters: list[Item] = field(default_factory=list)
    sections: dict[str, list[Item]] = field(default_factory=dict)
    chapter_rank: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_key = {item.key: item for item in self.items}
        self.chapters = [item for item in self.items if item.is_chapter]
        self.chapter_rank = {item.chapter_id: i for i, item in enumerate(self.chapters)}
        for item in self.items:
            if not item.is_chapter:
                self.sections.setdefault(item.chapter_id, []).append(item)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, key: str) -> Item | None:
        return self.by_key.get(key)

    def module_name(self, item: Item) -> str:
        return module_label(item.module) if item.module else "the book"


def _tags(front_matter: dict[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    for name in ("tags", "skills", "keywords"):
        value = front_matter.get(name)
        values: Iterable[Any] = value if isinstance(value, list) else [value]
        found.update(normalize_tag(v) for v in values if isinstance(v, str) and v.strip())
    return frozenset(found)


def normalize_tag(value: str) -> str:
    """One spelling for tags and profile answers: `Jetson_Edge`, `jetson-edge` → `jetson edge`."""
    return " ".join(value.lower().replace("_", " ").replace("-", " ").split())


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def build_catalogue(chapters: Sequence[Chapter]) -> Catalogue:
    """The catalogue of `chapters` (in reading order, sections loaded)."""
    items: list[Item] = []
    for chapter in chapters:
        fm = chapter.front_matter or {}
        module = chapter.id.rsplit("/", 1)[0] if "/" in chapter.id else ""
        description = fm.get("description") if isinstance(fm.get("description"), str) else ""
        tags = _tags(fm)
        difficulty = fm.get("difficulty") if isinstance(fm.get("difficulty"), str) else None
        groups = _top_sections(chapter)
        intro = " ".join(s.content for s in chapter.sections if s.level < SECTION_LEVEL)
        chapter_text = " ".join(
            [chapter.title, str(description), " ".join(tags), intro, *(t for _, t, _ in groups)]
        )
        items.append(
            Item(
                index=len(items),
                key=chapter.id,
                chapter_id=chapter.id,
                anchor=None,
                title=chapter.title,
                chapter_title=chapter.title,
                module=module,
                text=chapter_text,
                tags=tags,
                difficulty=difficulty,
                prerequisites=_strings(fm.get("prerequisites")),
            )
        )
        for anchor, title, text in groups:
            items.append(
                Item(
                    index=len(items),
                    key=section_key(chapter.id, anchor),
                    chapter_id=chapter.id,
                    anchor=anchor,
                    title=title,
                    chapter_title=chapter.title,
                    module=module,
                    text=f"{title} {title} {text}",
                    tags=tags,
                    difficulty=difficulty,
                )
            )
    return Catalogue(items)


def _top_sections(chapter: Chapter) -> list[tuple[str, str, str]]:
    """(anchor, title, text) of each `##` section, its deeper subsections' text included."""
    groups: list[tuple[str, str, list[str]]] = []
    for section in chapter.sections:
        if section.level == SECTION_LEVEL and section.anchor:
            groups.append((section.anchor, section.title, [section.content]))
        elif section.level > SECTION_LEVEL and groups:
            groups[-1][2].append(section.content)
    return [(anchor, title, " ".join(parts)) for anchor, title, parts in groups]
