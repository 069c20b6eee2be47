"""`tailored translate` (offline, no server, no database) and `tailored translations mark`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tailored.cli.common import console, fail, run, settings_from
from tailored.config import Settings
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.content.loader import ParsedChapter, load_docs
from tailored.llm.router import build_chain
from tailored.translation import human
from tailored.translation.human_path import analyse_human
from tailored.translation.keep import KeepTermsError, KeepTermsFile
from tailored.translation.languages import InvalidLanguage, direction, parse_language
from tailored.translation.machine_path import build_machines, describe_machines, translate_text

translations_app = typer.Typer(
    help="Human translations in the Docusaurus i18n/ layout, and their manifest.",
    no_args_is_help=True,
)

ContentDir = Annotated[
    Path,
    typer.Option(help="The docs folder.", exists=True, file_okay=False, resolve_path=True),
]


def register(app: typer.Typer) -> None:
    """Add `translate` and the `translations` group to the main app."""
    app.command("translate")(translate)
    app.add_typer(translations_app, name="translations")


def _lang(raw: str) -> str:
    try:
        return parse_language(raw)
    except InvalidLanguage as exc:
        fail(f"--lang: {exc}", 2)


def _chapter(content: Path, chapter_id: str) -> ParsedChapter:
    try:
        wanted = validate_chapter_id(chapter_id)
    except InvalidChapterId as exc:
        fail(f"invalid chapter id: {exc}", 2)
    loaded = load_docs(content)
    chapter = next((c for c in loaded.chapters if c.id == wanted), None)
    if chapter is None:
        problems = "; ".join(f"{e.path}: {e.message}" for e in loaded.errors)
        fail(f"no chapter {wanted!r} in {content}" + (f" ({problems})" if problems else ""), 2)
    return chapter


def translate(
    ctx: typer.Context,
    chapter_id: Annotated[str, typer.Argument(help="Doc id, e.g. ros2/nodes-and-topics.")],
    content: ContentDir,
    lang: Annotated[str, typer.Option(help="Target language, ISO 639-1 (e.g. ur, es).")],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print content with source, translator, direction, stale flag and verification.",
        ),
    ] = False,
) -> None:
    """Print a chapter in another language, offline: no server, no database.

    A human translation in CONTENT/i18n/LANG/ wins. Else the machine translators
    named by the translation.machine setting: an LLM when llm.providers are set,
    Apertium when it is installed with the language pair (e.g. apertium-eng-spa).
    Exit 1 when none is available, 2 for a bad language code or chapter id.
    """
    settings = settings_from(ctx)
    target = _lang(lang)
    chapter = _chapter(content, chapter_id)
    config = settings.translation
    out: dict[str, Any] = {
        "chapter_id": chapter.id,
        "lang": target,
        "direction": direction(target),
        "source_hash": chapter.source_hash,
    }
    found = None if target == config.source_language else human.find(content, target, chapter.path)
    if target == config.source_language:
        out |= _result(chapter.source, "original", "original", chapter.source_hash, ())
    elif found is not None:
        report = analyse_human(chapter.source, chapter.path, chapter.source_hash, found)
        made_from = found.entry.source_hash if found.entry is not None else None
        out |= _result(found.text, "human", "human", made_from, report.issues)
        out |= {"stale": report.stale, "changed_sections": list(report.changed)}
    else:
        out |= run(_machine(settings, content, chapter, target))
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        typer.echo(out["content"], nl=False)
        if out["stale"]:
            changed = ", ".join(out["changed_sections"]) or "no manifest entry"
            console.print(f"[yellow]warning:[/yellow] stale translation ({changed})", style="")


def _result(
    content: str, source: str, translator: str, made_from: str | None, issues: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "content": content,
        "source": source,
        "translator": translator,
        "made_from": made_from,
        "stale": False,
        "changed_sections": [],
        "verification": {"ok": not issues, "issues": list(issues)},
    }


async def _machine(
    settings: Settings, content: Path, chapter: ParsedChapter, target: str
) -> dict[str, Any]:
    config = settings.translation
    chain = build_chain(settings.llm) if "llm" in config.machine else None
    try:
        machines, notes = build_machines(config, chain, settings.llm_prompts_dir)
        try:
            keep = KeepTermsFile(content).load().for_language(target)
        except KeepTermsError as exc:
            fail(str(exc))
        picked = await machines.pick(config.source_language, target, keep)
        if picked is None:
            configured = "; ".join(await describe_machines(machines, notes))
            fail(
                f"no translation of {chapter.id!r} into {target}: no human translation at "
                f"{human.docs_path(target, chapter.path)}, and no machine translator "
                f"({configured})"
            )
        outcome = await translate_text(
            chapter.source, picked.model, keep_terms=keep, budget_seconds=config.budget_seconds
        )
    finally:
        if chain is not None:
            await chain.aclose()
    result = _result(
        outcome.content, "machine", picked.model.label, chapter.source_hash, outcome.issues
    )
    result |= {
        "status": outcome.status.value,
        "untranslated_sections": list(outcome.untranslated),
    }
    return result


@translations_app.command("mark")
def mark(
    content: Annotated[
        Path,
        typer.Argument(help="The docs folder.", exists=True, file_okay=False, resolve_path=True),
    ],
    lang: Annotated[str, typer.Option(help="Language of the translations, ISO 639-1.")],
    chapter_ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Chapters whose translation is now current (default: every translated one).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Record that translations are up to date with the English as it is now.

    Run it after updating files in
    CONTENT/i18n/LANG/docusaurus-plugin-content-docs/current/. It writes the
    English source hash and section hashes to the manifest
    CONTENT/i18n/LANG/tailored-translations.json; later English edits show as stale.
    """
    target = _lang(lang)
    loaded = load_docs(content)
    by_id = {c.id: c for c in loaded.chapters}
    if chapter_ids:
        chosen: list[ParsedChapter] = []
        for raw in chapter_ids:
            try:
                wanted = validate_chapter_id(raw)
            except InvalidChapterId as exc:
                fail(f"invalid chapter id: {exc}", 2)
            if wanted not in by_id:
                fail(f"no chapter {wanted!r} in {content}", 2)
            chosen.append(by_id[wanted])
        missing = [c.id for c in chosen if human.find(content, target, c.path) is None]
        if missing:
            fail(
                f"no {target} translation of {', '.join(missing)} "
                f"(expected under i18n/{target}/docusaurus-plugin-content-docs/current/)"
            )
    else:
        chosen = [c for c in loaded.chapters if human.find(content, target, c.path) is not None]
        if not chosen:
            fail(f"no {target} translations under {content / 'i18n' / target}")
    path = human.record(content, target, [(c.path, c.source, c.source_hash) for c in chosen])
    for chapter in chosen:
        console.print(f"marked {chapter.id} ({chapter.path})", highlight=False)
    console.print(f"wrote {path}", highlight=False)
