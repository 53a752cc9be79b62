"""The review queue (reconcile.views.exceptions) and what a reviewer's action answers
(api/exceptions.py)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp
from api.schemas.payments import Candidate


class ExceptionItem(Shape):
    """An open review item with its payment."""

    review_id: int
    transaction_id: int
    bank_reference: str | None
    end_to_end_id: str | None
    amount: Amount | None
    unapplied_amount: Amount | None = Field(
        default=None, description="the part of the payment on no invoice"
    )
    currency: str
    payer: str | None
    payer_account: str | None
    account: str | None = Field(default=None, description="our bank account it was booked on")
    file_id: int | None = Field(default=None, description="the bank file that first reported it")
    value_date: Day | None
    remittance: list[str]
    reason: str
    explanation: str
    candidates: list[Candidate] = Field(description="ranked suggestions, best first")
    created_at: Timestamp
    assignee: str | None
    age_days: int = Field(description="whole days since the item was opened (UTC)")
    version: int = Field(description="the payment's version, for the actions")
    kind: str = Field("receivable", description='"receivable": the AR queue; "other": not receivables work '
                                               "(an outgoing debit, a notice, our own payment sent back)")
    kind_note: str | None = Field(None, description="why an `other` item is not receivables work")


class ExceptionPage(Page[ExceptionItem]):
    """Open review items, oldest first; `next` pages by review_id."""


class Applied(Shape):
    """Cash applied by a reviewer (apply, accept)."""

    transaction_id: int
    application_ids: list[int]
    invoice_numbers: list[str]
    version: int | None = Field(description="the payment's version now")


class Assigned(Shape):
    transaction_id: int
    review_id: int
    assignee: str | None
    version: int | None = Field(description="the payment's version now")


class Dismissed(Shape):
    transaction_id: int
    status: str = Field(description='"dismissed"')
    version: int | None = Field(description="the payment's version now")


class Unapplied(Shape):
    transaction_id: int
    reopened: list[str] = Field(description="the invoices reopened")
    version: int | None = Field(description="the payment's version now")
