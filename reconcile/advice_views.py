"""Remittance advices as the API and the CLI show them (GET /api/v1/advices, `remit advices`).

Read-only views over `remittance_advices` (ingest/advice_store.py stores them,
reconcile/advice.py links and applies them): a list in id order, one advice with its lines,
and the brief list a payment's detail carries. Amounts are strings in the advice's currency
(2 decimals when it names none: the stored minor units are the payment's then).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from core.errors import Invalid
from core.money import minor_text
from ledger.models import BankFile, RemittanceAdvice
from ledger.models.advice import ADVICE_STATUSES
from ledger.repositories import invoices as book
from reconcile.view_rows import iso


def _statuses(status: str | None) -> list[str] | None:
    if status is None or not status.strip():
        return None
    wanted = [s.strip() for s in status.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in ADVICE_STATUSES]
    if unknown:
        raise Invalid(f"unknown advice status {unknown[0]!r}: one of {', '.join(ADVICE_STATUSES)}")
    return wanted


def summary(a: RemittanceAdvice) -> dict[str, Any]:
    return {
        "id": a.id,
        "format": a.format,
        "status": a.status,
        "reason": a.reason,
        "payer": a.payer,
        "payment_reference": a.payment_reference,
        "amount": minor_text(a.amount_minor, a.currency),
        "currency": a.currency,
        "payment_date": iso(a.payment_date),
        "transaction_id": a.transaction_id,
        "file_id": a.file_id,
        "lines": len(a.lines),
        "created_at": iso(a.created_at),
        "linked_at": iso(a.linked_at),
    }


def listing(
    session: Session,
    *,
    status: str | None = None,
    transaction_id: int | None = None,
    payer: str | None = None,
    q: str | None = None,
    file_id: int | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Advices in id order. status: one or several comma-separated (an unknown one is
    Invalid); payer: part of the payer's name; q: part of the payer's name, the payment
    reference or an invoice number on its lines (all case-insensitive)."""
    query = select(RemittanceAdvice).order_by(RemittanceAdvice.id).limit(limit)
    if after_id:
        query = query.where(RemittanceAdvice.id > after_id)
    statuses = _statuses(status)
    if statuses:
        query = query.where(RemittanceAdvice.status.in_(statuses))
    if transaction_id is not None:
        query = query.where(RemittanceAdvice.transaction_id == transaction_id)
    if file_id is not None:
        query = query.where(RemittanceAdvice.file_id == file_id)
    if payer and payer.strip():
        query = query.where(RemittanceAdvice.payer.icontains(payer.strip(), autoescape=True))
    if q and q.strip():
        term = q.strip()
        query = query.where(or_(
            RemittanceAdvice.payer.icontains(term, autoescape=True),
            RemittanceAdvice.payment_reference.icontains(term, autoescape=True),
            # The lines as the database writes their JSON: an invoice number is in there.
            cast(RemittanceAdvice.lines, String).icontains(term, autoescape=True),
        ))
    return [summary(a) for a in session.scalars(query)]


def detail(session: Session, advice_id: int) -> dict[str, Any] | None:
    """One advice: what the list shows, the file it came in, and its lines (each with the
    invoice's id when the book has it)."""
    row = session.execute(
        select(RemittanceAdvice, BankFile)
        .join(BankFile, BankFile.id == RemittanceAdvice.file_id)
        .where(RemittanceAdvice.id == advice_id)
    ).one_or_none()
    if row is None:
        return None
    a, f = row
    known = book.ids_by_number(session, [line["invoice_number"] for line in a.lines])
    out = summary(a)
    out["lines"] = [
        {
            "line": line.get("line"),
            "invoice_number": line["invoice_number"],
            "invoice_id": known.get(line["invoice_number"]),
            "paid": minor_text(line["paid_minor"], a.currency),
            "discount": minor_text(line["discount_minor"], a.currency),
        }
        for line in a.lines
    ]
    out["file"] = {"id": f.id, "name": f.name, "format": f.format}
    return out


def for_payment(session: Session, transaction_id: int) -> list[dict[str, Any]]:
    """The advices linked to a payment, briefly (a payment's detail carries them)."""
    rows = session.execute(
        select(RemittanceAdvice.id, RemittanceAdvice.format, RemittanceAdvice.status)
        .where(RemittanceAdvice.transaction_id == transaction_id)
        .order_by(RemittanceAdvice.id)
    ).all()
    return [{"id": r.id, "format": r.format, "status": r.status} for r in rows]
