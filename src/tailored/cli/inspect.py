"""`tailored inspect`: what inference derived for one chapter, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tailored.cli.common import ExitCode, fail
from tailored.content.glossary import GlossaryError, find_glossary, parse_glossary
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.content.loader import LoadResult, load_docs
from tailored.inference import BookInference, InferenceConfigError, infer_book, read_config
from tailored.inference.model import to_json
from tailored.inference.report import coverage, inspect_lines, report_lines


def infer_folder(directory: Path, loaded: LoadResult | None = None) -> BookInference:
    """Inference over a docs folder as ingest and personalize see it (CLI errors on bad files)."""
    loaded = loaded or load_docs(directory)
    glossary_file = find_glossary(directory)
    try:
        terms = parse_glossary(glossary_file.read_text()) if glossary_file else ()
        config = read_config(directory)
    except (GlossaryError, InferenceConfigError) as exc:
        fail(str(exc), ExitCode.USAGE)
    names = [name for t in terms for name in (t.term, *t.aliases)]
    return infer_book(loaded.chapters, docs_root=directory, config=config, author_terms=names)


def print_coverage(directory: Path, loaded: LoadResult | None = None) -> list[str]:
    """The coverage report lines and the warnings (printed by the caller)."""
    loaded = loaded or load_docs(directory)
    book = infer_folder(directory, loaded)
    cov = coverage(book, len(loaded.chapters))
    for line in report_lines(cov):
        typer.echo(line)
    return cov.warnings()


def inspect(
    chapter_id: Annotated[str, typer.Argument(help="Doc id, e.g. ros2/nodes-and-topics.")],
    content: Annotated[
        Path,
        typer.Option(help="The docs folder.", exists=True, file_okay=False, resolve_path=True),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the hints as JSON.")] = False,
) -> None:
    """Show what inference derived for a chapter (terms, depth, hardware, prerequisites)."""
    try:
        wanted = validate_chapter_id(chapter_id)
    except InvalidChapterId as exc:
        fail(f"invalid chapter id: {exc}", ExitCode.USAGE)
    loaded = load_docs(content)
    if all(c.id != wanted for c in loaded.chapters):
        fail(f"no chapter {wanted!r} in {content}", ExitCode.USAGE)
    book = infer_folder(content, loaded)
    if as_json:
        data = to_json(book)
        terms = [t for t in data["glossary"] if t[2] == wanted]
        hints = data["chapters"].get(wanted, {})
        typer.echo(json.dumps({"chapter_id": wanted, "defines": terms, "hints": hints}, indent=2))
        return
    for line in inspect_lines(book, wanted):
        typer.echo(line)
