"""Disputes (receivables.disputes.dispute_json)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Page, Shape, Timestamp


class Dispute(Shape):
    """A customer's dispute over part (or all) of an invoice."""

    dispute_id: int
    invoice_number: str
    customer_id: str
    customer_name: str
    currency: str
    amount: Amount
    reason_code: str = Field(
        description="pricing | quantity | damaged | not_received | duplicate_billing | "
        "deduction | other"
    )
    note: str | None
    source: str = Field(description="manual | api | deduction")
    transaction_id: int | None = Field(description="the payment that took a deduction")
    status: str = Field(description="open | resolved")
    resolution: str | None = Field(description="credit | write_off | rebill | rejected")
    resolution_note: str | None
    opened_by: str
    opened_at: Timestamp | None
    resolved_by: str | None
    resolved_at: Timestamp | None


class DisputePage(Page[Dispute]):
    """Newest first."""
