"""The invoice event outbox: one `invoice_events` row per invoice change, written in the
transaction that made the change (so an event exists exactly when the change committed).

Two event types:
  - `invoice.status_changed`: the status moved (open → paid when cash settles an invoice,
    paid → open on a reversal, return or unapply).
  - `invoice.open_amount_changed`: the status stayed but the open amount moved (a partial
    payment, the reversal of one). Same payload shape.

Nothing is written when neither moved. Changes made by the AR system itself (invoice import,
bulk upsert) are not echoed back: it knows them already, and a book of a million invoices
would otherwise queue a million deliveries ahead of the cash events that matter. Delivery
(webhook) is in workflows/outbox.py and the polling feed in api/invoice_events.py; receivers deduplicate on `event_id`.

Payload (amounts are decimal strings, never numbers):
    {"event_id": "<uuid4>", "type": "invoice.status_changed", "occurred_at": "<ISO 8601 UTC>",
     "invoice": {"number", "customer_id", "currency", "amount", "open_amount",
                 "discount_amount", "written_off_amount", "status",
                 "previous_status", "previous_open_amount"},
     "cause": "application.created" | "application.reversed",
     "actor": "...", "transaction_id": 123 | null, "reason": "..." | null}

Never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.money import minor_text
from ledger.models import Invoice, InvoiceEvent
from ledger.types import utc_now

STATUS_CHANGED = "invoice.status_changed"
OPEN_AMOUNT_CHANGED = "invoice.open_amount_changed"

APPLICATION_CREATED = "application.created"
APPLICATION_REVERSED = "application.reversed"


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """What an event compares against: the invoice before the change."""

    status: str
    open_minor: int


def snapshot(invoice: Invoice) -> InvoiceState:
    return InvoiceState(status=invoice.status, open_minor=invoice.open_minor)



def event_row(
    invoice: Invoice,
    *,
    before: InvoiceState,
    cause: str,
    actor: str,
    transaction_id: int | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any] | None:
    """The `invoice_events` row for this change, or None when neither status nor open moved.

    `invoice` must have its id (flushed) and already carry the new state.
    """
    if invoice.status != before.status:
        kind = STATUS_CHANGED
    elif invoice.open_minor != before.open_minor:
        kind = OPEN_AMOUNT_CHANGED
    else:
        return None
    if invoice.id is None:
        raise ValueError(f"invoice {invoice.number}: flush before writing its event (no id yet)")
    at = at or utc_now()
    event_id = str(uuid.uuid4())
    ccy = invoice.currency
    payload = {
        "event_id": event_id,
        "type": kind,
        "occurred_at": at.isoformat(),
        "invoice": {
            "number": invoice.number,
            "customer_id": invoice.customer_id,
            "currency": ccy,
            "amount": minor_text(invoice.amount_minor, ccy),
            "open_amount": minor_text(invoice.open_minor, ccy),
            "discount_amount": minor_text(invoice.discount_minor or 0, ccy),
            "written_off_amount": minor_text(invoice.written_off_minor or 0, ccy),
            "status": invoice.status,
            "previous_status": before.status,
            "previous_open_amount": minor_text(before.open_minor, ccy),
        },
        "cause": cause,
        "actor": actor,
        "transaction_id": transaction_id,
        "reason": reason,
    }
    return {
        "event_id": event_id,
        "type": kind,
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "payload": payload,
        "created_at": at,
        "delivery_status": "pending",
        "attempts": 0,
    }


def write(session: Session, rows: Sequence[dict[str, Any] | None]) -> int:
    """Insert the rows (Nones skipped) in order, as one executemany; returns how many."""
    present = [r for r in rows if r is not None]
    if len(present) == 1:
        session.execute(insert(InvoiceEvent).values(**present[0]))
    elif present:
        session.execute(insert(InvoiceEvent), present)
    return len(present)


def invoice_changed(
    session: Session,
    invoice: Invoice,
    *,
    before: InvoiceState,
    cause: str,
    actor: str,
    transaction_id: int | None = None,
    reason: str | None = None,
) -> bool:
    """Write the event this change calls for, if any (see the module docstring)."""
    row = event_row(invoice, before=before, cause=cause, actor=actor,
                    transaction_id=transaction_id, reason=reason)
    return write(session, [row]) == 1
