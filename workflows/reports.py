"""Read-only reports the commands print, each one transaction that writes nothing: the bank
file registry, the AR metrics (formulas: receivables.analytics) and the cash-application
rates (definitions: reconcile.cash_metrics).

In workflows/: `remit files` and `remit metrics` call these.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ingest.views import bank_file_json
from ledger.repositories import bank_files
from receivables import ar_history
from reconcile import cash_metrics
from workflows.runtime import Runtime


def file_registry(rt: Runtime, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Bank files received (of that status), newest first."""
    with rt.unit_of_work() as session:
        files = bank_files.list_files(session, status=status, limit=limit)
        return [bank_file_json(f) for f in files]


def ar_metrics(
    rt: Runtime, *, as_of: date, period_days: int, customer: str | None, currency: str | None
) -> dict[str, Any]:
    """AR metrics as of a date over the `period_days` before it (DESIGN.md §6)."""
    with rt.unit_of_work() as session:
        return ar_history.metrics_report(session, as_of=as_of, period_days=period_days,
                                         customer=customer, currency=currency)


def cash_application(rt: Runtime, *, since: date, until: date) -> dict[str, Any]:
    """Envelope, line-item and straight-through auto-match rates of the payments dated
    since..until (reconcile.cash_metrics)."""
    with rt.unit_of_work() as session:
        return cash_metrics.cash_application(session, since=since, until=until)
