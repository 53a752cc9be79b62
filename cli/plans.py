"""`remit plans create|list|show|cancel|run`: payment plans (instalment schedules).

Each command is one transaction (the command owns it; receivables.plan_service never commits).
Exit code 2 with the reason on stderr when a plan is refused.
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
    from ledger.db import transaction
    from receivables import plan_service as svc
    from receivables.plans import PlanError, parse_every

    first = parse_date(first_due, option="--first-due")
    rt = runtime()
    try:
        with transaction(rt.engine) as session:
            plan = svc.create_plan(
                session,
                customer_id=customer,
                invoice_numbers=invoice,
                actor="cli:plans",
                instalments=instalments,
                first_due=first,
                every=parse_every(every),
                grace_days=grace_days,
                note=note,
            )
            out = svc.plan_json(session, plan)
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
    from ledger.db import transaction
    from receivables import plan_service as svc

    if status is not None and status not in svc.STATUSES:
        fail(f"--status must be one of {', '.join(svc.STATUSES)}")
    rt = runtime()
    rows: list[dict[str, object]] = []
    with transaction(rt.engine) as session:
        after = None
        while True:  # every plan, a page at a time
            page = svc.list_plans(
                session, status=status, customer_id=customer, after=after, limit=500
            )
            rows += page[:500]
            if len(page) <= 500:
                break
            after = int(str(page[499]["id"]))
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
    from ledger.db import transaction
    from receivables import plan_service as svc

    rt = runtime()
    try:
        with transaction(rt.engine) as session:
            out = svc.plan_json(session, svc.get_plan(session, plan_id))
    except svc.PlanNotFound as error:
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
    from ledger.db import transaction
    from receivables import plan_service as svc
    from receivables.plans import PlanError

    rt = runtime()
    try:
        with transaction(rt.engine) as session:
            plan = svc.cancel_plan(session, plan_id, actor="cli:plans", note=note)
            print(f"{plan.reference} cancelled")
    except (PlanError, svc.PlanNotFound) as error:
        fail(str(error))


@app.command("run")
def run_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="today (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Credit instalments from applied cash; complete paid plans; break those missed past grace."""
    from ledger.db import transaction
    from receivables import plan_service as svc

    today = as_of_date(as_of)
    rt = runtime()
    with transaction(rt.engine) as session:
        summary = svc.run_plans(session, as_of=today, actor="cli:plans")
    if as_json:
        print_json(summary.as_json())
        return
    print(
        f"checked {summary.checked}, instalments paid {summary.instalments_paid}, "
        f"completed {len(summary.completed)}, broken {len(summary.broken)}"
    )
    for ref in summary.broken:
        print(f"  broken: {ref}")
