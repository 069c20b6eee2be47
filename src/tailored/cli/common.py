"""What every command shares: settings from the global options, one-line failures."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from tailored.config import Settings, load_settings

T = TypeVar("T")
err_console = Console(stderr=True)
console = Console()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit: no stack traces for people."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def settings_from(ctx: typer.Context, **overrides: Any) -> Settings:
    config_file: Path | None = (ctx.obj or {}).get("config_file")
    try:
        return load_settings(config_file, **{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        fail(f"invalid configuration: {where}: {first.get('msg')}", 2)
    except ValueError as exc:
        fail(f"invalid configuration: {exc}", 2)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
