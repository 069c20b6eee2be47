"""The Library an adapter reads beyond the chapter: glossary and chapter references.

Built from the database and kept in the cache for a minute, so the hot path makes no extra
queries; the context hash moves whenever the glossary or a chapter reference changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.content.glossary import ParsedTerm
from tailored.content.loader import ParsedChapter
from tailored.content.service import CONTENT_TAG
from tailored.kit.cache import Cache
from tailored.kit.hashing import canonical_json
from tailored.models import Chapter
from tailored.models import GlossaryTerm as GlossaryRow
from tailored.personalization.adapter import ChapterRef, GlossaryTerm, Library
from tailored.personalization.keys import profile_hash

CACHE_KEY = "library:v2"
CACHE_TTL = 60.0


# The last decoded entry: on the hot path the cached bytes rarely change, and comparing bytes is
# far cheaper than decoding them into a Library on every request.
_last: tuple[bytes, Library] | None = None


async def load_library(
    open_session: Callable[[], AbstractAsyncContextManager[AsyncSession]], cache: Cache
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
        library = await build_library(session)
    await cache.set(CACHE_KEY, _encode(library), ttl=CACHE_TTL, tags=(CONTENT_TAG,))
    return library


async def build_library(session: AsyncSession) -> Library:
    terms = (await session.execute(select(GlossaryRow).order_by(GlossaryRow.position))).scalars()
    glossary = tuple(GlossaryTerm(t.term, t.definition, tuple(t.aliases)) for t in terms)
    rows = await session.execute(
        select(Chapter.id, Chapter.title, Chapter.path, Chapter.front_matter).order_by(
            Chapter.position
        )
    )
    chapters = {
        cid: ChapterRef(cid, title, path, _skills(front_matter))
        for cid, title, path, front_matter in rows
    }
    return _with_hash(glossary, chapters)


def library_from(glossary: Sequence[ParsedTerm], chapters: Sequence[ParsedChapter]) -> Library:
    """The same Library, built from a docs folder read from disk (the CLI, without a database)."""
    terms = tuple(GlossaryTerm(t.term, t.definition, t.aliases) for t in glossary)
    refs = {c.id: ChapterRef(c.id, c.title, c.path, _skills(c.front_matter)) for c in chapters}
    return _with_hash(terms, refs)


def _skills(front_matter: Mapping[str, object]) -> tuple[str, ...]:
    skills = front_matter.get("skills", [])
    if not isinstance(skills, list):
        return ()
    return tuple(sorted({str(s).strip().lower() for s in skills if str(s).strip()}))


def _payload(glossary: tuple[GlossaryTerm, ...], chapters: dict[str, ChapterRef]) -> object:
    return {
        "glossary": [[t.term, t.definition, list(t.aliases)] for t in glossary],
        "chapters": [[c.id, c.title, c.path, list(c.skills)] for c in chapters.values()],
    }


def _with_hash(glossary: tuple[GlossaryTerm, ...], chapters: dict[str, ChapterRef]) -> Library:
    digest = profile_hash({"library": _payload(glossary, chapters)})
    return Library(glossary=glossary, chapters=chapters, context_hash=digest)


def _encode(library: Library) -> bytes:
    payload = _payload(library.glossary, dict(library.chapters))
    # The hash travels with the payload: recomputing it per request cost ms on big glossaries.
    return canonical_json({"hash": library.context_hash, "library": payload}).encode()


def _decode(raw: bytes) -> Library:
    data = json.loads(raw)
    body = data["library"]
    glossary = tuple(GlossaryTerm(t, d, tuple(a)) for t, d, a in body["glossary"])
    chapters = {c[0]: ChapterRef(c[0], c[1], c[2], tuple(c[3])) for c in body["chapters"]}
    return Library(glossary=glossary, chapters=chapters, context_hash=data["hash"])
