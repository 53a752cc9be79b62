"""`remit invoices import`: the invoice book (open items from the AR system), DESIGN.md §6."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli.common import EXIT_REJECTED, SHOWN_ISSUES, fail, load_settings, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="The invoice book (open items from the AR system).")


@app.command("import")
def invoices_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header row, or JSON Lines", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as one JSON object")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="csv | jsonl (default: from name and content)")] = None,
) -> None:
    """Upsert invoices by invoice_number, with their customers, names, accounts and aliases.

    Exit 0: every row imported. Exit 2: some rows rejected (the good ones are imported), or
    the file is unreadable (nothing imported). Exit 1: the database refused the import
    (nothing imported).
    """
    import gc

    from sqlalchemy.exc import SQLAlchemyError

    from reconcile.invoice_rows import BookFileError, parse_book
    from workflows.invoices import import_invoices

    # A book is hundreds of thousands of acyclic objects: the cyclic collector would rescan
    # them over and over (a tenth of the command's CPU) to find nothing. The process ends here.
    gc.disable()
    if format is not None and format not in ("csv", "jsonl"):
        fail(f"unknown format {format!r}; one of: csv, jsonl")
    settings = load_settings()
    try:
        if file.stat().st_size > settings.max_file_bytes:
            fail(f"{file.name}: rejected, nothing imported: larger than {settings.max_file_bytes} bytes")
        book = parse_book(file.read_bytes(), file.name, format=format)
    except (BookFileError, OSError) as error:
        fail(f"{file.name}: rejected, nothing imported: {error}")
    rt = runtime(settings)
    try:
        result = import_invoices(rt, book, file=file.name, actor="cli:invoices-import")
    except SQLAlchemyError as error:
        fail(f"{file.name}: the database refused the import, nothing imported: "
             f"{getattr(error, 'orig', None) or error}", code=1)
    if as_json:
        print_json(result.as_json())
    else:
        _print_import_summary(result)
    if result.errors:
        raise typer.Exit(EXIT_REJECTED)


def _print_import_summary(result: Any) -> None:
    print(
        f"{result.file} ({result.format}): {result.rows_read} rows: {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {result.skipped} skipped"
        + (f" ({result.rejected} rejected, {len(result.held)} held: cash applied in remit)" if result.held else "")
    )
    print(
        f"customers: {result.customers_created} created, {result.customers_renamed} renamed; "
        f"{result.accounts_added} account(s) and {result.aliases_added} alias(es) added"
    )
    rematched = result.rematched or {}
    if rematched.get("applied") or rematched.get("review") or rematched.get("error"):
        print(f"money on account matched again: {rematched.get('applied', 0)} applied, "
              f"{rematched.get('review', 0)} left as they were"
              + (f" (failed: {rematched['error']})" if rematched.get("error") else ""))
    for label, items in (("error", result.errors), ("warning", result.warnings)):
        for item in items[:SHOWN_ISSUES]:
            print(f"  {label}: {item}")
        if len(items) > SHOWN_ISSUES:
            print(f"  ... {len(items) - SHOWN_ISSUES} more {label}s (--json lists them all)")
