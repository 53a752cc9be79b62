"""Database models (DESIGN.md §4). Money is integer minor units (`*_minor`) + ISO currency.

Invariants live in the schema too (CHECK constraints), so no code path can break them.
"""

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
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ledger.types import UTCDateTime, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def column_length(attribute: Any) -> int:
    """The length of a String(n) column: the longest text an input bound for it may have.
    SQLite ignores VARCHAR lengths, PostgreSQL refuses longer text with an error that must
    never reach a caller as a 500 or a traceback, so inputs are checked against this."""
    length = attribute.property.columns[0].type.length
    if not isinstance(length, int):
        raise TypeError(f"{attribute} is not a String(n) column")
    return length


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


class Customer(Base):
    """A customer of the AR book (id as the AR system knows it)."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    email: Mapped[str | None] = mapped_column(String(320))  # where reminders go
    segment: Mapped[str | None] = mapped_column(String(32))  # picks a dunning policy (size, behaviour)
    dunning_policy_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_policies.id"))  # override
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CustomerAccount(Base):
    """A bank account a customer pays from (normalized: IBAN, ABA:<routing>:<account>, ...)."""

    __tablename__ = "customer_accounts"
    __table_args__ = (CheckConstraint("source IN ('imported', 'learned')", name="source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    account: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CustomerAlias(Base):
    """Another name a customer pays under (a parent company, a trading name, a payer's typo)."""

    __tablename__ = "customer_aliases"
    __table_args__ = (
        CheckConstraint("source IN ('imported', 'learned')", name="source"),
        Index("ix_customer_aliases_customer_alias", "customer_id", "alias", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    alias: Mapped[str] = mapped_column(String(512))
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Invoice(Base):
    """An invoice of the AR book. open = amount - applied - discount - written off, never < 0."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_positive"),
        CheckConstraint("open_minor >= 0 AND open_minor <= amount_minor", name="open_within_amount"),
        CheckConstraint("discount_minor >= 0 AND written_off_minor >= 0", name="adjustments_positive"),
        CheckConstraint("status IN ('open', 'paid', 'void')", name="status"),
        Index("ix_invoices_customer_status", "customer_id", "status"),
        # Finding the invoice a payment without a reference pays: by its amount or open amount.
        Index("ix_invoices_amount", "amount_minor"),
        Index("ix_invoices_open", "open_minor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    open_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    written_off_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[str | None] = mapped_column(String(64))
    po_number: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Application(Base):
    """Cash from one bank transaction applied to one invoice; reversed, never deleted."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(
            "applied_minor >= 0 AND discount_minor >= 0 AND write_off_minor >= 0", name="amounts_positive"
        ),
        CheckConstraint("method IN ('auto', 'manual')", name="method"),
        CheckConstraint("status IN ('applied', 'reversed')", name="status"),
        # Never two live applications of one payment to one invoice.
        Index(
            "uq_applications_live",
            "transaction_id",
            "invoice_id",
            unique=True,
            sqlite_where=text("status = 'applied'"),
            postgresql_where=text("status = 'applied'"),
        ),
        Index("ix_applications_invoice", "invoice_id"),
        Index("ix_applications_created_at", "created_at"),  # the dashboard's "applied today"
        # A payment's applications, reversed ones too (uq_applications_live covers live only).
        Index("ix_applications_transaction", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("bank_transactions.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    currency: Mapped[str] = mapped_column(String(3))
    applied_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    write_off_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    write_off_reason: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(8), default="applied")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_by: Mapped[str | None] = mapped_column(String(128))
    reversal_reason: Mapped[str | None] = mapped_column(String(256))


class ReviewItem(Base):
    """A payment a person must look at, with ranked suggestions and the reason."""

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
        # At most one open item per payment.
        Index(
            "uq_review_items_open",
            "transaction_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_review_items_status", "status"),
        # A payment's latest item once resolved (uq_review_items_open covers open ones only).
        Index("ix_review_items_transaction", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("bank_transactions.id"))
    reason: Mapped[str] = mapped_column(String(32))
    explanation: Mapped[str] = mapped_column(Text, default="")
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(128))  # who is working on it (reassignable)
    actor: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only (triggers refuse UPDATE and DELETE): who did what to what, when."""

    __tablename__ = "audit_events"
    # One entity's history (an invoice's, a payment's applications') without reading the trail.
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class InvoiceEvent(Base):
    """Outbox of invoice status changes, written in the transaction that made the change.

    AR systems read it as a feed (cursor = id) or receive it by webhook; the delivery columns
    record each webhook attempt so nothing is sent twice or silently dropped.
    """

    __tablename__ = "invoice_events"
    __table_args__ = (
        CheckConstraint("delivery_status IN ('pending', 'delivered', 'failed')", name="delivery_status"),
        Index("ix_invoice_events_delivery", "delivery_status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # uuid4: the receiver's idempotency key
    type: Mapped[str] = mapped_column(String(64))  # invoice.status_changed
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    invoice_number: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    delivery_status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_response_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UiSession(Base):
    """A browser session of the workbench: signed in with an API key, known by a token digest."""

    __tablename__ = "ui_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """A failed workbench sign-in, kept in the database so that every instance counts every
    failure (ui/security.py: the lock-out); rows older than the window are deleted."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_client_at", "client", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(64))  # the client's address
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ApiKey(Base):
    """API keys, stored only as HMAC-SHA256 digests, each with its scopes."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- collections (issue 5): disputes, late fees, dunning, payment plans ----------------------


class Dispute(Base):
    """A disputed amount on an invoice: held from dunning and late fees until resolved."""

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        CheckConstraint(
            "resolution IS NULL OR resolution IN ('credit', 'write_off', 'rebill', 'rejected')",
            name="resolution",
        ),
        CheckConstraint("source IN ('manual', 'api', 'deduction')", name="source"),
        Index("ix_disputes_invoice_status", "invoice_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason_code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id"))  # deduction
    status: Mapped[str] = mapped_column(String(8), default="open")
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FeeItem(Base):
    """A late fee charged on an overdue invoice for one period; exported to the AR system."""

    __tablename__ = "fee_items"
    __table_args__ = (
        CheckConstraint("amount_minor > 0 AND base_minor >= 0", name="amounts"),
        CheckConstraint(
            "kind IN ('finance_charge', 'late_interest', 'late_compensation')", name="kind"
        ),
        CheckConstraint("status IN ('open', 'exported', 'void')", name="status"),
        # One fee of a kind per invoice and period: a re-run of the job charges nothing twice.
        Index("uq_fee_items_period", "invoice_id", "kind", "period_end", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    base_minor: Mapped[int] = mapped_column(BigInteger)  # the overdue, undisputed balance charged on
    rate: Mapped[str | None] = mapped_column(String(16))  # decimal text, e.g. "1.5" (% per month)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    explanation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DunningPolicy(Base):
    """Ordered reminder steps relative to the due date, for a customer segment.

    steps: [{"name", "offset_days" (negative = before due), "channel" (email|call|letter),
    "template"}], ordered by offset_days.
    """

    __tablename__ = "dunning_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    segment: Mapped[str | None] = mapped_column(String(32), unique=True)  # null: the default policy
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Reminder(Base):
    """A reminder step decided for an invoice (or a plan's instalment): sent, queued (call task,
    letter, agency hand-off) or failed; `done` when staff completed a queued task."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'call', 'letter', 'agency')", name="channel"),
        CheckConstraint("status IN ('sent', 'queued', 'failed', 'done')", name="status"),
        Index("ix_reminders_customer", "customer_id"),
        Index("ix_reminders_invoice", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Never the same step twice (the job may run as often as it likes): e.g.
    # "invoice:<id>:policy:<id>:step:<name>" or "instalment:<id>:step:<name>".
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("dunning_policies.id"))
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("instalments.id"))
    step: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    days_past_due: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PaymentPlan(Base):
    """An instalment schedule over one or more invoices of a customer."""

    __tablename__ = "payment_plans"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'completed', 'broken', 'cancelled')", name="status"),
        CheckConstraint("grace_days >= 0", name="grace"),
        Index("ix_payment_plans_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(64), unique=True)  # quoted on instalment payments
    grace_days: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(10), default="active")
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PaymentPlanInvoice(Base):
    __tablename__ = "payment_plan_invoices"

    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True, index=True)


class Instalment(Base):
    """One instalment of a plan: due on a date; paid by cash applied to the plan's invoices."""

    __tablename__ = "instalments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0 AND paid_minor >= 0", name="amounts"),
        CheckConstraint("status IN ('due', 'paid', 'missed')", name="status"),
        Index("uq_instalments_plan_seq", "plan_id", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"))
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(8), default="due")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
