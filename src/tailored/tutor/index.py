"""The section index: SQLite FTS5 in this process, over the ingest's sections.

FTS5 (Porter stemming, BM25 with the heading and chapter title weighted above the body) is
the lexical index; it lives in memory beside each API process, built from the database and
kept in line with it by chapter source hashes (`sync`), so it serves PostgreSQL deployments
as well as SQLite ones and needs no extension in either. Each section's prose sentences are
indexed too: an offline answer quotes the sentences that match best.

`tailored ask` keeps its index in a file (`SectionIndex.open`) and `sync`s it with the docs
folder, so an unchanged book is not indexed again; each chapter row records the sync that
indexed it (`generation`), which is how a reader of the file tells reuse from re-indexing.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tailored.tutor.text import query_terms, sentences

# BM25 column weights: heading, chapter title, body. A question usually names what a
# section's heading names; the chapter title says which chapter, weakly, for every section.
WEIGHTS = (4.0, 1.5, 1.0)

# An index file is recognised by its application id ("TLDX") and its layout by user_version.
APPLICATION_ID = 0x544C4458
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE chapters (
    id TEXT PRIMARY KEY, source_hash TEXT NOT NULL, title TEXT NOT NULL,
    generation INTEGER NOT NULL);
CREATE TABLE sections (
    id INTEGER PRIMARY KEY, chapter_id TEXT NOT NULL, position INTEGER NOT NULL,
    anchor TEXT, heading TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX sections_chapter ON sections (chapter_id);
CREATE VIRTUAL TABLE sections_fts USING fts5(
    heading, title, body, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY, section_id INTEGER NOT NULL, position INTEGER NOT NULL,
    text TEXT NOT NULL);
CREATE INDEX sentences_section ON sentences (section_id);
CREATE VIRTUAL TABLE sentences_fts USING fts5(
    text, tokenize = 'porter unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True, slots=True)
class SourceSection:
    """What the index needs of one section of the ingest's section model."""

    position: int
    anchor: str | None
    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class SourceChapter:
    id: str
    title: str
    source_hash: str
    sections: tuple[SourceSection, ...]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one `sync` did: chapters (re-)indexed, dropped, and kept as they were; `read`:
    whether the chapters were read at all (not when the folder's stamp matched)."""

    generation: int
    indexed: tuple[str, ...]
    dropped: tuple[str, ...]
    kept: int
    read: bool = True


class NotAnIndex(Exception):
    """The file is some other SQLite database."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved section; `score` is relative to the best hit (1.0) of its search."""

    section_id: int
    chapter_id: str
    chapter_title: str
    position: int
    anchor: str | None
    heading: str
    text: str
    score: float
    # The query terms found in this section, and the share of the query's weight they carry.
    matched: frozenset[str]
    coverage: float


@dataclass(frozen=True, slots=True)
class Sentence:
    section_id: int
    position: int
    text: str


def quote(term: str) -> str:
    """One term as an FTS5 string (no operator or column filter can get through)."""
    return '"' + term.replace('"', '""') + '"'


class SectionIndex:
    """An FTS5 index of sections; safe to share between the tasks of one process."""

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        """In memory, unless given the connection of an index file (`open`)."""
        if db is None:
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.executescript(_SCHEMA)
        self._db = db
        self._lock = threading.Lock()
        self.last_sync: SyncReport | None = None

    @classmethod
    def open(cls, path: Path) -> SectionIndex:
        """The index kept in `path`, created when missing (or rebuilt when of another layout).

        Raises sqlite3.Error when the file cannot be opened or created (a read-only folder)
        or is not SQLite, and NotAnIndex when it is some other database, which is left alone.
        """
        db = sqlite3.connect(path, check_same_thread=False)
        try:
            app, version = _pragma(db, "application_id"), _pragma(db, "user_version")
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app != APPLICATION_ID and (tables or app):
                raise NotAnIndex(str(path))
            if app == APPLICATION_ID and version != SCHEMA_VERSION:
                # Ours, from another version: a cache, so it is simply started again.
                db.close()
                path.unlink()
                db = sqlite3.connect(path, check_same_thread=False)
                tables = 0
            if not tables:
                db.executescript(
                    f"BEGIN; {_SCHEMA} PRAGMA application_id = {APPLICATION_ID}; "
                    f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        self._db.close()

    def stamp(self) -> str | None:
        """The stamp `sync` was given with the chapters it last indexed, if any."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        return str(row[0]) if row else None

    def reuse(self) -> SyncReport:
        """Nothing to re-index (the caller's stamp matched): records that in `last_sync`."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            kept = int(self._db.execute("SELECT count(*) FROM chapters").fetchone()[0])
        self.last_sync = SyncReport(int(row[0]) if row else 0, (), (), kept, read=False)
        return self.last_sync

    def sync(self, chapters: Sequence[SourceChapter], stamp: str | None = None) -> SyncReport:
        """Bring the index in line with `chapters`: changed ones re-indexed (by source hash),
        removed ones dropped, the rest left as they are. `stamp` (a fingerprint of what the
        chapters were read from, or None for none) is kept for `stamp()`."""
        have = self.hashes()
        wanted = {c.id: c.source_hash for c in chapters}
        dropped = sorted(have.keys() - wanted.keys())
        changed = [c for c in chapters if have.get(c.id) != c.source_hash]
        with self._lock, self._db:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            generation = (row[0] if row else 0) + 1
            if dropped or changed or row is None:
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,)
                )
            else:
                generation -= 1  # nothing written: a read-only file still serves
        self.drop(dropped)
        self.replace(changed, generation=generation)
        # Last: a sync cut short leaves the old stamp, so the next one runs again.
        with self._lock, self._db:
            if stamp is None and self._meta("stamp") is not None:
                self._db.execute("DELETE FROM meta WHERE key = 'stamp'")
            elif stamp is not None and stamp != self._meta("stamp"):
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
        self.last_sync = SyncReport(
            generation, tuple(c.id for c in changed), tuple(dropped), len(chapters) - len(changed)
        )
        return self.last_sync

    # -- keeping it in line with the library -------------------------------------------------

    def hashes(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT id, source_hash FROM chapters").fetchall())

    def replace(self, chapters: Iterable[SourceChapter], *, generation: int = 0) -> int:
        """Index these chapters, replacing what was indexed under their ids; sections added."""
        added = 0
        prepared = [(c, [(s, sentences(s.text)) for s in c.sections]) for c in chapters]
        with self._lock, self._db:
            for chapter, sections in prepared:
                self._drop(chapter.id)
                self._db.execute(
                    "INSERT INTO chapters VALUES (?, ?, ?, ?)",
                    (chapter.id, chapter.source_hash, chapter.title, generation),
                )
                for section, said in sections:
                    cur = self._db.execute(
                        "INSERT INTO sections (chapter_id, position, anchor, heading, text) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (
                            chapter.id,
                            section.position,
                            section.anchor,
                            section.heading,
                            section.text,
                        ),
                    )
                    sid = cur.lastrowid
                    self._db.execute(
                        "INSERT INTO sections_fts (rowid, heading, title, body) "
                        "VALUES (?, ?, ?, ?)",
                        (sid, section.heading, chapter.title, section.text),
                    )
                    for i, sentence in enumerate(said):
                        cur = self._db.execute(
                            "INSERT INTO sentences (section_id, position, text) VALUES (?, ?, ?)",
                            (sid, i, sentence),
                        )
                        self._db.execute(
                            "INSERT INTO sentences_fts (rowid, text) VALUES (?, ?)",
                            (cur.lastrowid, sentence),
                        )
                    added += 1
        return added

    def drop(self, chapter_ids: Iterable[str]) -> None:
        with self._lock, self._db:
            for chapter_id in chapter_ids:
                self._drop(chapter_id)

    def _drop(self, chapter_id: str) -> None:
        ids = [
            r[0]
            for r in self._db.execute("SELECT id FROM sections WHERE chapter_id = ?", (chapter_id,))
        ]
        for sid in ids:
            self._db.execute("DELETE FROM sections_fts WHERE rowid = ?", (sid,))
            self._db.execute(
                "DELETE FROM sentences_fts WHERE rowid IN "
                "(SELECT id FROM sentences WHERE section_id = ?)",
                (sid,),
            )
            self._db.execute("DELETE FROM sentences WHERE section_id = ?", (sid,))
        self._db.execute("DELETE FROM sections WHERE chapter_id = ?", (chapter_id,))
        self._db.execute("DELETE FROM chapters WHERE id = ?", (chapter_id,))

    # -- searching ---------------------------------------------------------------------------

    def section_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM sections").fetchone()[0])

    def search(
        self,
        terms: Sequence[str],
        *,
        limit: int,
        chapter_id: str | None = None,
        extra: Sequence[str] = (),
        candidates: int = 40,
    ) -> list[Hit]:
        """Sections for `terms` (query_terms of a question), best first.

        BM25 finds candidates; each is then weighed by the share of the question's terms it
        holds (weighted by their rarity), so a section that answers the whole question beats
        one that repeats a single word of it. `extra` terms (a follow-up's earlier question,
        glossary aliases) help find candidates but count half. `chapter_id` favours the
        chapter being read.
        """
        every = list(dict.fromkeys([*terms, *extra]))
        if not every:
            return []
        match = " OR ".join(quote(t) for t in every)
        with self._lock:
            rows = self._db.execute(
                "SELECT s.id, s.chapter_id, c.title, s.position, s.anchor, s.heading, s.text, "
                f"bm25(sections_fts, {', '.join(map(str, WEIGHTS))}) "
                "FROM sections_fts JOIN sections s ON s.id = sections_fts.rowid "
                "JOIN chapters c ON c.id = s.chapter_id "
                "WHERE sections_fts MATCH ? ORDER BY bm25(sections_fts, "
                f"{', '.join(map(str, WEIGHTS))}) LIMIT ?",
                (match, candidates),
            ).fetchall()
            if not rows:
                return []
            total = max(1, self._count("sections"))
            ids = [r[0] for r in rows]
            weights: dict[str, float] = {}
            holders: dict[str, set[int]] = {}
            for term in every:
                holders[term] = self._matching("sections_fts", term, ids)
                n = self._frequency("sections_fts", term)
                idf = math.log(1 + (total - n + 0.5) / (n + 0.5))
                weights[term] = idf * (0.5 if term not in terms else 1.0)
        whole = sum(weights[t] for t in terms) or sum(weights.values()) or 1.0
        scored: list[tuple[float, Hit]] = []
        for sid, cid, title, position, anchor, heading, text, bm25 in rows:
            matched = frozenset(t for t in every if sid in holders[t])
            coverage = min(1.0, sum(weights[t] for t in matched) / whole)
            score = -bm25 * (0.25 + coverage)
            if chapter_id is not None and cid == chapter_id:
                score *= 1.3
            hit = Hit(sid, cid, title, position, anchor, heading, text, 0.0, matched, coverage)
            scored.append((score, hit))
        scored.sort(key=lambda pair: -pair[0])
        top = scored[0][0] or 1.0
        return [_with_score(hit, score / top) for score, hit in scored[:limit]]

    def term_weights(self, terms: Sequence[str]) -> dict[str, float]:
        """Each term's rarity among sentences (for choosing what an answer quotes)."""
        with self._lock:
            total = max(1, self._count("sentences"))
            return {
                t: math.log(
                    1 + (total - (n := self._frequency("sentences_fts", t)) + 0.5) / (n + 0.5)
                )
                for t in terms
            }

    def sentences(
        self, section_ids: Sequence[int], terms: Sequence[str]
    ) -> tuple[list[Sentence], Mapping[int, frozenset[str]]]:
        """The sentences of these sections, and which of `terms` each holds (by rowid)."""
        marks = ", ".join("?" * len(section_ids))
        with self._lock:
            rows = self._db.execute(
                "SELECT id, section_id, position, text FROM sentences "
                f"WHERE section_id IN ({marks}) ORDER BY section_id, position",
                tuple(section_ids),
            ).fetchall()
            wanted = [r[0] for r in rows]
            holds: dict[int, set[str]] = {}
            for term in terms:
                for rowid in self._matching("sentences_fts", term, wanted):
                    holds.setdefault(rowid, set()).add(term)
        found = [Sentence(sid, pos, text) for _id, sid, pos, text in rows]
        by_row = {i: frozenset(holds.get(r[0], ())) for i, r in enumerate(rows)}
        return found, by_row

    def plain_search(self, query: str, limit: int) -> list[Hit]:
        """The search box: the same ranking, for the words of `query`."""
        return self.search(query_terms(query), limit=limit)

    def _meta(self, key: str) -> object:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _count(self, table: str) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def _frequency(self, table: str, term: str) -> int:
        """How many rows hold `term` (counted inside SQLite: common terms match thousands)."""
        sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"
        return int(self._db.execute(sql, (quote(term),)).fetchone()[0])

    def _matching(self, table: str, term: str, among: Sequence[int]) -> set[int]:
        """Which of the rows `among` hold `term`."""
        if not among:
            return set()
        marks = ", ".join("?" * len(among))
        rows = self._db.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid IN ({marks})",
            (quote(term), *among),
        )
        return {r[0] for r in rows}


def _pragma(db: sqlite3.Connection, name: str) -> int:
    return int(db.execute(f"PRAGMA {name}").fetchone()[0])


def _with_score(hit: Hit, score: float) -> Hit:
    return Hit(
        hit.section_id,
        hit.chapter_id,
        hit.chapter_title,
        hit.position,
        hit.anchor,
        hit.heading,
        hit.text,
        round(score, 4),
        hit.matched,
        hit.coverage,
    )
