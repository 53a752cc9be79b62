"""`remit metrics`: AR metrics as of a date over the N days before it (DESIGN.md §6). A
top-level command: cli/main.py adds it to the root app.

Read-only: workflows.reports.ar_metrics, one transaction that writes nothing. Formulas:
receivables.analytics.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.common import as_of_date, fail, print_json, runtime

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


@app.command("metrics")
def metrics_command(
    as_of: Annotated[str | None, typer.Option(help="as-of date YYYY-MM-DD (default today)")] = None,
    period_days: Annotated[
        int, typer.Option(help="days before the as-of date", min=1, max=3660)
    ] = 90,
    customer: Annotated[str | None, typer.Option(help="one customer's id")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO code (default: the main one)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """AR metrics: DSO, best possible DSO, ADD, CEI, turnover, aging (per currency)."""
    from receivables import ar_history
    from workflows.reports import ar_metrics

    day = as_of_date(as_of)
    if not ar_history.MIN_DATE <= day <= ar_history.MAX_DATE:
        fail(f"--as-of must be between {ar_history.MIN_DATE} and {ar_history.MAX_DATE}")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        fail(f"--currency {currency!r} is not an ISO 4217 code")
    report = ar_metrics(runtime(), as_of=day, period_days=period_days, customer=customer,
                        currency=currency.upper() if currency else None)
    if as_json:
        print_json(report)
    else:
        _table(report)
