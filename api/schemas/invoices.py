"""Invoices (reconcile.view_rows.invoice_json, reconcile.views.invoice_detail, with the
collections api/invoices.py adds) and the bulk upsert's outcome
(reconcile.invoice_import.ImportResult.as_json)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp
from api.schemas.audit import AuditEvent
from api.schemas.direct_debits import Collection
from api.schemas.disputes import Dispute
from api.schemas.dunning import Reminder
from api.schemas.fees import Fee
from api.schemas.payments import Application
from api.schemas.plans import PlanSummary


class Invoice(Shape):
    invoice_id: int
    number: str
    customer_id: str
    customer_name: str
    currency: str
    amount: Amount
    open_amount: Amount
    discount_amount: Amount
    written_off_amount: Amount
    issue_date: Day
    due_date: Day | None
    terms: str | None
    po_number: str | None
    status: str = Field(description="open | partially_paid | paid | void")
    days_past_due: int | None = Field(
        description="open invoices with a due date: days past it (0 when not yet due)"
    )
    updated_at: Timestamp


class InvoicePage(Page[Invoice]):
    """Invoices in id order."""


class InvoiceDetail(Invoice):
    """The invoice with its applications (live and reversed), its audit history, and its
    collections."""

    applications: list[Application]
    history: list[AuditEvent]
    disputes: list[Dispute]
    fees: list[Fee]
    plan: PlanSummary | None = Field(description="the active payment plan")
    reminders: list[Reminder]
    collections: list[Collection] = Field(
        description="direct debits `remit collect` sent for it, with status and return reason")


class RowError(Shape):
    """One bad value (a 422 lists them all; nothing is written)."""

    row: int = Field(description="the row's 1-based position in the request")
    column: str | None = Field(description="null for the row as a whole")
    value: str | None
    message: str


class HeldRow(Shape):
    """A valid row not imported: remit has applied cash to its invoice."""

    row: int
    invoice_number: str
    reason: str


class Rematched(Shape):
    """Money on account matched again after an import (reconcile/rematch.py)."""

    applied: int = Field(description="payments whose money left was applied")
    review: int = Field(description="payments looked at again and left as they were")
    deferred: int = Field(description="payments that changed meanwhile: left for later")
    error: str | None = Field(None, description="why matching failed (the import itself landed)")


class ImportResult(Shape):
    """What an upsert did (`remit invoices import --json`)."""

    file: str
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="rejected plus held")
    errors: list[RowError]
    warnings: list[str]
    format: str
    rows: int
    rejected: int
    held: list[HeldRow]
    customers_created: int
    customers_renamed: int
    accounts_added: int
    aliases_added: int
    rematched: Rematched = Field(description="payments with money on account (or in review for want of "
                                 "this invoice or customer) matched again against the invoices created "
                                 "or reopened: applied, or left as they were")


class ImportRejected(ImportResult):
    """A batch with a rejected row: nothing is written, every row error is listed."""

    detail: str
