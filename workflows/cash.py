"""A reviewer's cash follow-ups, each one transaction: apply a payment by hand, dismiss it,
unapply it; and the lists they work from (live and reversed applications, the review queue).

In workflows/: `remit apply|dismiss|unapply|applications|exceptions` call these; a refusal
(reconcile.apply.ApplicationError) rolls the transaction back and reaches the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from receivables.disputes import apply_by_hand as apply_lines
from reconcile import manual, views
from reconcile.apply import Applied
from reconcile.manual import ManualLine
from workflows.runtime import Runtime


def applications(rt: Runtime) -> list[dict[str, Any]]:
    """Every cash application, live and reversed (DESIGN.md §6)."""
    with rt.unit_of_work() as session:
        return views.applications(session)


def exceptions(rt: Runtime, *, kind: str = "receivable") -> list[dict[str, Any]]:
    """The open review queue with each item's reason and ranked suggestions (DESIGN.md §6):
    the AR queue by default, `other` (not receivables work) or `all` (reconcile.queue_kinds)."""
    with rt.unit_of_work() as session:
        return views.exceptions(session, kind=kind)


def apply_by_hand(
    rt: Runtime, *, transaction_id: int, lines: Sequence[ManualLine], actor: str
) -> Applied:
    """A reviewer's application; a `deduction` write-off stays open, disputed."""
    with rt.unit_of_work() as session:
        return apply_lines(session, transaction_id=transaction_id, lines=lines, actor=actor)


def dismiss(rt: Runtime, *, transaction_id: int, actor: str, reason: str) -> None:
    """Out of the review queue without applying it."""
    with rt.unit_of_work() as session:
        manual.dismiss(session, transaction_id=transaction_id, actor=actor, reason=reason)


def unapply(rt: Runtime, *, transaction_id: int, actor: str, reason: str) -> list[str]:
    """A payment's applications reversed (it goes to review); the invoices reopened."""
    with rt.unit_of_work() as session:
        return manual.unapply(session, transaction_id=transaction_id, actor=actor, reason=reason)
