"""The folder walk: which files of a docs folder are docs and categories, read safely."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tailored.content.chapter import ParsedDoc, decode, parse_doc
from tailored.content.problems import ChapterParseError, LoadError
from tailored.content.sidebar import CATEGORY_FILE_NAMES, CategoryMeta, Folder, parse_category

__all__ = ["DOC_SUFFIXES", "Walker", "drop_duplicates"]

DOC_SUFFIXES = (".md", ".mdx")
_OUTSIDE = "symbolic link points outside the docs folder"


class Walker:
    """Reads one docs folder into a tree of folders and parsed docs; errors are collected."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[LoadError] = []

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError):
            return False

    def _read_category(self, directory: Path, rel_dir: str) -> CategoryMeta | None:
        for name in CATEGORY_FILE_NAMES:
            path = directory / name
            if not path.is_file():
                continue
            rel = f"{rel_dir}/{name}"
            if not self._inside(path):
                self.errors.append(LoadError(rel, _OUTSIDE))
                return None
            try:
                return parse_category(path.read_bytes(), name, rel)
            except OSError as exc:
                self.errors.append(LoadError(rel, f"cannot read file: {exc.strerror or exc}"))
            except ChapterParseError as exc:
                self.errors.append(LoadError(rel, f"invalid {name}: {exc}"))
            return None
        return None

    def _read_doc(self, path: Path, rel: str) -> ParsedDoc | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.errors.append(LoadError(rel, f"cannot read file: {exc.strerror or exc}"))
            return None
        try:
            return parse_doc(
                decode(raw),
                rel_path=rel,
                position=0,
                source_hash=hashlib.sha256(raw).hexdigest(),
            )
        except ChapterParseError as exc:
            self.errors.append(LoadError(rel, str(exc)))
            return None

    def walk(
        self, directory: Path, rel_parts: tuple[str, ...], ancestors: frozenset[Path]
    ) -> Folder:
        """The folder at ``directory`` (``rel_parts`` below the root), recursively."""
        rel_dir = "/".join(rel_parts)
        folder = Folder(rel_parts[-1] if rel_parts else "")
        if rel_parts:
            folder.meta = self._read_category(directory, rel_dir)
        try:
            entries = sorted(directory.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            message = f"cannot list folder: {exc.strerror or exc}"
            self.errors.append(LoadError(rel_dir or ".", message))
            return folder
        for entry in entries:
            name = entry.name
            if name.startswith(("_", ".")) or name == "node_modules":
                continue
            if not rel_parts and name == "i18n":
                continue
            rel = "/".join((*rel_parts, name))
            is_doc_name = entry.suffix in DOC_SUFFIXES
            if entry.is_symlink() and not self._inside(entry):
                if is_doc_name or entry.is_dir():
                    self.errors.append(LoadError(rel, _OUTSIDE))
                continue
            if entry.is_dir():
                resolved = entry.resolve()
                if resolved in ancestors:
                    self.errors.append(LoadError(rel, "symbolic link loop"))
                    continue
                folder.folders.append(self.walk(entry, (*rel_parts, name), ancestors | {resolved}))
            elif is_doc_name:
                doc = self._read_doc(entry, rel)
                if doc is not None:
                    folder.docs.append(doc)
        return folder


def drop_duplicates(root: Folder, errors: list[LoadError]) -> set[str]:
    """Keep the first doc (by path) of each id; later ones become errors. Returns the ids."""
    placed: list[tuple[Folder, ParsedDoc]] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        placed.extend((folder, doc) for doc in folder.docs)
        stack.extend(folder.folders)
    first_path: dict[str, str] = {}
    for folder, doc in sorted(placed, key=lambda pair: pair[1].chapter.path):
        chapter = doc.chapter
        if chapter.id in first_path:
            errors.append(
                LoadError(
                    chapter.path,
                    f"duplicate doc id {chapter.id!r}: already used by {first_path[chapter.id]}",
                )
            )
            folder.docs.remove(doc)
        else:
            first_path[chapter.id] = chapter.path
    return set(first_path)
