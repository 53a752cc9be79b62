"""The AR book and the cash applied to it: customers (their accounts and aliases), invoices,
applications, and the review items a person must look at."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


class Customer(Base):
    """A customer of the AR book (id as the AR system knows it)."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    email: Mapped[str | None] = mapped_column(String(320))  # where reminders go
    phone: Mapped[str | None] = mapped_column(String(64))  # for call tasks (remit customers import)
    segment: Mapped[str | None] = mapped_column(String(32))  # picks a dunning policy (size, behaviour)
    dunning_policy_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_policies.id"))  # override
    # The parent or group company (reconcile.groups: related customers may pay each other's invoices).
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
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
        CheckConstraint("method IN ('auto', 'manual', 'direct_debit')", name="method"),
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
    method: Mapped[str] = mapped_column(String(16))  # auto | manual | direct_debit
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
