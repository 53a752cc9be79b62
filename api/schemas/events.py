"""The invoice event feed (api/invoice_events.py): each event with its webhook payload
(ledger.events; a late fee's, receivables.fee_job) and its delivery state."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Shape, Timestamp
from api.schemas.fees import Fee


class EventInvoice(Shape):
    """The invoice as the event left it."""

    number: str
    customer_id: str
    currency: str
    amount: Amount
    open_amount: Amount
    discount_amount: Amount | None = Field(None, description="invoice.* events")
    written_off_amount: Amount | None = Field(None, description="invoice.* events")
    status: str
    previous_status: str | None = Field(None, description="invoice.* events")
    previous_open_amount: Amount | None = Field(None, description="invoice.* events")


class EventPayload(Shape):
    """What the webhook delivers; receivers deduplicate on `event_id`."""

    event_id: str
    type: str = Field(
        description="invoice.status_changed | invoice.open_amount_changed | invoice.fee_charged"
    )
    occurred_at: Timestamp
    invoice: EventInvoice
    fee: Fee | None = Field(None, description="invoice.fee_charged only")
    cause: str = Field(description="application.created | application.reversed | fee.charged")
    actor: str
    transaction_id: int | None
    reason: str | None


class InvoiceEvent(Shape):
    id: int = Field(description="the feed's cursor")
    event_id: str
    type: str
    invoice_number: str
    created_at: Timestamp
    payload: EventPayload
    delivery_status: str = Field(description="pending | delivered | failed")
    attempts: int
    next_attempt_at: Timestamp | None
    last_attempt_at: Timestamp | None
    last_response_code: int | None
    last_error: str | None
    delivered_at: Timestamp | None


class InvoiceEventFeed(Shape):
    """A page of the feed, oldest first: poll with `after` = `next_after`."""

    items: list[InvoiceEvent]
    next_after: int = Field(description="the cursor to poll with next")
    has_more: bool
