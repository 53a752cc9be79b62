"""`remit advices` and `remit advices show ID`: remittance advices (X12 820, CSV) as received,
and what remit made of each — waiting for its payment, applied per its lines, in review, or
only linked (the payment had been applied already). Read through workflows.advices, the same
views as GET /api/v1/advices."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.common import fail, print_json, runtime
from core.errors import Invalid, RemitError
from core.money import D, display_amount

app = typer.Typer(help="Remittance advices (X12 820, CSV): what payers say their payments pay.")


@app.callback(invoke_without_command=True)
def advices(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    status: Annotated[Optional[str], typer.Option(
        help="waiting | applied | review | linked (or several, comma-separated) | all")] = None,
    payment: Annotated[Optional[int], typer.Option("--payment", help="those linked to this bank transaction")] = None,
    search: Annotated[Optional[str], typer.Option(
        "--search", help="part of the payer, the payment reference or an invoice number")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """List remittance advices, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from workflows.advices import advices as read

    try:  # the views check the statuses (an unknown one is Invalid)
        rows = read(runtime(), status=None if status == "all" else status, transaction_id=payment, q=search,
                    limit=limit)
    except Invalid as error:
        fail(f"--status (or all): {error}", code=1)
    if as_json:
        print_json(rows)
        return
    if not rows:
        print("no remittance advices" + (f" {status}" if status and status != "all" else ""))
    for r in rows:
        payment_text = f"payment #{r['transaction_id']}" if r["transaction_id"] else "no payment yet"
        print(f"#{r['id']:<5} {r['status']:<8} {r['format']:<10} {display_amount(r['amount'], r['currency']):>16}  "
              f"{r['payer'] or '-'}  ref {r['payment_reference'] or '-'}  {r['lines']} line(s), {payment_text}")
        if r["reason"]:
            print(f"       {r['reason']}")


@app.command("show")
def show(
    advice_id: Annotated[int, typer.Argument(help="the advice's id (remit advices)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One advice: its lines, status and reason, its payment and the file it came in."""
    from workflows.advices import advice as read

    try:
        a = read(runtime(), advice_id)
    except RemitError as error:
        fail(str(error))
    if as_json:
        print_json(a)
        return
    print(f"advice #{a['id']} ({a['format']}, file #{a['file']['id']} {a['file']['name']}): {a['status']}")
    print(f"  payer {a['payer'] or '-'}, reference {a['payment_reference'] or '-'}, "
          f"{display_amount(a['amount'], a['currency'])}" + (f" on {a['payment_date']}" if a["payment_date"] else ""))
    print(f"  payment: #{a['transaction_id']}" if a["transaction_id"] else "  payment: not here yet")
    if a["reason"]:
        print(f"  {a['reason']}")
    ccy = a["currency"]
    for line in a["lines"]:
        known = "" if line["invoice_id"] else "  (not in the book)"
        discount = f"  discount {display_amount(line['discount'], ccy)}" if D(line["discount"]) else ""
        print(f"  {line['invoice_number']:<20} paid {display_amount(line['paid'], ccy):>16}{discount}{known}")
