"""What happened: the append-only audit trail, and the outbox of invoice events that AR
systems read as a feed or receive by webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


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
