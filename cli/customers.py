"""`remit customers import FILE`: the customers of the AR book with their e-mail addresses,
phones, segments, parents and bank accounts (DESIGN.md §6), all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import sys

import typer

from cli.common import EXIT_REJECTED, SHOWN_ISSUES, fail, load_settings, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Customers (e-mail for reminders, accounts, parents).")


@app.command("import")
def customers_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header row, or JSON Lines", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as one JSON object")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="csv | jsonl (default: from name and content)")] = None,
) -> None:
    """Upsert customers by customer_id: customer_id, name, email (+ phone, segment, parent_id,
    accounts). Exit 0: every row imported. Exit 2: nothing imported — the errors name the
    line (the header is line 1), the column and the value."""
    from sqlalchemy.exc import SQLAlchemyError

    from core.errors import RemitError
    from receivables.customer_rows import BookFileError, parse_customers
    from workflows.customers import import_customer_file

    if format is not None and format not in ("csv", "jsonl"):
        fail(f"unknown format {format!r}; one of: csv, jsonl")
    settings = load_settings()
    try:
        if file.stat().st_size > settings.max_file_bytes:
            fail(f"{file.name}: rejected, nothing imported: larger than {settings.max_file_bytes} bytes")
        cfile = parse_customers(file.read_bytes(), file.name, format=format)
    except (BookFileError, OSError) as error:
        fail(f"{file.name}: rejected, nothing imported: {error}")
    try:
        result = import_customer_file(runtime(settings), cfile, file=file.name, actor="cli:customers-import")
    except RemitError as error:
        fail(f"{file.name}: nothing imported: {error}")
    except SQLAlchemyError as error:
        fail(f"{file.name}: the database refused the import, nothing imported: "
             f"{getattr(error, 'orig', None) or error}", code=1)
    if as_json:
        print_json(result.as_json())
    elif result.errors:
        print(f"{file.name} ({result.format}): {result.rows_read} rows: nothing imported, "
              f"{len(result.errors)} error(s)")
    else:
        print(f"{file.name} ({result.format}): {result.rows_read} rows: {result.created} created, "
              f"{result.updated} updated, {result.unchanged} unchanged; accounts: "
              f"{result.accounts_added} added, {result.accounts_removed} removed")
    if result.errors:
        for error in result.errors[:SHOWN_ISSUES]:
            print(f"remit: {file.name}: line {str(error).removeprefix('row ')}", file=sys.stderr)
        if len(result.errors) > SHOWN_ISSUES:
            print(f"remit: ... {len(result.errors) - SHOWN_ISSUES} more (--json lists them all)",
                  file=sys.stderr)
        raise typer.Exit(EXIT_REJECTED)
    for warning in result.warnings:
        print(f"  warning: {warning}")
