from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from tailored.cli.common import ExitCode, console, fail, settings_from
from tailored.content.glossary import GlossaryError, find_glossary, parse_glossary
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.content.loader import load_docs
from tailored.derived.outcome import Outcome
from tailored.inference import InferenceConfigError
from tailored.llm.router import ProviderChain, build_chain
from tailored.personalization.adapter import Audience, ChapterInput
from tailored.personalization.adapters import build_adapter
from tailored.personalization.keys import audience_key
from tailored.personalization.library import library_from
from tailored.personalization.llm_adapter import RefiningAdapter
from tailored.personalization.stages import adapt_and_verify, refine
from tailored.profiles.schemas import ProfileData


def personalize(
    ctx: typer.Context,
    chapter_id: Annotated[str, typer.Argument(help="Doc id, e.g. ros2/nodes-and-topics.")],
    content: Annotated[
        Path,
        typer.Option(help="The docs folder.", exists=True, file_okay=False, resolve_path=True),
    ],
    profile: Annotated[
        Path,
        typer.Option(
            help="Learner profile as JSON (fields of PATCH /api/me/profile).", dir_okay=False
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print content, transformations, key, verified.")
    ] = False,
) -> None:
    """Print a chapter adapted to a profile, offline: no server, no database."""
    settings = settings_from(ctx)
    try:
        wanted = validate_chapter_id(chapter_id)
    except InvalidChapterId as exc:
        fail(f"invalid chapter id: {exc}", ExitCode.USAGE)
    learner = _read_profile(profile)
    loaded = load_docs(content)
    chapter = next((c for c in loaded.chapters if c.id == wanted), None)
    if chapter is None:
        problems = "; ".join(f"{e.path}: {e.message}" for e in loaded.errors)
        fail(
            f"no chapter {wanted!r} in {content}" + (f" ({problems})" if problems else ""),
            ExitCode.USAGE,
        )
    glossary_file = find_glossary(content)
    try:
        glossary = parse_glossary(glossary_file.read_text()) if glossary_file else ()
    except GlossaryError as exc:
        fail(f"{glossary_file}: {exc}")
    try:
        library = library_from(glossary, loaded.chapters, docs_root=content)
    except InferenceConfigError as exc:
        fail(str(exc), ExitCode.USAGE)
    chain = build_chain(settings.llm) if settings.adapter == "llm" else None
    adapter = build_adapter(
        settings.adapter,
        chain=chain,
        prompts_dir=settings.llm_prompts_dir,
        budget_seconds=settings.llm_budget_seconds,
    )
    source = ChapterInput(
        chapter.id, chapter.title, chapter.source, chapter.source_hash, chapter.front_matter
    )
    audience = adapter.audience(learner, source, library)
    outcome = adapt_and_verify(adapter, source, audience, library)
    if isinstance(adapter, RefiningAdapter) and outcome.verified:
        outcome = asyncio.run(_refined(adapter, outcome, audience, chain))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "chapter_id": chapter.id,
                    "content": outcome.content,
                    "applied_transformations": [
                        {"name": t.name, "detail": t.detail} for t in outcome.applied
                    ],
                    "audience_key": audience_key(adapter, source, library, audience),
                    "verified": outcome.verified,
                    "issues": list(outcome.issues),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        typer.echo(outcome.content, nl=False)
    if not outcome.verified:
        console.print("[yellow]warning:[/yellow] not verified; printed the original", style="")
        raise typer.Exit(1)


async def _refined(
    adapter: RefiningAdapter, base: Outcome, audience: Audience, chain: ProviderChain | None
) -> Outcome:
    try:
        return await refine(adapter, base, audience)
    finally:
        if chain is not None:
            await chain.aclose()


def _read_profile(path: Path) -> ProfileData:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{path}: no such file", ExitCode.USAGE)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{path}: invalid JSON: {exc}", ExitCode.USAGE)
    try:
        profile = ProfileData.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "profile"
        fail(f"{path}: {where}: {first['msg']}", ExitCode.USAGE)
    if not profile.profile_completed:
        fail(
            f"{path}: incomplete profile: set {' and '.join(profile.missing_fields)} "
            "(personalization needs them, as in the API)",
            ExitCode.USAGE,
        )
    return profile
