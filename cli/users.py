"""`remit users create|list|set-role|disable|reset-password`: the people who sign in to the
workbench. A one-time password is printed once (create, reset-password) and must be replaced
at the next sign-in. Exit 1 when the command is refused (unknown role or person, a taken
address, already disabled), with the reason on stderr.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from cli.common import fail, print_json, runtime

app = typer.Typer(
    no_args_is_help=True, help="People who sign in to the workbench (roles, passwords)."
)

ROLE_HELP = "viewer (reads), reviewer (+ reviews and applies cash), admin (everything)"
ACTOR = "cli"


def _refused(error: Exception) -> NoReturn:
    fail(str(error), code=1)


@app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="the person's e-mail address (their sign-in)")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a person; their one-time password is printed once, as the last word (with
    --json: `password`). They choose their own at the first sign-in."""
    from core.errors import RemitError
    from workflows.users import create_user

    try:
        issued = create_user(runtime(), email, role=role, actor=ACTOR)
    except RemitError as error:
        _refused(error)
    person = issued.person
    if as_json:
        print_json({**person.as_json(), "password": issued.password})
        return
    print(f"created user #{person.id} {person.email} ({person.role}); "
          f"one-time password: {issued.password}")


@app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Everyone, by e-mail address, with their role and state."""
    from workflows.users import list_users

    people = list_users(runtime())
    if as_json:
        print_json([person.as_json() for person in people])
        return
    for person in people:
        state = (
            "disabled" if person.disabled_at
            else "must choose a password" if person.must_change_password
            else "active"
        )
        last = (
            person.last_sign_in_at.isoformat(timespec="seconds")
            if person.last_sign_in_at
            else "never"
        )
        print(f"#{person.id}\t{person.email}\t{person.role}\t{state}\tlast sign-in: {last}")
    if not people:
        print("no users: create one with `remit users create EMAIL --role admin`")


@app.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Argument(help="the person's e-mail address")],
    role: Annotated[str, typer.Argument(help=ROLE_HELP)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Give a person another role; their open sessions get it at their next request."""
    from core.errors import RemitError
    from workflows.users import set_role

    try:
        person = set_role(runtime(), email, role=role, actor=ACTOR)
    except RemitError as error:
        _refused(error)
    if as_json:
        print_json(person.as_json())
        return
    print(f"{person.email} is now {person.role}")


@app.command("disable")
def users_disable(
    email: Annotated[str, typer.Argument(help="the person's e-mail address")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stop a person signing in and end their sessions at once (the audit trail keeps them)."""
    from core.errors import RemitError
    from workflows.users import disable_user

    try:
        person = disable_user(runtime(), email, actor=ACTOR)
    except RemitError as error:
        _refused(error)
    if as_json:
        print_json(person.as_json())
        return
    print(f"disabled {person.email}")


@app.command("reset-password")
def users_reset_password(
    email: Annotated[str, typer.Argument(help="the person's e-mail address")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A new one-time password, printed once as the last word; the person's sessions end and
    the next sign-in asks for a password of their own."""
    from core.errors import RemitError
    from workflows.users import reset_password

    try:
        issued = reset_password(runtime(), email, actor=ACTOR)
    except RemitError as error:
        _refused(error)
    if as_json:
        print_json({**issued.person.as_json(), "password": issued.password})
        return
    print(f"new one-time password for {issued.person.email}: {issued.password}")
