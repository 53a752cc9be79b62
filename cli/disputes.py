"""`remit disputes open|resolve|list` (issue 5): disputed invoice amounts.

Each command calls one use case (workflows.disputes), which owns its transaction. Refusals
exit 1 with the reason on stderr; nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.common import fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Disputed invoice amounts.")


@app.command("open")
def disputes_open(
    invoice: Annotated[str, typer.Argument(help="invoice number")],
    reason: Annotated[
        str,
        typer.Option(
            help="pricing, quantity, damaged, not_received, duplicate_billing, deduction, other"
        ),
    ],
    amount: Annotated[str, typer.Option(help="the disputed amount, e.g. 120.00")],
    note: Annotated[Optional[str], typer.Option(help="what the customer says")] = None,
    actor: Annotated[str, typer.Option(help="who records it (audited)")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open a dispute over part (or all) of an invoice's open amount."""
    from core.money import AmountError, D
    from receivables.disputes import DisputeError
    from workflows.disputes import open_dispute

    try:
        value = D(amount)
    except AmountError:
        fail(f"--amount {amount!r} is not an amount", code=1)
    rt = runtime()
    try:
        out = open_dispute(rt, invoice_number=invoice, amount=value, reason_code=reason,
                           note=note, actor=f"cli:{actor}")
    except DisputeError as error:
        fail(f"not opened: {error}", code=1)
    if as_json:
        print_json(out)
    else:
        print(
            f"dispute #{out['dispute_id']} opened on {invoice}: {out['amount']} "
            f"{out['currency']} ({reason})"
        )


@app.command("resolve")
def disputes_resolve(
    dispute_id: Annotated[int, typer.Argument(help="dispute id (see `remit disputes list`)")],
    resolution: Annotated[str, typer.Option(help="credit | write_off | rebill | rejected")],
    note: Annotated[Optional[str], typer.Option()] = None,
    actor: Annotated[str, typer.Option(help="who resolves it (audited)")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Close a dispute: credit / write_off take the amount off the invoice; rebill /
    rejected leave it due."""
    from receivables.disputes import DisputeError
    from workflows.disputes import resolve_dispute

    rt = runtime()
    try:
        out = resolve_dispute(rt, dispute_id=dispute_id, resolution=resolution, note=note,
                              actor=f"cli:{actor}")
    except DisputeError as error:
        fail(f"not resolved: {error}", code=1)
    if as_json:
        print_json(out)
    else:
        print(f"dispute #{dispute_id} resolved: {resolution}")


@app.command("list")
def disputes_list(
    status: Annotated[Optional[str], typer.Option(help="open | resolved")] = None,
    invoice: Annotated[Optional[str], typer.Option(help="invoice number")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Disputes, newest first."""
    from workflows.disputes import list_disputes

    if status not in (None, "open", "resolved"):
        fail(f"--status is open or resolved, not {status!r}", code=1)
    out = list_disputes(runtime(), status=status, invoice_number=invoice)
    if as_json:
        print_json(out)
        return
    for d in out:
        print(
            f"#{d['dispute_id']:<5} {d['status']:<8} {d['invoice_number']:<14} "
            f"{d['amount']:>12} {d['currency']}  {d['reason_code']:<17} "
            f"{d['resolution'] or ''}"
        )
