"""Disputed invoice amounts, each use case one transaction: open, resolve, list.

In workflows/: `remit disputes` calls these; a refusal (receivables.disputes.DisputeError)
rolls back and reaches the caller, nothing written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from receivables import disputes
from workflows.runtime import Runtime

EVERY = 1_000_000  # a listing without paging: every dispute


def open_dispute(
    rt: Runtime, *, invoice_number: str, amount: Decimal, reason_code: str, note: str | None,
    actor: str,
) -> dict[str, Any]:
    """A dispute over part (or all) of an invoice's open amount; the dispute as stored."""
    with rt.unit_of_work() as session:
        d = disputes.open_dispute(session, invoice_number=invoice_number, amount=amount,
                                  reason_code=reason_code, note=note, actor=actor)
        return disputes.get_dispute(session, d.id)


def resolve_dispute(
    rt: Runtime, *, dispute_id: int, resolution: str, note: str | None, actor: str
) -> dict[str, Any]:
    """Close a dispute; the dispute as it now is."""
    with rt.unit_of_work() as session:
        disputes.resolve_dispute(session, dispute_id=dispute_id, resolution=resolution,
                                 note=note, actor=actor)
        return disputes.get_dispute(session, dispute_id)


def list_disputes(
    rt: Runtime, *, status: str | None, invoice_number: str | None
) -> list[dict[str, Any]]:
    """Every dispute (of that status, on that invoice), newest first."""
    with rt.unit_of_work() as session:
        return disputes.list_disputes(session, status=status, invoice_number=invoice_number,
                                      limit=EVERY)
