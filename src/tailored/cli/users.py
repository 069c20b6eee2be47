from __future__ import annotations

from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from tailored.accounts import service
from tailored.accounts.schemas import Email
from tailored.cli.common import ExitCode, console, fail, open_state, run, settings_from
from tailored.errors import AppError
from tailored.kit.db import transaction
from tailored.models import Role

app = typer.Typer(help="Manage accounts.", no_args_is_help=True)


@app.command("create-admin")
def create_admin(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Email address of the new admin.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="TAILORED_ADMIN_PASSWORD",
            help="Prompted for when not given; or set TAILORED_ADMIN_PASSWORD.",
        ),
    ],
) -> None:
    """Create an account with the admin role."""
    try:
        address = TypeAdapter(Email).validate_python(email)
    except ValidationError:
        fail(f"not a valid email address: {email}", ExitCode.USAGE)
    settings = settings_from(ctx)

    async def _create() -> None:
        async with (
            open_state(settings) as state,
            transaction(state.sessionmaker, write=True) as session,
        ):
            await service.register(
                session,
                settings,
                state.passwords,
                email=address,
                password=password,
                role=Role.admin,
            )

    try:
        run(_create())
    except AppError as exc:
        fail(str(exc.detail))
    console.print(f"admin {address} created")
