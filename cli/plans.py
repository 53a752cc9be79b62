"""`remit plans create|list|show|cancel|run`: payment plans (instalment schedules).

Each command calls one use case (workflows.plans), which owns its transaction. Exit code 2
with the reason on stderr when a plan is refused.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import as_of_date, fail, parse_date, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Payment plans: instalments over open invoices.")


@app.command("create")
def create_command(
    customer: Annotated[str, typer.Option("--customer", help="customer id")],
    invoice: Annotated[list[str], typer.Option("--invoice", help="invoice number (repeat)")],
    instalments: Annotated[int, typer.Option("--instalments", help="N equal instalments")],
    first_due: Annotated[
        str, typer.Option("--first-due", help="due date of the first (YYYY-MM-DD)")
    ],
    every: Annotated[str, typer.Option("--every", help="month, 2m, 14d, 2w")] = "month",
    grace_days: Annotated[int, typer.Option("--grace-days", help="days late before it breaks")] = 5,
    note: Annotated[str | None, typer.Option("--note")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A plan of N equal instalments (the rounding remainder on the last) over open invoices."""
    from receivables.plans import PlanError, parse_every
    from workflows.plans import create_plan

    first = parse_date(first_due, option="--first-due")
    rt = runtime()
    try:
        out = create_plan(rt, customer_id=customer, invoice_numbers=invoice,
                          instalments=instalments, first_due=first, every=parse_every(every),
                          grace_days=grace_days, note=note, actor="cli:plans")
    except PlanError as error:
        fail(str(error))
    if as_json:
        print_json(out)
        return
    print(
        f"{out['reference']}: {out['total']} {out['currency']} in {out['instalment_count']} "
        f"instalments for customer {out['customer_id']}"
    )
    for i in out["instalments"]:
        print(f"  {i['seq']:>3}  {i['due_date']}  {i['amount']:>12}")


@app.command("list")
def list_command(
    status: Annotated[
        str | None, typer.Option("--status", help="active|completed|broken|cancelled")
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Payment plans, oldest first."""
    from receivables.plan_service import STATUSES
    from workflows.plans import list_plans

    if status is not None and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    rows = list_plans(runtime(), status=status, customer_id=customer)
    if as_json:
        print_json(rows)
        return
    for p in rows:
        nxt = f"next {p['next_due_amount']} on {p['next_due_date']}" if p["next_due_date"] else ""
        print(
            f"{p['reference']:<12} {p['status']:<10} {p['customer_id']:<12} {p['paid']:>12} of "
            f"{p['total']:>12} {p['currency']}  {nxt}"
        )


@app.command("show")
def show_command(plan_id: int, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One plan with its instalments and invoices."""
    from receivables.plan_service import PlanNotFound
    from workflows.plans import show_plan

    rt = runtime()
    try:
        out = show_plan(rt, plan_id)
    except PlanNotFound as error:
        fail(str(error))
    if as_json:
        print_json(out)
        return
    print(
        f"{out['reference']} ({out['status']}): paid {out['paid']} of {out['total']} {out['currency']}"
    )
    for i in out["instalments"]:
        print(
            f"  {i['seq']:>3}  {i['due_date']}  {i['amount']:>12}  paid {i['paid']:>12}  {i['status']}"
        )


@app.command("cancel")
def cancel_command(
    plan_id: int, note: Annotated[str | None, typer.Option("--note")] = None
) -> None:
    """Cancel an active plan: its invoices go back to normal dunning."""
    from receivables.plan_service import PlanNotFound
    from receivables.plans import PlanError
    from workflows.plans import cancel_plan

    rt = runtime()
    try:
        reference = cancel_plan(rt, plan_id, note=note, actor="cli:plans")
    except (PlanError, PlanNotFound) as error:
        fail(str(error))
    print(f"{reference} cancelled")


@app.command("run")
def run_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="today (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Credit instalments from applied cash; complete paid plans; break those missed past grace."""
    from workflows.plans import run_plans

    today = as_of_date(as_of)
    summary = run_plans(runtime(), as_of=today, actor="cli:plans")
    if as_json:
        print_json(summary.as_json())
        return
    print(
        f"checked {summary.checked}, instalments paid {summary.instalments_paid}, "
        f"completed {len(summary.completed)}, broken {len(summary.broken)}"
    )
    for ref in summary.broken:
        print(f"  broken: {ref}")
