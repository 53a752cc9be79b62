"""The root `remit` app: the command modules composed, in the order `remit --help` lists them.

The modules import cli.common and the packages below cli/, never this one.
"""

from __future__ import annotations

import typer

from cli import (
    apikey,
    bank_files,
    bank_review,
    cash,
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
    webhooks,
)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="remit: bank files to cash applied.")

# Top-level commands (`remit ingest`, `remit match`, ...): each module's app holds them unnamed.
for module in (bank_files, serve, cash, metrics, direct_debit):
    app.registered_commands.extend(module.app.registered_commands)

# Command groups (`remit invoices import`, ...).
app.add_typer(bank_files.files_app, name="files")
bank_files.files_app.command("checks")(bank_review.checks)
bank_files.files_app.command("close-check")(bank_review.close_check)
app.add_typer(bank_review.app, name="nocs")
app.add_typer(direct_debit.mandates_app, name="mandates")
for name, module in (
    ("db", db),
    ("apikey", apikey),
    ("invoices", invoices),
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
    app()
