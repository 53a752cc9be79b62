"""`remit mandates import FILE` and `remit collect --as-of DATE --out DIR [--send CONNECTION]`:
direct debits (README, Direct debits)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_REJECTED, fail, load_settings, parse_date, print_json, runtime

mandates_app = typer.Typer(no_args_is_help=True, help="Direct-debit mandates (who may be debited, from which account).")
app = typer.Typer()


@mandates_app.command("import")
def mandates_import(
    file: Annotated[Path, typer.Argument(help="CSV: mandate_id,customer_id,scheme,account,signed_on[,account_type,status]",
                                         exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as one JSON object")] = False,
) -> None:
    """Upsert mandates by mandate_id. Exit 0: every row imported; 2: rows refused (each named
    by its file line; the others are imported) or the file is unreadable (nothing imported)."""
    from receivables.mandates import MandateFileError
    from workflows.direct_debit import import_mandates

    settings = load_settings()
    try:
        result = import_mandates(runtime(settings), file.read_bytes(), file=file.name, actor="cli:mandates-import")
    except (MandateFileError, OSError) as error:
        fail(f"{file.name}: rejected, nothing imported: {error}")
    if as_json:
        print_json(result.as_json())
    else:
        print(f"{result.file}: {result.rows_read} rows: {result.created} created, {result.updated} updated, "
              f"{result.unchanged} unchanged, {len(result.errors)} refused")
    for error in result.errors:
        print(f"remit: refused: {error}", file=sys.stderr)
    if result.errors:
        raise typer.Exit(EXIT_REJECTED)


@app.command("collect")
def collect(
    as_of: Annotated[str, typer.Option("--as-of", help="collect what is due on or before this date (YYYY-MM-DD)")],
    out: Annotated[Path, typer.Option("--out", help="folder the pain.008 / NACHA files are written to",
                                      file_okay=False)],
    as_json: Annotated[bool, typer.Option(
        "--json", help='print [{"file","format","entries","total","currency","send"}]')] = False,
    send: Annotated[list[str] | None, typer.Option(
        "--send", metavar="CONNECTION",
        help="queue the files for this SFTP connection's upload_dir (repeat for a bank per format; "
             "`remit sftp send` or the scheduler sends them)")] = None,
) -> None:
    """Debit instructions for the open invoices of customers with an active mandate, due on or
    before --as-of: one pain.008 (SEPA, EUR) and one NACHA file (ACH, USD). Each debit is
    recorded against its invoice, and each file kept byte for byte for sending; a run again
    writes nothing new for invoices already being collected."""
    from core.errors import RemitError
    from workflows.direct_debit import collect as run_collect

    day = parse_date(as_of)
    settings = load_settings()
    try:
        files, skipped = run_collect(runtime(settings), as_of=day, out=out, actor="cli:collect", send=send)
    except RemitError as error:
        fail(f"nothing collected: {error}")
    if as_json:
        print_json(files)
    else:
        for f in files:
            queued = f", queued for {f['send']}" if f["send"] else ""
            print(f"{f['file']} ({f['format']}): {f['entries']} debit(s), {f['total']} {f['currency']}{queued}")
        if not files:
            print("nothing to collect")
    for why in skipped:
        print(f"remit: not collected: {why}", file=sys.stderr)
