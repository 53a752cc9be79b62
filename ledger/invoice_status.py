"""An invoice's status — one definition for the import, cash application, write-offs and views.

Stored (the schema's check): open | paid | void. Shown to people and AR systems: also
partially_paid — open, with part of it settled — derived, never stored.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from ledger.models import Invoice

STORED = ("open", "paid", "void")
SHOWN = ("open", "partially_paid", "paid", "void")


def after_change(current: str | None, open_minor: int) -> str:
    """The stored status once the open amount is `open_minor`. Void stays void: voiding is
    a person's decision, not arithmetic (an import or a payment never un-voids)."""
    if current == "void":
        return "void"
    return "paid" if open_minor == 0 else "open"


def shown(status: str, open_minor: int, amount_minor: int) -> str:
    """open | partially_paid | paid | void."""
    if status == "open" and open_minor < amount_minor:
        return "partially_paid"
    return status


def shown_clause(status: str) -> ColumnElement[bool]:
    """SQL for `shown(...) == status`."""
    if status == "open":
        return and_(Invoice.status == "open", Invoice.open_minor == Invoice.amount_minor)
    if status == "partially_paid":
        return and_(Invoice.status == "open", Invoice.open_minor < Invoice.amount_minor)
    return Invoice.status == status
