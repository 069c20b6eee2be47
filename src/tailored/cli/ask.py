"""`tailored ask`: the tutor's offline answer from a docs folder, no server or database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tailored.cli.common import ExitCode, fail
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.errors import BadRequest
from tailored.tutor.answer import extractive
from tailored.tutor.library import index_folder

# Kept beside the docs folder, not in it: the folder may be read-only, or under version control.
INDEX_NAME = ".tailored-index.sqlite"


def ask(
    question: Annotated[str, typer.Argument(help="The question, as a learner would ask it.")],
    content: Annotated[
        Path,
        typer.Option(help="The docs folder.", exists=True, file_okay=False, resolve_path=True),
    ],
    chapter: Annotated[
        str | None, typer.Option(help="The chapter being read (doc id): favoured.")
    ] = None,
    beginner: Annotated[
        bool, typer.Option(help="Add the glossary's definitions of terms the answer uses.")
    ] = False,
    index: Annotated[
        Path | None,
        typer.Option(
            help="The index file to keep and reuse (default: .tailored-index.sqlite beside the "
            "docs folder). Not writable: the index is built in memory for this run.",
            dir_okay=False,
            resolve_path=True,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"answer", "citations": [...]}, best first.')
    ] = False,
) -> None:
    """Answer a question from the textbook with cited sections, offline."""
    if not question.strip() or len(question) > 10_000:
        fail("the question must be 1 to 10,000 characters", ExitCode.USAGE)
    if chapter is not None:
        try:
            chapter = validate_chapter_id(chapter)
        except InvalidChapterId as exc:
            fail(f"invalid chapter id: {exc}", ExitCode.USAGE)
    try:
        sections, glossary = index_folder(content, index or content.parent / INDEX_NAME)
    except BadRequest as exc:
        fail(str(exc.detail), ExitCode.USAGE)
    try:
        answer = extractive(
            sections, question, chapter_id=chapter, glossary=glossary, define=beginner
        )
    finally:
        sections.close()
    if as_json:
        citations = [c.as_dict() for c in answer.citations]
        typer.echo(json.dumps({"answer": answer.text, "citations": citations}, ensure_ascii=False))
        return
    typer.echo(answer.text)
    if answer.citations:
        typer.echo("")
        for n, c in enumerate(answer.citations, start=1):
            where = f"{c.chapter_id}#{c.anchor}" if c.anchor else c.chapter_id
            typer.echo(f"[{n}] {c.heading} — {where} (score {c.score:.2f})")
