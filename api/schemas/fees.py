"""Late fee items (receivables.fee_job.fee_json)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp


class Fee(Shape):
    """A late fee for the AR system to bill."""

    fee_id: int
    invoice_number: str
    customer_id: str
    kind: str = Field(description="finance_charge | late_interest | late_compensation")
    currency: str
    base_amount: Amount = Field(description="the overdue, undisputed balance charged on")
    rate: str | None = Field(description='decimal text, e.g. "1.5" (% per month)')
    period_start: Day
    period_end: Day
    amount: Amount
    explanation: str
    status: str = Field(description="open | exported | void")
    created_at: Timestamp | None
    exported_at: Timestamp | None


class FeePage(Page[Fee]):
    """Fee items oldest first: read it as a feed."""
