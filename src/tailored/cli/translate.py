"""`tailored translate` (offline, no server, no database) and `tailored translations mark`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from tailored.cli.common import console, fail, run, settings_from
from tailored.config import Settings
from tailored.content import service as content_service
from tailored.content.ids import InvalidChapterId, validate_chapter_id
from tailored.content.loader import ParsedChapter, load_docs
from tailored.derived.recorder import Recorder
from tailored.errors import NoTranslationAvailable, TranslationSetupError
from tailored.kit.cache import create_cache
from tailored.kit.db import create_engine, create_sessionmaker, transaction
from tailored.kit.languages import InvalidLanguage, parse_language
from tailored.llm.router import build_chain
from tailored.models import Base
from tailored.translation import human
from tailored.translation.engine import Translator
from tailored.translation.results import Translated

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
    try:
        result = run(_translate_offline(settings, content, chapter, target))
    except NoTranslationAvailable as exc:
        # The API's own message, and what is configured (the API lists it as a field).
        detail: dict[str, Any] = exc.detail if isinstance(exc.detail, dict) else {}
        configured = "; ".join(detail.get("machine_translators", []))
        fail(f"{detail.get('message', exc.detail)} ({configured})")
    except TranslationSetupError as exc:
        fail(str(exc.detail))
    out: dict[str, Any] = {
        "chapter_id": result.chapter_id,
        "lang": result.lang,
        "direction": result.direction,
        "source_hash": result.source_hash,
        "content": result.content,
        "source": result.source,
        "translator": result.translator,
        "made_from": result.made_from,
        "stale": result.stale,
        "changed_sections": list(result.changed_sections),
        "verification": {"ok": result.verified, "issues": list(result.issues)},
    }
    if result.source == "machine":
        out |= {
            "status": result.status.value,
            "untranslated_sections": list(result.untranslated_sections),
        }
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        typer.echo(result.content, nl=False)
        if result.stale:
            changed = ", ".join(result.changed_sections) or "no manifest entry"
            console.print(f"[yellow]warning:[/yellow] stale translation ({changed})", style="")


async def _translate_offline(
    settings: Settings, content: Path, parsed: ParsedChapter, target: str
) -> Translated:
    """The server's own translation pipeline (human, then machine) over a throwaway database,
    so the command decides exactly as the API does."""
    config = settings.translation
    chain = build_chain(settings.llm) if "llm" in config.machine else None
    with tempfile.TemporaryDirectory(prefix="tailored-translate-") as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'translate.db'}")
        cache = create_cache("memory://")
        try:
            # A scratch database: the schema from the models (no migration history needed).
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            maker = create_sessionmaker(engine)
            async with transaction(maker) as session:
                session.add(content_service.chapter_row(parsed))
            async with transaction(maker) as session:
                chapter = await content_service.get_chapter(session, parsed.id)
            translator = Translator.build(
                settings.model_copy(update={"content_dir": content}),
                cache=cache,
                recorder=Recorder(maker),
                llm=chain,
                sessionmaker=maker,
            )
            return await translator.translate(chapter, target)
        finally:
            if chain is not None:
                await chain.aclose()
            await cache.close()
            await engine.dispose()


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
