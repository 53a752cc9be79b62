"""What the bank sent: files, the statements they state, entries (bookings) stored once
however many files report them, and the transactions (remittance units) that get matched."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


class BankFile(Base):
    """Every file received, kept byte-for-byte in the archive and known by its SHA-256."""

    __tablename__ = "bank_files"
    __table_args__ = (
        CheckConstraint("status IN ('received', 'parsed', 'rejected')", name="status"),
        CheckConstraint("size_bytes >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    source: Mapped[str] = mapped_column(String(32))  # cli | api | inbox | sftp | demo
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    archive_path: Mapped[str] = mapped_column(String(1024))
    format: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="received")
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    statements: Mapped[int] = mapped_column(Integer, default=0)
    entries_new: Mapped[int] = mapped_column(Integer, default=0)
    entries_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    transactions_new: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StatementRow(Base):
    """A statement / notification / report as one file stated it (kept per file)."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # position in the file
    statement_id: Mapped[str | None] = mapped_column(String(256))
    account: Mapped[str | None] = mapped_column(String(128))
    currency: Mapped[str | None] = mapped_column(String(3))
    opening_minor: Mapped[int | None] = mapped_column(BigInteger)
    closing_minor: Mapped[int | None] = mapped_column(BigInteger)
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    balances: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class BankEntry(Base):
    """A booking on a bank account, stored once however many files report it."""

    __tablename__ = "bank_entries"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_positive"),
        CheckConstraint("direction IN ('credit', 'debit')", name="direction"),
        CheckConstraint("status IN ('booked', 'pending', 'info')", name="status"),
        CheckConstraint(
            "ref_key IS NOT NULL OR e2e_key IS NOT NULL OR content_key IS NOT NULL", name="has_key"
        ),
        Index("ix_bank_entries_account_booking", "account", "booking_date"),
        # Advices and direct-debit settlement look payments up by bank reference.
        Index("ix_bank_entries_bank_reference", "bank_reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    account: Mapped[str | None] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(8))
    booking_date: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    bank_reference: Mapped[str | None] = mapped_column(String(256))
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(8))
    bank_code: Mapped[str | None] = mapped_column(String(128))
    additional_info: Mapped[str | None] = mapped_column(Text)
    charges_minor: Mapped[int | None] = mapped_column(BigInteger)
    ref_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    e2e_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class BankEntrySighting(Base):
    """Each file that reported an entry: explains why a second report applied nothing."""

    __tablename__ = "bank_entry_sightings"

    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(8))  # the status this file reported


class BankTransaction(Base):
    """The remittance unit (camt TxDtls, ACH entry, lockbox check): what gets matched."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        CheckConstraint("amount_minor IS NULL OR amount_minor >= 0", name="amount_positive"),
        # Cash applied from this payment never exceeds it (sum of live applications).
        CheckConstraint(
            "applied_minor >= 0 AND (amount_minor IS NULL OR applied_minor <= amount_minor)",
            name="applied_within_amount",
        ),
        CheckConstraint(
            "match_status IN ('unmatched', 'applied', 'review', 'ignored', 'returned')",
            name="match_status",
        ),
        Index("ix_bank_transactions_entry_seq", "entry_id", "seq", unique=True),
        Index("ix_bank_transactions_match_status", "match_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"))
    seq: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    end_to_end_id: Mapped[str | None] = mapped_column(String(256), index=True)
    instruction_id: Mapped[str | None] = mapped_column(String(256))
    transaction_id: Mapped[str | None] = mapped_column(String(256), index=True)
    uetr: Mapped[str | None] = mapped_column(String(64))
    mandate_id: Mapped[str | None] = mapped_column(String(256))
    check_number: Mapped[str | None] = mapped_column(String(64))
    counterparty_name: Mapped[str | None] = mapped_column(String(512))
    counterparty_account: Mapped[str | None] = mapped_column(String(128), index=True)
    # The party the payment is made for (camt UltmtDbtr), when the payer pays on its behalf.
    ultimate_name: Mapped[str | None] = mapped_column(String(512))
    ultimate_id: Mapped[str | None] = mapped_column(String(256))  # its Othr/Id: often our customer number
    remittance: Mapped[list[str]] = mapped_column(JSON, default=list)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    invoices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    return_reason: Mapped[str | None] = mapped_column(String(16))
    return_original_reference: Mapped[str | None] = mapped_column(String(256), index=True)
    return_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    change_code: Mapped[str | None] = mapped_column(String(8))
    change_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    applied_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    match_status: Mapped[str] = mapped_column(String(10), default="unmatched", server_default="unmatched")
    # Bumped by every change to the payment's cash or review state: a reviewer's action names
    # the version it saw, and is refused (409) if the payment changed meanwhile.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class RecordedPayment(Base):
    """A payment received outside the bank files (portal, card, cheque at the counter),
    recorded with `POST /api/v1/payments` under an Idempotency-Key (issue 15 B).

    The money itself is a BankTransaction of a synthetic file of source `api` (one file,
    statement and entry per recorded payment), so matching, views, returns and the review
    queue see it as any payment; this row holds only what is the API's own: the key, the
    hash of the canonical body it was first sent with (a replay with another body is a 409),
    and the bank credit that later turned out to be its settlement (reconcile.recorded).
    """

    __tablename__ = "recorded_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("bank_transactions.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(256))
    received_at: Mapped[date] = mapped_column(Date)
    # The bank credit recognised as this payment's settlement (card payout, cheque deposit).
    # (One card payout may settle a whole day's recorded payments: reconcile/payouts.py.)
    settled_by: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id"), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
