"""`remit metrics`: AR metrics as of a date over the N days before it (DESIGN.md §6), and the
cash-application rates of the payments dated --since..--until (default: the 30 days ending
with the as-of date) under the key "cash_application". A top-level command: cli/main.py adds
it to the root app.

Read-only: workflows.reports.ar_metrics and .cash_application, each one transaction that
writes nothing. Formulas: receivables.analytics; definitions: reconcile.cash_metrics.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.common import as_of_date, fail, parse_date, print_json, runtime

app = typer.Typer()


def _table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    ccy = report["currency"] or ""
    who = f", customer {report['customer']}" if report["customer"] else ""
    table = Table(
        title=f"AR as of {report['as_of']} over {report['period_days']} days{who}"
        + (f" ({ccy})" if ccy else " (no invoices)"),
        show_header=True,
    )
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    dash = "—"
    for label, key, unit in (
        ("AR total", "ar_total", ccy),
        ("Credit sales", "sales", ccy),
        ("DSO", "dso", "days"),
        ("DSO (countback)", "dso_countback", "days"),
        ("Best possible DSO", "best_possible_dso", "days"),
        ("ADD", "add", "days"),
        ("CEI", "cei", "%"),
        ("AR turnover", "turnover", "x"),
        ("Average collection period", "average_collection_period", "days"),
    ):
        value = report[key]
        table.add_row(label, dash if value is None else f"{value} {unit}")
    for bucket, amount in report["aging"].items():
        table.add_row(f"Aging {bucket}", f"{amount} {ccy}")
    console = Console()
    console.print(table)
    others = [c for c in report["by_currency"] if c != report["currency"]]
    if others:
        console.print(f"Other currencies (--currency to show one): {', '.join(others)}")


def _cash_table(cash: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Cash application {cash['since']}..{cash['until']} (by value date)",
        show_header=True,
    )
    for column in ("", "Payments", "Envelope auto", "Line-item auto", "Straight-through"):
        table.add_column(column, justify="right" if column else "left")

    def row(label: str, f: dict[str, Any]) -> None:
        def pct(part: str, whole: str, key: str) -> str:
            value = f[key]
            return f"{'—' if value is None else value + ' %'} ({f[part]}/{f[whole]})"

        table.add_row(
            label,
            str(f["payments"]),
            pct("auto_applied", "payments", "envelope_auto_rate"),
            pct("invoices_settled_auto", "invoices_settled", "line_item_auto_rate"),
            pct("straight_through", "payments", "straight_through_rate"),
        )

    row("Total", cash["totals"])
    for account in cash["by_account"]:
        row(account["account"] or "(no account)", account)
    Console().print(table)


@app.command("metrics")
def metrics_command(
    as_of: Annotated[str | None, typer.Option(help="as-of date YYYY-MM-DD (default today)")] = None,
    period_days: Annotated[
        int, typer.Option(help="days before the as-of date", min=1, max=3660)
    ] = 90,
    customer: Annotated[str | None, typer.Option(help="one customer's id")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO code (default: the main one)")] = None,
    since: Annotated[
        str | None, typer.Option(help="cash application from YYYY-MM-DD (value date)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="cash application until YYYY-MM-DD (default: as-of)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """AR metrics: DSO, best possible DSO, ADD, CEI, turnover, aging (per currency); and the
    cash-application auto-match rates (envelope, line item, straight-through)."""
    from receivables import ar_history
    from reconcile import cash_metrics
    from workflows.reports import ar_metrics, cash_application

    day = as_of_date(as_of)
    if not ar_history.MIN_DATE <= day <= ar_history.MAX_DATE:
        fail(f"--as-of must be between {ar_history.MIN_DATE} and {ar_history.MAX_DATE}")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        fail(f"--currency {currency!r} is not an ISO 4217 code")
    try:
        first, last = cash_metrics.window(
            parse_date(since, option="--since") if since else None,
            parse_date(until, option="--until") if until else None,
            today=day,
        )
    except ValueError as error:
        fail(str(error))
    rt = runtime()
    report = ar_metrics(rt, as_of=day, period_days=period_days, customer=customer,
                        currency=currency.upper() if currency else None)
    cash = cash_application(rt, since=first, until=last)
    if as_json:
        print_json({**report, "cash_application": cash})
    else:
        _table(report)
        _cash_table(cash)
