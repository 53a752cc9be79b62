"""Late fees, each use case one transaction: the run (by hand or the daily job) and the list.

In workflows/: `remit fees` and the daily job (workflows/jobs.py) call these.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from receivables import fee_job
from workflows.runtime import Runtime

EVERY = 1_000_000  # a listing without paging: every fee item


def run_fees(rt: Runtime, *, as_of: date, actor: str, dry_run: bool = False) -> dict[str, Any]:
    """Charge the late fees due as of `as_of` (REMIT_LATE_FEE_MODE); a re-run never charges
    twice. `dry_run`: the same answer, nothing written."""
    with rt.unit_of_work() as session:
        run = fee_job.run_fees(session, policy=fee_job.policy_from_settings(rt.settings),
                               as_of=as_of, actor=actor, dry_run=dry_run)
    return run.as_json()


def list_fees(
    rt: Runtime, *, status: str | None, invoice_number: str | None
) -> list[dict[str, Any]]:
    """Every fee item (of that status, on that invoice), oldest first."""
    with rt.unit_of_work() as session:
        return fee_job.list_fees(session, invoice_number=invoice_number, status=status,
                                 limit=EVERY)
