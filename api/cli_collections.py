"""`remit disputes open|resolve|list` and `remit fees run|list` (issue 5: disputes, late fees).

Each command is one transaction (the command owns it; services never commit). Refusals exit
1 with the reason on stderr; nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Optional

import typer

from api.cli import _fail, _print_json, app, cli_runtime

disputes_app = typer.Typer(no_args_is_help=True, help="Disputed invoice amounts.")
fees_app = typer.Typer(no_args_is_help=True, help="Late fees on overdue invoices.")
app.add_typer(disputes_app, name="disputes")
app.add_typer(fees_app, name="fees")


def _as_of(value: Optional[str]) -> date:
    if not value:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--as-of must be a date YYYY-MM-DD, not {value!r}", code=1)
        raise  # unreachable: _fail exits


@disputes_app.command("open")
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
    from ledger.db import transaction
    from receivables import disputes

    try:
        value = D(amount)
    except AmountError:
        _fail(f"--amount {amount!r} is not an amount", code=1)
    rt = cli_runtime()
    try:
        with transaction(rt.engine) as session:
            d = disputes.open_dispute(
                session,
                invoice_number=invoice,
                amount=value,
                reason_code=reason,
                note=note,
                actor=f"cli:{actor}",
            )
            out = disputes.get_dispute(session, d.id)
    except disputes.DisputeError as error:
        _fail(f"not opened: {error}", code=1)
    if as_json:
        _print_json(out)
    else:
        print(
            f"dispute #{out['dispute_id']} opened on {invoice}: {out['amount']} "
            f"{out['currency']} ({reason})"
        )


@disputes_app.command("resolve")
def disputes_resolve(
    dispute_id: Annotated[int, typer.Argument(help="dispute id (see `remit disputes list`)")],
    resolution: Annotated[str, typer.Option(help="credit | write_off | rebill | rejected")],
    note: Annotated[Optional[str], typer.Option()] = None,
    actor: Annotated[str, typer.Option(help="who resolves it (audited)")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Close a dispute: credit / write_off take the amount off the invoice; rebill /
    rejected leave it due."""
    from ledger.db import transaction
    from receivables import disputes

    rt = cli_runtime()
    try:
        with transaction(rt.engine) as session:
            disputes.resolve_dispute(
                session,
                dispute_id=dispute_id,
                resolution=resolution,
                note=note,
                actor=f"cli:{actor}",
            )
            out = disputes.get_dispute(session, dispute_id)
    except disputes.DisputeError as error:
        _fail(f"not resolved: {error}", code=1)
    if as_json:
        _print_json(out)
    else:
        print(f"dispute #{dispute_id} resolved: {resolution}")


@disputes_app.command("list")
def disputes_list(
    status: Annotated[Optional[str], typer.Option(help="open | resolved")] = None,
    invoice: Annotated[Optional[str], typer.Option(help="invoice number")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Disputes, newest first."""
    from ledger.db import transaction
    from receivables import disputes

    if status not in (None, "open", "resolved"):
        _fail(f"--status is open or resolved, not {status!r}", code=1)
    rt = cli_runtime()
    with transaction(rt.engine) as session:
        out = disputes.list_disputes(
            session, status=status, invoice_number=invoice, limit=1_000_000
        )
    if as_json:
        _print_json(out)
        return
    for d in out:
        print(
            f"#{d['dispute_id']:<5} {d['status']:<8} {d['invoice_number']:<14} "
            f"{d['amount']:>12} {d['currency']}  {d['reason_code']:<17} "
            f"{d['resolution'] or ''}"
        )


@fees_app.command("run")
def fees_run(
    as_of: Annotated[Optional[str], typer.Option(help="charge as of (YYYY-MM-DD)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list, write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Charge the late fees due (REMIT_LATE_FEE_MODE); a re-run never charges twice."""
    from ledger.db import transaction
    from receivables import fee_job

    day = _as_of(as_of)
    rt = cli_runtime()
    with transaction(rt.engine) as session:
        run = fee_job.run_fees(
            session,
            policy=fee_job.policy_from_settings(rt.settings),
            as_of=day,
            actor="cli:fees",
            dry_run=dry_run,
        )
    out = run.as_json()
    if as_json:
        _print_json(out)
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


@fees_app.command("list")
def fees_list(
    status: Annotated[Optional[str], typer.Option(help="open | exported | void")] = None,
    invoice: Annotated[Optional[str], typer.Option(help="invoice number")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fee items, oldest first."""
    from ledger.db import transaction
    from receivables import fee_job

    if status not in (None, "open", "exported", "void"):
        _fail(f"--status is open, exported or void, not {status!r}", code=1)
    rt = cli_runtime()
    with transaction(rt.engine) as session:
        out = fee_job.list_fees(session, invoice_number=invoice, status=status, limit=1_000_000)
    if as_json:
        _print_json(out)
        return
    for f in out:
        print(
            f"#{f['fee_id']:<5} {f['status']:<8} {f['invoice_number']:<14} {f['kind']:<17} "
            f"{f['period_end']} {f['amount']:>10} {f['currency']}"
        )
