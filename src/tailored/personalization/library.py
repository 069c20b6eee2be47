"""The Library an adapter reads beyond the chapter: glossary and chapter references.

Built from the database and kept in the cache for a minute, so the hot path makes no extra
queries; the context hash moves whenever the glossary or a chapter reference changes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.content.glossary import ParsedTerm
from tailored.content.loader import ParsedChapter
from tailored.content.service import CONTENT_TAG
from tailored.inference import (
    BookInference,
    ChapterHints,
    InferenceConfig,
    InferenceConfigError,
    from_json,
    infer_book,
    read_config,
    to_json,
)
from tailored.kit.cache import Cache
from tailored.kit.hashing import canonical_json
from tailored.models import Chapter
from tailored.models import GlossaryTerm as GlossaryRow
from tailored.personalization.adapter import ChapterRef, GlossaryTerm, Library
from tailored.personalization.keys import profile_hash

log = logging.getLogger("tailored.personalization")

CACHE_KEY = "library:v3"
CACHE_TTL = 60.0


# The last decoded entry: on the hot path the cached bytes rarely change, and comparing bytes is
# far cheaper than decoding them into a Library on every request.
_last: tuple[bytes, Library] | None = None


async def load_library(
    open_session: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    cache: Cache,
    *,
    docs_root: Path | None = None,
) -> Library:
    """The library from the cache; on a miss, built in a session `open_session` gives (so the
    cached path, nearly every request, opens none)."""
    global _last
    raw = await cache.get(CACHE_KEY)
    if raw is not None:
        if _last is None or _last[0] != raw:
            _last = (raw, _decode(raw))
        return _last[1]
    async with open_session() as session:
        library = await build_library(session, docs_root)
    await cache.set(CACHE_KEY, _encode(library), ttl=CACHE_TTL, tags=(CONTENT_TAG,))
    return library


async def build_library(session: AsyncSession, docs_root: Path | None = None) -> Library:
    terms = (await session.execute(select(GlossaryRow).order_by(GlossaryRow.position))).scalars()
    glossary = tuple(GlossaryTerm(t.term, t.definition, tuple(t.aliases)) for t in terms)
    rows = (
        await session.execute(
            select(
                Chapter.id,
                Chapter.title,
                Chapter.path,
                Chapter.front_matter,
                Chapter.source,
                Chapter.source_hash,
            ).order_by(Chapter.position)
        )
    ).all()
    chapters = {
        cid: ChapterRef(cid, title, path, _skills(front_matter))
        for cid, title, path, front_matter, _, _ in rows
    }
    book = _inferred(
        [_Stored(cid, title, source, fm, digest) for cid, title, _, fm, source, digest in rows],
        glossary,
        docs_root,
    )
    return _with_hash(glossary, chapters, book)


class _Stored:
    """A stored chapter as inference reads it."""

    def __init__(
        self, cid: str, title: str, source: str, front_matter: dict[str, Any], digest: str
    ) -> None:
        self.id, self.title, self.source = cid, title, source
        self.front_matter, self.digest = front_matter, digest


# Inference reads the whole book: done once per content version per process, not per minute.
_inferred_for: tuple[tuple[object, ...], BookInference] | None = None


def _inferred(
    chapters: list[_Stored], glossary: tuple[GlossaryTerm, ...], docs_root: Path | None
) -> BookInference:
    global _inferred_for
    try:
        config = read_config(docs_root) if docs_root is not None else InferenceConfig()
    except InferenceConfigError as exc:
        # Ingest reports it; serving keeps working with every kind on.
        log.warning("ignoring the inference settings: %s", exc)
        config = InferenceConfig()
    key = (*((c.id, c.digest) for c in chapters), *(t.term for t in glossary), config, docs_root)
    if _inferred_for is not None and _inferred_for[0] == key:
        return _inferred_for[1]
    book = infer_book(chapters, docs_root=docs_root, config=config, author_terms=_names(glossary))
    _inferred_for = (key, book)
    return book


def _names(glossary: Sequence[GlossaryTerm] | Sequence[ParsedTerm]) -> list[str]:
    return [name for t in glossary for name in (t.term, *t.aliases)]


def library_from(
    glossary: Sequence[ParsedTerm],
    chapters: Sequence[ParsedChapter],
    book: BookInference | None = None,
    *,
    docs_root: Path | None = None,
) -> Library:
    """The same Library, built from a docs folder read from disk (the CLI, without a database)."""
    terms = tuple(GlossaryTerm(t.term, t.definition, t.aliases) for t in glossary)
    refs = {c.id: ChapterRef(c.id, c.title, c.path, _skills(c.front_matter)) for c in chapters}
    if book is None:
        config = read_config(docs_root) if docs_root is not None else None
        book = infer_book(
            chapters, docs_root=docs_root, config=config, author_terms=_names(glossary)
        )
    return _with_hash(terms, refs, book)


def _skills(front_matter: Mapping[str, object]) -> tuple[str, ...]:
    skills = front_matter.get("skills", [])
    if not isinstance(skills, list):
        return ()
    return tuple(sorted({str(s).strip().lower() for s in skills if str(s).strip()}))


def _payload(
    glossary: tuple[GlossaryTerm, ...], chapters: dict[str, ChapterRef], book: dict[str, Any]
) -> object:
    return {
        "glossary": [[t.term, t.definition, list(t.aliases)] for t in glossary],
        "chapters": [[c.id, c.title, c.path, list(c.skills)] for c in chapters.values()],
        "inference": book,
    }


def _with_hash(
    glossary: tuple[GlossaryTerm, ...], chapters: dict[str, ChapterRef], book: BookInference
) -> Library:
    inferred = to_json(book)
    digest = profile_hash({"library": _payload(glossary, chapters, inferred)})
    return _library(glossary, chapters, book, digest)


def _library(
    glossary: tuple[GlossaryTerm, ...],
    chapters: dict[str, ChapterRef],
    book: BookInference,
    digest: str,
) -> Library:
    """Author terms first; a mined term joins only where no author term has its name."""
    taken = {name.casefold() for t in glossary for name in (t.term, *t.aliases)}
    mined = tuple(
        GlossaryTerm(t.term, t.definition, t.aliases, t.chapter_id, t.anchor)
        for t in book.glossary
        if t.term.casefold() not in taken
        and not taken.intersection(a.casefold() for a in t.aliases)
    )
    hints: dict[str, ChapterHints] = dict(book.chapters)
    return Library(glossary=glossary + mined, chapters=chapters, context_hash=digest, hints=hints)


def _encode(library: Library) -> bytes:
    author = tuple(t for t in library.glossary if t.chapter_id is None)
    payload = _payload(author, dict(library.chapters), _book_json(library))
    # The hash travels with the payload: recomputing it per request cost ms on big glossaries.
    return canonical_json({"hash": library.context_hash, "library": payload}).encode()


def _book_json(library: Library) -> dict[str, Any]:
    mined = [t for t in library.glossary if t.chapter_id is not None]
    return {
        "version": "",
        "order_source": "",
        "order": [],
        "glossary": [
            [t.term, t.definition, t.chapter_id, t.anchor, "", 1.0, list(t.aliases)] for t in mined
        ],
        "chapters": to_json(BookInference(chapters=dict(library.hints)))["chapters"],
    }


def _decode(raw: bytes) -> Library:
    data = json.loads(raw)
    body = data["library"]
    glossary = tuple(GlossaryTerm(t, d, tuple(a)) for t, d, a in body["glossary"])
    chapters = {c[0]: ChapterRef(c[0], c[1], c[2], tuple(c[3])) for c in body["chapters"]}
    return _library(glossary, chapters, from_json(body["inference"]), data["hash"])
