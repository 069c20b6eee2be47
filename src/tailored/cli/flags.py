"""`tailored flags ...`: feature flags from the command line (the admin API's twin)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from tailored.cli.common import ExitCode, console, fail, open_state, run, settings_from
from tailored.errors import FlagExists, FlagNotFound, InvalidFlag
from tailored.flags import service
from tailored.flags.schemas import FlagChange, FlagIn, FlagOut
from tailored.kit.db import transaction

app = typer.Typer(help="Feature flags: create, list, change, delete.", no_args_is_help=True)

Variants = Annotated[
    list[str] | None,
    typer.Option("--variant", help="NAME=JSON, repeatable (a multi-variant flag)."),
]
Rollout = Annotated[
    list[str] | None,
    typer.Option("--rollout", help="VARIANT=PERCENT, repeatable; adds up to 100 (sticky split)."),
]
Rules = Annotated[
    list[str] | None,
    typer.Option(
        "--rule",
        help='A targeting rule as JSON, repeatable, in order: {"when": [{"attribute": '
        '"software_level", "op": "in", "values": ["beginner"]}], "variant": "on"}.',
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _pairs(items: list[str] | None, what: str, parse: Any) -> dict[str, Any] | None:
    if not items:
        return None
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            fail(f"{what} must look like NAME=VALUE, not {item!r}", ExitCode.USAGE)
        try:
            out[name] = parse(raw)
        except ValueError:
            fail(f"{what} {name}: {raw!r} is not valid", ExitCode.USAGE)
    return out


def _rules(items: list[str] | None) -> list[Any] | None:
    if items is None:
        return None
    try:
        return [json.loads(item) for item in items]
    except ValueError as exc:
        fail(f"--rule is not JSON: {exc}", ExitCode.USAGE)


def _model(cls: type[FlagChange], **values: Any) -> FlagChange:
    try:
        return cls.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "flag"
        fail(f"invalid flag: {where}: {first.get('msg')}", ExitCode.USAGE)


def _show(flag: FlagOut) -> None:
    state = "on" if flag.enabled else "KILLED (off variant served)"
    console.print(f"{flag.key} v{flag.version} {flag.kind} {state}", highlight=False)
    console.print_json(json.dumps(flag.model_dump(mode="json", exclude={"created_at"})))


def _apply(ctx: typer.Context, work: Any) -> FlagOut:
    settings = settings_from(ctx)

    async def _run() -> FlagOut:
        async with open_state(settings) as state:
            async with transaction(state.sessionmaker, write=True) as session:
                result: FlagOut = await work(session)
            return result

    try:
        return run(_run())
    except (FlagNotFound, InvalidFlag) as exc:
        fail(str(exc.detail), ExitCode.USAGE)
    except FlagExists as exc:
        fail(str(exc.detail))


@app.command("create")
def create(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Flag key: lowercase letters, digits, . _ -")],
    variant: Variants = None,
    default: Annotated[
        str | None, typer.Option(help="Variant served when nothing else is.")
    ] = None,
    off: Annotated[str | None, typer.Option(help="Variant served while killed.")] = None,
    rollout: Rollout = None,
    rule: Rules = None,
    description: Annotated[str | None, typer.Option(help="What the flag is for.")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Start killed.")] = False,
) -> None:
    """Create a flag: boolean (variants on/off, default off) unless --variant is given."""
    variants = _pairs(variant, "--variant", json.loads)
    body = _model(
        FlagIn,
        key=key,
        kind="variant" if variants else "boolean",
        variants=variants,
        default_variant=default,
        off_variant=off,
        rollout=_pairs(rollout, "--rollout", float),
        rules=_rules(rule),
        description=description,
        enabled=False if disabled else None,
    )
    assert isinstance(body, FlagIn)
    _show(_apply(ctx, lambda session: service.create_flag(session, body)))


@app.command("set")
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The flag to change.")],
    enabled: Annotated[
        bool | None, typer.Option("--enable/--kill", help="The kill switch.", show_default=False)
    ] = None,
    default: Annotated[
        str | None, typer.Option(help="Variant served when nothing else is.")
    ] = None,
    off: Annotated[str | None, typer.Option(help="Variant served while killed.")] = None,
    rollout: Rollout = None,
    clear_rollout: Annotated[bool, typer.Option(help="Drop the rollout split.")] = False,
    rule: Rules = None,
    clear_rules: Annotated[bool, typer.Option(help="Drop every targeting rule.")] = False,
    description: Annotated[str | None, typer.Option(help="What the flag is for.")] = None,
) -> None:
    """Change a flag (fields not given are kept); each change moves its version."""
    change = _model(
        FlagChange,
        enabled=enabled,
        default_variant=default,
        off_variant=off,
        rollout=_pairs(rollout, "--rollout", float),
        clear_rollout=clear_rollout,
        rules=[] if clear_rules else _rules(rule),
        description=description,
    )
    _show(_apply(ctx, lambda session: service.change_flag(session, key, change)))


@app.command("list")
def list_(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every flag with its state, default and rollout."""
    settings = settings_from(ctx)

    async def _list() -> list[FlagOut]:
        async with open_state(settings) as state, transaction(state.sessionmaker) as session:
            return await service.list_flags(session)

    flags = run(_list())
    if as_json:
        console.print_json(json.dumps([f.model_dump(mode="json") for f in flags]))
        return
    table = Table("key", "kind", "enabled", "default", "rollout", "rules", "version")
    for f in flags:
        split = ", ".join(f"{k} {v:g}%" for k, v in (f.rollout or {}).items())
        enabled = "yes" if f.enabled else "KILLED"
        table.add_row(
            f.key, f.kind, enabled, f.default_variant, split, str(len(f.rules)), str(f.version)
        )
    console.print(table)


@app.command("delete")
def delete(
    ctx: typer.Context, key: Annotated[str, typer.Argument(help="The flag to delete.")]
) -> None:
    """Delete a flag (clients then serve their code default)."""
    settings = settings_from(ctx)

    async def _delete() -> None:
        async with (
            open_state(settings) as state,
            transaction(state.sessionmaker, write=True) as session,
        ):
            await service.delete_flag(session, key)

    try:
        run(_delete())
    except FlagNotFound as exc:
        fail(f"{exc.detail}: {key}", ExitCode.USAGE)
    console.print(f"flag {key} deleted")
