"""`remit reminders run|list|done`: payment reminders (dunning runs). Each command calls one
use case (workflows.dunning), which owns its transaction.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import as_of_date, fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Payment reminders (dunning runs).")


@app.command("run")
def reminders_run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today, UTC)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list only: write and send nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Decide the reminders due and send (email) or queue (call, letter, agency) them.

    --json prints [{"invoice_number","customer_id","step","channel","days_past_due"}],
    plus status and error after a real run."""
    from workflows.dunning import run_reminders

    day = as_of_date(as_of)
    out = run_reminders(runtime(), as_of=day, actor="cli:reminders", dry_run=dry_run)
    if as_json:
        keys = ("invoice_number", "customer_id", "step", "channel", "days_past_due")
        if dry_run:
            print_json([{k: r[k] for k in keys} for r in out])
        else:
            print_json(
                [
                    {**{k: r[k] for k in keys}, "status": r["status"], "error": r["error"]}
                    for r in out
                ]
            )
        return
    for r in out:
        what = r["invoice_number"] or f"{r.get('plan_reference')} #{r.get('instalment_seq')}"
        status = r.get("status", "would send" if r["channel"] == "email" else "would queue")
        error = f"  ({r['error']})" if r.get("error") else ""
        print(
            f"{r['customer_id']:<12} {what:<16} {r['step']:<12} {r['channel']:<7} "
            f"{r['days_past_due']:+5d}d  {status}{error}"
        )
    print(f"{len(out)} reminder(s){' (dry run)' if dry_run else ''}")


@app.command("list")
def reminders_list(
    invoice: Annotated[str | None, typer.Option(help="invoice number")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="sending | sent | failed | undeliverable | unknown | queued | done"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Reminders on record, newest first."""
    from workflows.dunning import list_reminders

    out = list_reminders(runtime(), invoice_number=invoice, status=status, limit=limit)
    if as_json:
        print_json(out)
        return
    for r in out:
        print(
            f"#{r['reminder_id']:<6} {r['as_of']} {r['invoice_number'] or '-':<14} "
            f"{r['step']:<12} {r['channel']:<7} {r['status']:<7} {r['error'] or ''}"
        )


@app.command("done")
def reminders_done(reminder_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Mark a queued task (call, letter, agency hand-off) done."""
    from receivables.reminders import ReminderError
    from workflows.dunning import mark_done

    rt = runtime()
    try:
        out = mark_done(rt, reminder_id, actor="cli:reminders")
    except ReminderError as error:
        fail(str(error))
    print_json(out)


@app.command("resend")
def reminders_resend(reminder_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Send an unknown, undeliverable or failed email reminder again on the next run (for an
    unknown one, check the mail server's log for its Message-ID first: it may have arrived)."""
    from receivables.reminders import ReminderError
    from workflows.dunning import resend_reminder

    rt = runtime()
    try:
        out = resend_reminder(rt, reminder_id, actor="cli:reminders")
    except ReminderError as error:
        fail(str(error))
    print_json(out)
