"""Direct debits: mandates (receivables.mandates.as_json) and an invoice's collections
(receivables.collection_views)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp


class Mandate(Shape):
    """A customer's authorisation to debit one account."""

    id: int = Field(description="remit's row id (the paging cursor)")
    mandate_id: str
    customer_id: str
    scheme: str = Field(description="sepa | ach")
    account: str = Field(description="an IBAN, or ABA:<routing>:<account>")
    account_type: str | None = Field(description="ACH: checking | savings")
    signed_on: Day
    status: str = Field(description="active | inactive")
    status_reason: str | None = Field(description="why inactive: imported so, or the bank's final return reason")


class MandatePage(Page[Mandate]):
    """Mandates in id order."""


class Collection(Shape):
    """A debit `remit collect` sent for the invoice, and what the bank made of it."""

    end_to_end_id: str
    invoice_number: str
    batch_ref: str = Field(description="the pain.008 PmtInfId / NACHA batch reference")
    scheme: str = Field(description="sepa | ach")
    mandate_id: str
    sequence: str | None = Field(description="SEPA: FRST | RCUR")
    trace: str | None = Field(description="NACHA trace number")
    file: str
    amount: Amount
    currency: str
    collection_date: Day
    status: str = Field(description="pending | settled | returned")
    return_reason: str | None = Field(description="the bank's reason code, e.g. R01, AC04")
    return_detail: str | None
    settled_by: int | None = Field(description="the bank transaction that settled it")
    returned_by: int | None = Field(description="the bank transaction that returned it")
    created_at: Timestamp
