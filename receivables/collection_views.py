"""Direct-debit collections as the API and the workbench show them: one invoice's (GET
/api/v1/invoices/{number}) or one customer's (the customer page); and which invoices are
being collected (a debit sent, the bank's answer not in yet): reminders and late fees leave
those alone — the money is on its way — and take them up again if the debit comes back.
Plain data; reads only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.money import minor_text
from ledger.models import Collection, Invoice, Mandate


def listing(session: Session, *, invoice_id: int | None = None, customer_id: str | None = None,
            newest_first: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """Collections of one invoice or of one customer's invoices, oldest first unless told."""
    query = (select(Collection, Mandate.mandate_id, Invoice.number)
             .join(Mandate, Mandate.id == Collection.mandate_id)
             .join(Invoice, Invoice.id == Collection.invoice_id)
             .order_by(Collection.id.desc() if newest_first else Collection.id)
             .limit(limit))
    if invoice_id is not None:
        query = query.where(Collection.invoice_id == invoice_id)
    if customer_id is not None:
        query = query.where(Invoice.customer_id == customer_id)
    return [_row(c, mandate_id, number) for c, mandate_id, number in session.execute(query)]


def being_collected(session: Session, invoice_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the invoices (of `invoice_ids`, or all) with a collection pending at the bank."""
    query = select(Collection.invoice_id).where(Collection.status == "pending")
    if invoice_ids is not None:
        query = query.where(Collection.invoice_id.in_(list(invoice_ids)))
    return set(session.scalars(query))


def _row(c: Collection, mandate_id: str, number: str) -> dict[str, Any]:
    return {"end_to_end_id": c.end_to_end_id, "invoice_number": number, "batch_ref": c.batch_ref,
            "scheme": c.scheme, "mandate_id": mandate_id, "sequence": c.sequence, "trace": c.trace,
            "file": c.file_name, "amount": minor_text(c.amount_minor, c.currency), "currency": c.currency,
            "collection_date": c.collection_date.isoformat(), "status": c.status,
            "return_reason": c.return_reason, "return_detail": c.return_detail,
            "settled_by": c.settled_by, "returned_by": c.returned_by, "created_at": c.created_at.isoformat()}
