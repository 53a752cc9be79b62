"""Payment plans, each use case one transaction: create, list, show, cancel, and the run
that credits instalments, completes paid plans and breaks missed ones.

In workflows/: `remit plans` and the daily job (workflows/jobs.py) call these; a refusal
(receivables.plans.PlanError, plan_service.PlanNotFound) rolls back and reaches the caller.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from receivables import plan_service as svc
from receivables.plans import Every
from workflows.runtime import Runtime

PAGE = 500  # plans read per query when listing them all


def create_plan(
    rt: Runtime, *, customer_id: str, invoice_numbers: list[str], instalments: int,
    first_due: date, every: Every, grace_days: int, note: str | None, actor: str,
) -> dict[str, Any]:
    """N equal instalments (the rounding remainder on the last) over open invoices."""
    with rt.unit_of_work() as session:
        plan = svc.create_plan(session, customer_id=customer_id, invoice_numbers=invoice_numbers,
                               actor=actor, instalments=instalments, first_due=first_due,
                               every=every, grace_days=grace_days, note=note)
        return svc.plan_json(session, plan)


def list_plans(rt: Runtime, *, status: str | None, customer_id: str | None) -> list[dict[str, Any]]:
    """Every plan (of that status, of that customer), oldest first, read a page at a time."""
    rows: list[dict[str, Any]] = []
    with rt.unit_of_work() as session:
        after = None
        while True:
            page = svc.list_plans(session, status=status, customer_id=customer_id, after=after,
                                  limit=PAGE)
            rows += page[:PAGE]
            if len(page) <= PAGE:
                return rows
            after = int(str(page[PAGE - 1]["id"]))


def show_plan(rt: Runtime, plan_id: int) -> dict[str, Any]:
    """One plan with its instalments and invoices."""
    with rt.unit_of_work() as session:
        return svc.plan_json(session, svc.get_plan(session, plan_id))


def cancel_plan(rt: Runtime, plan_id: int, *, note: str | None, actor: str) -> str:
    """Cancel an active plan (its invoices go back to normal dunning); its reference."""
    with rt.unit_of_work() as session:
        return svc.cancel_plan(session, plan_id, actor=actor, note=note).reference


def run_plans(rt: Runtime, *, as_of: date, actor: str) -> svc.RunSummary:
    """Credit, complete and break plans as of `as_of`."""
    with rt.unit_of_work() as session:
        return svc.run_plans(session, as_of=as_of, actor=actor)
