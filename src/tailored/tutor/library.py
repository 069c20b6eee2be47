"""Keeping the section index in line with the library: the database's, or a docs folder's.

An API process checks the chapters' source hashes at most every FOLLOW_TTL seconds (at once
after an ingest in this process): changed chapters are re-indexed, removed ones dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.content.loader import load_docs
from tailored.errors import BadRequest, ChapterNotFound
from tailored.kit.db import transaction
from tailored.tutor import glossary as glossaries
from tailored.tutor.glossary import Term
from tailored.tutor.index import NotAnIndex, SectionIndex, SourceChapter, SourceSection


class TutorLibrary:
    """The index and glossary one process answers from, following the database."""

    FOLLOW_TTL = 2.0

    def __init__(
        self,
        index: SectionIndex | None = None,
        glossary: tuple[Term, ...] = (),
        *,
        follows: bool = True,
    ) -> None:
        """`follows=False`: a fixed index (a docs folder's, for `ask` and benchmarks)."""
        self.index = index or SectionIndex()
        self.glossary = glossary
        self.follows = follows
        self._checked: tuple[int, float] | None = None
        self._lock = asyncio.Lock()

    async def follow(self, maker: async_sessionmaker[AsyncSession]) -> SectionIndex:
        """The index, brought in line with the database first when it may be behind."""
        if not self.follows or not self._stale():
            return self.index
        async with self._lock:
            if self._stale():
                generation = content.generation()
                async with transaction(maker) as session:
                    await self._sync(session)
                self._checked = (generation, time.monotonic())
        return self.index

    def _stale(self) -> bool:
        if self._checked is None:
            return True
        generation, at = self._checked
        return generation != content.generation() or time.monotonic() - at > self.FOLLOW_TTL

    async def _sync(self, session: AsyncSession) -> None:
        wanted = await content.chapter_hashes(session)
        have = self.index.hashes()
        self.index.drop(sorted(have.keys() - wanted.keys()))
        changed = [cid for cid, h in wanted.items() if have.get(cid) != h]
        chapters: list[SourceChapter] = []
        for cid in changed:
            try:
                chapter = await content.get_chapter(session, cid, with_sections=True)
            except ChapterNotFound:
                continue  # removed meanwhile; the next check drops it
            chapters.append(
                SourceChapter(
                    chapter.id,
                    chapter.title,
                    chapter.source_hash,
                    tuple(
                        SourceSection(s.position, s.anchor, s.title, s.content)
                        for s in chapter.sections
                    ),
                )
            )
        # Parsing sentences is CPU work: off the event loop for a large change.
        await asyncio.to_thread(self.index.replace, chapters)
        self.glossary = await glossaries.load_stored(session)


def index_folder(root: Path, keep_in: Path | None = None) -> tuple[SectionIndex, tuple[Term, ...]]:
    """An index of a docs folder, for answering offline (`tailored ask`).

    With `keep_in`, the index file there is reused: when no file in the folder changed (names,
    sizes, modification times) the folder is not even read; otherwise only chapters whose
    source changed are indexed again. When the file cannot be written (a read-only folder) or
    is some other database, the index is built in memory, as it is without `keep_in`.
    `index.last_sync` says what was (re-)indexed.
    """
    glossary = glossaries.load_folder(root)
    if keep_in is not None:
        index: SectionIndex | None = None
        try:
            index = SectionIndex.open(keep_in)
            stamp = folder_stamp(root, skip=keep_in)
            if stamp is not None and index.stamp() == stamp:
                index.reuse()
            else:
                index.sync(_chapters(root), stamp)
            return index, glossary
        except (sqlite3.Error, OSError, NotAnIndex):
            if index is not None:
                index.close()
    index = SectionIndex()
    index.sync(_chapters(root))
    return index, glossary


def _chapters(root: Path) -> list[SourceChapter]:
    loaded = load_docs(root)
    if not loaded.chapters:
        problem = f"; {loaded.errors[0].path}: {loaded.errors[0].message}" if loaded.errors else ""
        raise BadRequest(f"no chapters found in {root}{problem}")
    return [
        SourceChapter(
            c.id,
            c.title,
            c.source_hash,
            tuple(SourceSection(i, s.anchor, s.heading, s.text) for i, s in enumerate(c.sections)),
        )
        for c in loaded.chapters
    ]


# A file changed this recently may change again within the file system's clock step without
# its size or time changing (git's "racy" files): no stamp is kept then.
RACY_NS = 2_000_000_000


def folder_stamp(root: Path, *, skip: Path) -> str | None:
    """A fingerprint of every file under `root` (path, size, modification time), without
    reading them; `skip` (the index file, should it be kept inside) and its journals aside.
    None when a file changed in the last two seconds."""
    digest = hashlib.sha256()
    recent = time.time_ns() - RACY_NS
    seen: set[str] = set()
    # Symbolic links are followed, as the docs loader follows them; each folder counted once.
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirs.clear()
            continue
        seen.add(real)
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            if path.name.startswith(skip.name) and path.parent == skip.parent:
                continue
            info = path.stat()
            if info.st_mtime_ns > recent:
                return None
            line = f"{path.relative_to(root)}\0{info.st_size}\0{info.st_mtime_ns}\n"
            digest.update(line.encode())
    return digest.hexdigest()
