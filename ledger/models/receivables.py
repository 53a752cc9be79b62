"""The tables of collections (issue 5, receivables/): disputes, late fees, dunning policies
and reminders, payment plans and their instalments."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


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
    """A reminder step decided for an invoice (or a plan's instalment): an email is `sending`
    (claimed, committed with its Message-ID before the SMTP conversation), then `sent`,
    `failed` (temporary: retried on the next run), `undeliverable` (no address, or the server
    refused it for good: retried once the customer's address changes) or `unknown` (a run
    stopped between handing it over and recording the answer: never resent by itself);
    call, letter and agency steps are `queued` tasks, `done` when staff completed them."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'call', 'letter', 'agency')", name="channel"),
        CheckConstraint(
            "status IN ('sending', 'sent', 'queued', 'failed', 'undeliverable', 'unknown', 'done')",
            name="status",
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
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
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The email's Message-ID, fixed when the row is claimed (every attempt sends the same one:
    # a receiver, or a person reading the mail server's log, can tell one message from two).
    message_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # SMTP tries, all runs
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last claim or try


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
