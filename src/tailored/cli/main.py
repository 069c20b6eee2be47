"""`tailored`: the command line. One module per command group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tailored import __version__
from tailored.cli import cache, content, db, ops, personalize, serve, signals, translate, users
from tailored.cli.common import EXIT_CODES_HELP, CliGroup

app = typer.Typer(
    name="tailored",
    help="Tailored: every chapter of your Markdown/MDX docs, adapted to each learner.",
    epilog=EXIT_CODES_HELP,
    cls=CliGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tailored {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML config file (see tailored.example.toml). Env: TAILORED_CONFIG_FILE.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the traceback of an error. Env: TAILORED_DEBUG.",
            envvar="TAILORED_DEBUG",
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Settings come from TAILORED_* environment variables, then the config file."""
    ctx.obj = {"config_file": config, "debug": debug}


app.command("serve")(serve.serve)
app.command("ingest")(content.ingest)
app.command("personalize")(personalize.personalize)
app.command("cleanup")(ops.cleanup)
app.command("stats")(ops.stats)
app.add_typer(cache.app, name="cache")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(signals.keys_app, name="keys")
app.add_typer(signals.rollups_app, name="rollups")
translate.register(app)
