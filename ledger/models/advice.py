"""Remittance advices (X12 820, CSV): what a payer says a payment pays, kept as received and
linked to the bank transaction it describes (reconcile/advice.py), whichever comes first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now

ADVICE_STATUSES = ("waiting", "applied", "review", "linked")


class RemittanceAdvice(Base):
    """One advice: the payment (reference, amount, date, payer) and its lines as JSON
    `[{"invoice_number", "paid_minor", "discount_minor", "line"}]` in minor units of
    `currency` (the payment's when the advice names none).

    status: waiting (no payment yet), applied (the payment applied per its lines), review
    (linked; its lines did not add up: the payment's review item shows it), linked (the
    payment had been applied already). `fingerprint` keeps a re-sent advice from counting twice."""

    __tablename__ = "remittance_advices"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'applied', 'review', 'linked')", name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_remittance_advices_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # its place in the file, from 1
    format: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    payer: Mapped[str | None] = mapped_column(String(512))
    payment_reference: Mapped[str | None] = mapped_column(String(256), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    payment_date: Mapped[date | None] = mapped_column(Date)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(8), default="waiting")
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why review (or linked only)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
