"""Helpers shared by the benchmark scripts (not a test module; nothing here asserts)."""

from __future__ import annotations

import math
import os
import platform
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tailored.content.glossary import ParsedTerm, find_glossary, parse_glossary
from tailored.content.loader import ParsedChapter, load_docs
from tailored.personalization.adapter import Adapter, ChapterInput, Library
from tailored.personalization.library import library_from

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = ROOT / "examples" / "textbook"


def rules_adapter() -> Adapter:
    """The default adapter, as the server builds it; a clear message while it does not exist."""
    from tailored.personalization.adapters import build_adapter

    try:
        return build_adapter("rules")
    except ImportError as exc:
        sys.exit(f"the rules adapter is not importable yet ({exc}); nothing to measure")


def load_textbook(root: Path = TEXTBOOK) -> tuple[list[ParsedChapter], tuple[ParsedTerm, ...]]:
    """The sample textbook's chapters and glossary, read from disk as `tailored ingest` does."""
    loaded = load_docs(root)
    if loaded.errors:
        problems = "; ".join(f"{e.path}: {e.message}" for e in loaded.errors)
        sys.exit(f"the sample textbook has errors: {problems}")
    glossary_file = find_glossary(root)
    glossary = parse_glossary(glossary_file.read_text(encoding="utf-8")) if glossary_file else ()
    return list(loaded.chapters), glossary


def textbook_library(chapters: list[ParsedChapter], glossary: tuple[ParsedTerm, ...]) -> Library:
    """The Library the engine builds from the database after ingesting these chapters."""
    return library_from(glossary, chapters)


def chapter_input(chapter: ParsedChapter) -> ChapterInput:
    return ChapterInput(
        chapter.id, chapter.title, chapter.source, chapter.source_hash, chapter.front_matter
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100]) of unsorted values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50.0)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def machine_line() -> str:
    """One line describing where the figures came from."""
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC} | {platform.platform()} | "
        f"nproc={os.cpu_count()} | Python {platform.python_version()}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so the output can be pasted into RESULTS.md as is."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    return "\n".join([line, rule, *body])


@asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[str]:
    """A fresh, empty database `tailored_bench_<random>` (the server migrates it), dropped after."""
    name = f"tailored_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
