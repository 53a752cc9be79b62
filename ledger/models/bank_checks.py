"""What a person must look at about the bank's data itself, not about a payment: a statement
that does not add up or follow on (statement checks), and the corrections a bank sends for a
customer's account (notifications of change). Both are review items of their own kind: open
until someone resolves them, each decision audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


class StatementNumberRow(Base):
    """A statement's sequence number as stored (camt ElctrncSeqNb / LglSeqNb, BAI2 file id):
    what the next statement's number is checked against for a gap or a repeat."""

    __tablename__ = "statement_numbers"
    __table_args__ = (Index("ix_statement_numbers_scope", "kind", "scope", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"))
    kind: Mapped[str] = mapped_column(String(16))  # electronic | legal | file
    scope: Mapped[str] = mapped_column(String(300))  # what the numbers count within (ingest/sequences.py)
    number: Mapped[int] = mapped_column(BigInteger)  # camt allows 18 digits


class StatementCheck(Base):
    """A statement that failed a check (ingest/integrity.py), with both figures, to review."""

    __tablename__ = "statement_checks"
    __table_args__ = (
        CheckConstraint("kind IN ('balance', 'continuity', 'sequence')", name="kind"),
        CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
        Index("ix_statement_checks_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"))
    account: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    # The figure the statement should show and the one it shows: amounts as decimal text
    # (never summed: the money itself is in the statement's rows), or sequence numbers.
    expected: Mapped[str | None] = mapped_column(String(64))
    found: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChangeProposal(Base):
    """A bank's notification of change (NACHA COR, C01-C13): the corrected account, routing or
    name of a customer, proposed and applied only after a person accepts it."""

    __tablename__ = "change_proposals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'applied', 'rejected')", name="status"),
        Index("ix_change_proposals_status", "status"),
        # One proposal per notification, however often the file is reprocessed.
        Index("uq_change_proposals_transaction", "transaction_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("bank_transactions.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))  # found by the old account
    change_code: Mapped[str] = mapped_column(String(8))
    old_account: Mapped[str | None] = mapped_column(String(128))  # normalized, ABA:<routing>:<account>
    new_account: Mapped[str | None] = mapped_column(String(128))
    new_name: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # transaction code, id, text
    explanation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
