"""The root `remit` app: the command modules composed, in the order `remit --help` lists them.

The modules import cli.common and the packages below cli/, never this one. An error no
command caught is one line on stderr (exit 1), not a traceback showing program source:
`--debug` (or REMIT_DEBUG=1) shows Typer's traceback instead, never with local variables
(they hold keys and passwords).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli import (
    advices,
    apikey,
    bank_files,
    bank_review,
    cash,
    customers,
    db,
    disputes,
    direct_debit,
    dunning,
    fees,
    invoices,
    metrics,
    plans,
    reminders,
    serve,
    sftp,
    users,
    webhooks,
)
from cli.common import EXIT_FAILED, EXIT_REJECTED, error_line

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="remit: bank files to cash applied.",
    pretty_exceptions_enable=False,  # turned on by --debug (_root)
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option(
        "--debug", envvar="REMIT_DEBUG", help="show the traceback of an unexpected error")] = False,
) -> None:
    """remit: bank files to cash applied."""
    # Read by Typer when a command raises (after this callback ran), and by main().
    app.pretty_exceptions_enable = debug


# Top-level commands (`remit ingest`, `remit match`, ...): each module's app holds them unnamed.
for module in (bank_files, serve, cash, metrics, direct_debit):
    app.registered_commands.extend(module.app.registered_commands)

# Command groups (`remit invoices import`, ...).
app.add_typer(bank_files.files_app, name="files")
bank_files.files_app.command("checks")(bank_review.checks)
bank_files.files_app.command("close-check")(bank_review.close_check)
app.add_typer(bank_review.app, name="nocs")
app.add_typer(direct_debit.mandates_app, name="mandates")
app.add_typer(advices.app, name="advices")
for name, module in (
    ("db", db),
    ("apikey", apikey),
    ("users", users),
    ("invoices", invoices),
    ("customers", customers),
    ("sftp", sftp),
    ("webhooks", webhooks),
    ("disputes", disputes),
    ("fees", fees),
    ("dunning", dunning),
    ("reminders", reminders),
    ("plans", plans),
):
    app.add_typer(module.app, name=name)


def main() -> None:
    from sqlalchemy.exc import InterfaceError, OperationalError

    from core.errors import RemitError

    try:
        app()
    except Exception as error:
        if app.pretty_exceptions_enable:
            raise  # --debug: Typer's hook prints the traceback
        if isinstance(error, RemitError):  # a refusal no command worded: still a refusal
            print(f"remit: {error}", file=sys.stderr)
            sys.exit(EXIT_REJECTED)
        what = ("database error" if isinstance(error, (OperationalError, InterfaceError))
                else f"unexpected error ({type(error).__name__})")
        print(f"remit: {what}: {error_line(error)} (--debug shows the traceback)", file=sys.stderr)
        sys.exit(EXIT_FAILED)
