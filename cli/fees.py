"""`remit fees run|list` (issue 5): late fees on overdue invoices.

Each command calls one use case (workflows.fees), which owns its transaction. Refusals exit
1 with the reason on stderr; nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.common import as_of_date, fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Late fees on overdue invoices.")


@app.command("run")
def fees_run(
    as_of: Annotated[Optional[str], typer.Option(help="charge as of (YYYY-MM-DD)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list, write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Charge the late fees due (REMIT_LATE_FEE_MODE); a re-run never charges twice."""
    from workflows.fees import run_fees

    day = as_of_date(as_of, code=1)
    out = run_fees(runtime(), as_of=day, actor="cli:fees", dry_run=dry_run)
    if as_json:
        print_json(out)
        return
    verb = "would charge" if dry_run else "charged"
    totals = ", ".join(f"{v} {k}" for k, v in out["totals"].items()) or "nothing"
    print(
        f"late fees ({out['mode']}) as of {out['as_of']}: {verb} {len(out['fees'])} fee(s), "
        f"{totals}"
    )
    for f in out["fees"]:
        print(
            f"  {f['invoice_number']:<14} {f['kind']:<17} {f['period_start']}..{f['period_end']}"
            f" {f['amount']:>10} {f['currency']}"
        )


@app.command("list")
def fees_list(
    status: Annotated[Optional[str], typer.Option(help="open | exported | void")] = None,
    invoice: Annotated[Optional[str], typer.Option(help="invoice number")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fee items, oldest first."""
    from workflows.fees import list_fees

    if status not in (None, "open", "exported", "void"):
        fail(f"--status is open, exported or void, not {status!r}", code=1)
    out = list_fees(runtime(), status=status, invoice_number=invoice)
    if as_json:
        print_json(out)
        return
    for f in out:
        print(
            f"#{f['fee_id']:<5} {f['status']:<8} {f['invoice_number']:<14} {f['kind']:<17} "
            f"{f['period_end']} {f['amount']:>10} {f['currency']}"
        )
