"""Remittance advices (X12 820, CSV): reconcile.advice_views builds these answers."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp

STATUS = "waiting (no payment yet) | applied (the payment applied per its lines) | review (linked; " \
         "its lines did not add up: the payment's review item says why) | linked (the payment had been " \
         "applied already)"


class AdviceRef(Shape):
    """An advice linked to a payment, briefly (GET /api/v1/advices/{advice_id} in full)."""

    id: int
    format: str = Field(description="x12.820 | advice.csv")
    status: str = Field(description=STATUS)


class Advice(Shape):
    """What a payer says a payment pays, as received, and what remit made of it."""

    id: int = Field(description="remit's row id (the paging cursor)")
    format: str = Field(description="x12.820 | advice.csv")
    status: str = Field(description=STATUS)
    reason: str | None = Field(description="why review, or why only linked")
    payer: str | None
    payment_reference: str | None = Field(description="820 TRN02, CSV payment_reference")
    amount: Amount = Field(description="the payment the advice states, in its currency")
    currency: str | None = Field(description="null: the advice names none (the payment's)")
    payment_date: Day | None
    transaction_id: int | None = Field(description="the payment it is linked to (GET /api/v1/payments/{id})")
    file_id: int = Field(description="the file it came in (GET /api/v1/bank-files/{id})")
    lines: int = Field(description="how many invoice lines it has")
    created_at: Timestamp
    linked_at: Timestamp | None


class AdvicePage(Page[Advice]):
    """Advices in id order."""


class AdviceLine(Shape):
    """An invoice the advice pays."""

    line: int | None = Field(description="where it is in the file")
    invoice_number: str
    invoice_id: int | None = Field(description="the invoice in the book; null when it has none of that number")
    paid: Amount
    discount: Amount


class AdviceFile(Shape):
    id: int
    name: str
    format: str | None


class AdviceDetail(Advice):
    """One advice with its lines and the file it came in."""

    lines: list[AdviceLine]  # type: ignore[assignment]
    file: AdviceFile
