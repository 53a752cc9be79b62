"""Payments (bank transactions) and the cash applied from them: reconcile.views and
reconcile.view_rows build these answers."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp
from api.schemas.advices import AdviceRef


class Application(Shape):
    """Cash applied from a payment to an invoice (live or reversed)."""

    application_id: int
    transaction_id: int
    bank_reference: str | None
    end_to_end_id: str | None
    invoice_number: str
    currency: str
    applied_amount: Amount
    discount_amount: Amount
    write_off_amount: Amount
    write_off_reason: str | None
    method: str = Field(description="auto | manual | direct_debit (a settled direct-debit collection)")
    confidence: int | None = Field(description="the matcher's score 0..100 (auto)")
    reasons: list[str]
    status: str = Field(description="applied | reversed")
    actor: str
    created_at: Timestamp
    reversed_at: Timestamp | None
    reversed_by: str | None
    reversal_reason: str | None


class Payment(Shape):
    """A bank transaction: the remittance unit that gets matched."""

    transaction_id: int
    entry_id: int
    file_id: int
    amount: Amount | None
    applied_amount: Amount
    unapplied_amount: Amount | None
    currency: str
    direction: str = Field(description="credit | debit")
    status: str = Field(
        description="matched | partially_applied | review | returned | unmatched | ignored"
    )
    match_status: str = Field(description="the matcher's: unmatched | applied | review | ...")
    value_date: Day | None
    booking_date: Day | None
    bank_reference: str | None
    end_to_end_id: str | None
    payer: str | None
    payer_account: str | None
    version: int = Field(description="changes with every action; also the ETag (If-Match)")


class PaymentPage(Page[Payment]):
    """Payments in id order."""


class CandidateAllocation(Shape):
    invoice_id: int
    invoice_number: str
    applied: Amount
    discount: Amount
    write_off: Amount
    write_off_reason: str | None


class Candidate(Shape):
    """A suggestion of the matcher: invoices, score and why."""

    invoice_numbers: list[str]
    score: int = Field(description="0..100")
    reasons: list[str]
    customer_id: str | None
    unapplied: Amount | None
    allocations: list[CandidateAllocation]


class ReviewItem(Shape):
    """The payment's review item: the open one if any, else the latest."""

    review_id: int
    status: str = Field(description="open | resolved | dismissed")
    reason: str
    explanation: str
    candidates: list[Candidate]
    assignee: str | None
    actor: str | None
    resolution: str | None
    created_at: Timestamp
    resolved_at: Timestamp | None


class Entry(Shape):
    """The bank's booking the payment belongs to."""

    id: int
    status: str = Field(description="booked | pending | info")
    kind: str
    bank_code: str | None
    additional_info: str | None
    reversal: bool
    account: str | None
    amount: Amount
    currency: str
    charges: Amount | None


class FileRef(Shape):
    id: int
    name: str
    format: str | None


class RemittanceInvoice(Shape):
    """An invoice the remittance names, with the amount it quotes."""

    number: str
    amount: Amount | None


class ReturnInfo(Shape):
    """What the bank says of a returned payment (ACH addenda 99, camt RtrInf)."""

    reason_code: str | None
    original_reference: str | None
    additional_info: str | None
    original_rdfi: str | None
    date_of_death: Day | None
    dishonored_code: str | None
    contested_code: str | None


class ChangeInfo(Shape):
    """A notification of change (ACH addenda 98)."""

    change_code: str
    corrected_data: str | None
    original_reference: str | None
    original_rdfi: str | None


class RecordedInfo(Shape):
    """A payment recorded via POST /api/v1/payments: what the caller sent it with."""

    idempotency_key: str
    customer_id: str
    reference: str | None
    received_at: Day
    settled_by: int | None = Field(description="the bank credit recognised as its settlement")


class PaymentDetail(Payment):
    """The payment in full: entry, file, remittance, applications, review item, and why it
    was applied or flagged."""

    entry: Entry
    file: FileRef
    remittance: list[str]
    references: list[str]
    invoices: list[RemittanceInvoice]
    bank_transaction_id: str | None
    instruction_id: str | None
    mandate_id: str | None
    check_number: str | None
    return_reason: str | None
    return_info: ReturnInfo | None
    change_code: str | None
    change_info: ChangeInfo | None
    applications: list[Application]
    review: ReviewItem | None
    explanation: str = Field(description="one paragraph: why applied, or why in review")
    recorded: RecordedInfo | None = Field(
        description="recorded via POST /api/v1/payments (not from a bank file): its key and settlement")
    settles_recorded: int | None = Field(
        description="this bank credit is the settlement of that recorded payment (the first, for a "
                    "payout of several): nothing applied again")
    settles_recorded_payments: list[int] = Field(
        description="every recorded payment this credit settles: one, or a day's card payments paid out at once")
    advices: list[AdviceRef] = Field(
        description="remittance advices linked to it (X12 820, CSV): GET /api/v1/advices/{advice_id}")
