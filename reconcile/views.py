"""Read models of cash application (DESIGN.md §6 shapes), shared by the CLI and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.money import format_amount, from_minor
from ledger.models import Application, BankEntry, BankTransaction, Invoice, ReviewItem


def applications(session: Session, *, transaction_id: int | None = None) -> list[dict[str, Any]]:
    query = (
        select(Application, BankTransaction, BankEntry, Invoice)
        .join(BankTransaction, BankTransaction.id == Application.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .join(Invoice, Invoice.id == Application.invoice_id)
        .order_by(Application.id)
    )
    if transaction_id is not None:
        query = query.where(Application.transaction_id == transaction_id)
    return [
        {
            "application_id": a.id,
            "transaction_id": t.id,
            "bank_reference": e.bank_reference,
            "end_to_end_id": t.end_to_end_id,
            "invoice_number": i.number,
            "currency": a.currency,
            "applied_amount": format_amount(from_minor(a.applied_minor, a.currency)),
            "discount_amount": format_amount(from_minor(a.discount_minor, a.currency)),
            "write_off_amount": format_amount(from_minor(a.write_off_minor, a.currency)),
            "write_off_reason": a.write_off_reason,
            "method": a.method,
            "confidence": a.confidence,
            "reasons": a.reasons,
            "status": a.status,
            "actor": a.actor,
            "created_at": a.created_at.isoformat(),
        }
        for a, t, e, i in session.execute(query).all()
    ]


def exceptions(
    session: Session, *, reason: str | None = None, limit: int | None = None, after_id: int | None = None
) -> list[dict[str, Any]]:
    """Open review items, oldest first; `after_id` pages by review item id (a stable cursor)."""
    query = (
        select(ReviewItem, BankTransaction, BankEntry)
        .join(BankTransaction, BankTransaction.id == ReviewItem.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(ReviewItem.status == "open")
        .order_by(ReviewItem.id)
    )
    if reason:
        query = query.where(ReviewItem.reason == reason)
    if after_id is not None:
        query = query.where(ReviewItem.id > after_id)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "review_id": r.id,
            "transaction_id": t.id,
            "bank_reference": e.bank_reference,
            "end_to_end_id": t.end_to_end_id,
            "amount": format_amount(from_minor(t.amount_minor, t.currency)) if t.amount_minor is not None else None,
            "currency": t.currency or e.currency,
            "payer": t.counterparty_name,
            "payer_account": t.counterparty_account,
            "value_date": (e.value_date or e.booking_date).isoformat() if (e.value_date or e.booking_date) else None,
            "remittance": t.remittance,
            "reason": r.reason,
            "explanation": r.explanation,
            "candidates": [
                {"invoice_numbers": c["invoice_numbers"], "score": c["score"], "reasons": c["reasons"],
                 "allocations": c.get("allocations", [])}
                for c in r.candidates
            ],
            "created_at": r.created_at.isoformat(),
        }
        for r, t, e in session.execute(query).all()
    ]
