"""Direct-debit collection (issue 15): customers' mandates and the collections sent under them.

A mandate lets remit debit a customer's account (SEPA: an IBAN; ACH: ABA:<routing>:<account>).
`remit collect` records a collection per open invoice it asks the bank to debit (a pain.008 or
NACHA entry): pending until the bank reports it settled (the invoice is then paid, method
`direct_debit`) or returned (the invoice stays or is reopened; a final reason deactivates the
mandate). At most one pending or settled collection per invoice: a second run writes nothing
new for an invoice already being collected.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


class Mandate(Base):
    """A customer's authorisation to debit one account (imported: `remit mandates import`)."""

    __tablename__ = "mandates"
    __table_args__ = (
        CheckConstraint("scheme IN ('sepa', 'ach')", name="scheme"),
        CheckConstraint("status IN ('active', 'inactive')", name="status"),
        CheckConstraint("account_type IS NULL OR account_type IN ('checking', 'savings')", name="account_type"),
        Index("ix_mandates_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mandate_id: Mapped[str] = mapped_column(String(35), unique=True)  # as signed (SEPA MndtId: 35)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    scheme: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(128))  # IBAN, or ABA:<routing>:<account>
    account_type: Mapped[str | None] = mapped_column(String(8))  # ACH: checking | savings
    signed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="active")
    # Why it is inactive: imported so, or the bank's final return reason (R02, MD01, ...).
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Collection(Base):
    """One invoice's debit instruction in one file sent to the bank, and what became of it."""

    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("scheme IN ('sepa', 'ach')", name="scheme"),
        CheckConstraint("status IN ('pending', 'settled', 'returned')", name="status"),
        CheckConstraint("sequence IS NULL OR sequence IN ('FRST', 'RCUR')", name="sequence"),
        # One collection under way (or done) per invoice: a run again never debits twice.
        Index("uq_collections_live_invoice", "invoice_id", unique=True,
              sqlite_where=text("status IN ('pending', 'settled')"),
              postgresql_where=text("status IN ('pending', 'settled')")),
        Index("ix_collections_invoice", "invoice_id"),
        Index("ix_collections_batch", "batch_ref"),
        Index("ix_collections_trace", "trace"),
        Index("ix_collections_mandate", "mandate_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandates.id"))
    scheme: Mapped[str] = mapped_column(String(4))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    batch_ref: Mapped[str] = mapped_column(String(35))  # pain.008 PmtInfId / NACHA batch reference
    trace: Mapped[str | None] = mapped_column(String(15))  # NACHA trace number
    sequence: Mapped[str | None] = mapped_column(String(4))  # SEPA FRST | RCUR
    file_name: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    collection_date: Mapped[date] = mapped_column(Date)  # requested collection / effective entry date
    status: Mapped[str] = mapped_column(String(8), default="pending")
    return_reason: Mapped[str | None] = mapped_column(String(16))
    return_detail: Mapped[str | None] = mapped_column(Text)
    settled_by: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id"))
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id"))
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
