"""Cash application in the database: apply, flag for review, reverse. Never commits.

Every change to money (an application, a reversal) updates the invoice's open amount and the
payment's applied total and writes an audit event, in the caller's transaction. The
invariants are checked here before writing and enforced again by the schema (CHECKs and a
partial unique index): applied ≤ payment, open ≥ 0, one live application per payment and
invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.errors import RemitError
from core.money import format_amount, minor_text, to_minor
from ledger import audit, events
from ledger.models import Application, BankEntry, BankTransaction, Invoice, ReviewItem
from ledger.types import utc_now
from reconcile.model import Allocation, Candidate


class ApplicationError(RemitError):
    """An application that would break an invariant (over-application, negative open, ...)."""


class StaleVersion(ApplicationError):
    """The payment changed since the caller looked at it (optimistic concurrency)."""


@dataclass(frozen=True, slots=True)
class Applied:
    application_ids: tuple[int, ...]
    invoice_numbers: tuple[str, ...]


def _lock_invoices(session: Session, ids: Sequence[int]) -> dict[int, Invoice]:
    # Row locks on PostgreSQL (SQLite holds the database write lock already): a concurrent run
    # waits, then sees the new open amounts.
    rows = session.scalars(select(Invoice).where(Invoice.id.in_(ids)).with_for_update()).all()
    return {r.id: r for r in rows}


def _lock_transaction(session: Session, transaction_id: int) -> BankTransaction:
    tx = session.scalars(
        select(BankTransaction).where(BankTransaction.id == transaction_id).with_for_update()
    ).one_or_none()
    if tx is None:
        raise ApplicationError(f"no bank transaction #{transaction_id}")
    return tx


def check_version(session: Session, transaction_id: int, expected: int | None) -> BankTransaction:
    """Lock the payment; refuse if `expected` is given and the payment has moved on since."""
    tx = _lock_transaction(session, transaction_id)
    if expected is not None and tx.version != expected:
        raise StaleVersion(
            f"payment #{transaction_id} changed since you loaded it (version {expected}, now {tx.version}): "
            "reload and try again"
        )
    return tx


def _bump(tx: BankTransaction) -> None:
    # A SQL expression, not tx.version + 1: core UPDATEs elsewhere may have moved it already.
    tx.version = BankTransaction.version + 1  # type: ignore[assignment]


def apply_allocations(
    session: Session,
    *,
    transaction_id: int,
    allocations: Sequence[Allocation],
    method: str,
    actor: str,
    confidence: int | None = None,
    reasons: Sequence[str] = (),
) -> Applied:
    """Apply cash from one bank transaction to invoices; raise ApplicationError, write nothing,
    if any invariant would break."""
    if not allocations:
        raise ApplicationError("nothing to apply")
    if len({a.invoice_id for a in allocations}) != len(allocations):
        raise ApplicationError("an invoice appears twice in one application")
    tx = _lock_transaction(session, transaction_id)
    if tx.amount_minor is None:
        raise ApplicationError(f"transaction #{transaction_id} has no amount of its own")
    entry = session.get(BankEntry, tx.entry_id)
    if entry is not None and entry.direction != "credit":
        raise ApplicationError(f"payment #{transaction_id} is a debit (money out): only credits settle invoices")
    if entry is not None and entry.status != "booked":
        raise ApplicationError(
            f"payment #{transaction_id} is {entry.status}, not booked: cash is applied once the bank books it"
        )
    currency = tx.currency or ""
    invoices = _lock_invoices(session, [a.invoice_id for a in allocations])
    live = set(
        session.scalars(
            select(Application.invoice_id).where(
                Application.transaction_id == transaction_id, Application.status == "applied"
            )
        )
    )
    rows: list[dict[str, Any]] = []
    total_applied = 0
    for a in allocations:
        invoice = invoices.get(a.invoice_id)
        if invoice is None:
            raise ApplicationError(f"no invoice #{a.invoice_id} ({a.invoice_number})")
        if invoice.currency != currency:
            raise ApplicationError(f"invoice {invoice.number} is in {invoice.currency}, the payment in {currency}")
        if invoice.id in live:
            raise ApplicationError(f"payment #{transaction_id} is already applied to {invoice.number}")
        applied, discount, write_off = (to_minor(x, currency) for x in (a.applied, a.discount, a.write_off))
        if min(applied, discount, write_off) < 0 or applied + discount + write_off == 0:
            raise ApplicationError(f"amounts for {invoice.number} must be positive")
        settled = applied + discount + write_off
        if settled > invoice.open_minor:
            raise ApplicationError(
                f"{invoice.number}: settling {minor_text(settled, currency)} exceeds its open "
                f"amount {minor_text(invoice.open_minor, currency)}"
            )
        total_applied += applied
        rows.append(dict(invoice=invoice, applied=applied, discount=discount, write_off=write_off, allocation=a))
    if tx.applied_minor + total_applied > tx.amount_minor:
        raise ApplicationError(
            f"payment #{transaction_id}: applying {minor_text(total_applied, currency)} "
            f"would exceed its amount {minor_text(tx.amount_minor, currency)} "
            f"({minor_text(tx.applied_minor, currency)} already applied)"
        )
    now = utc_now()
    ids = []
    for r in rows:
        invoice: Invoice = r["invoice"]
        before = _invoice_state(invoice)
        prior = events.snapshot(invoice)
        invoice.open_minor -= r["applied"] + r["discount"] + r["write_off"]
        invoice.discount_minor += r["discount"]
        invoice.written_off_minor += r["write_off"]
        invoice.status = "paid" if invoice.open_minor == 0 else "open"
        invoice.updated_at = now
        # Outbox row in this transaction: status change, or open amount (partial payment).
        events.invoice_changed(session, invoice, before=prior, cause=events.APPLICATION_CREATED,
                               actor=actor, transaction_id=transaction_id)
        app_id = session.execute(
            insert(Application)
            .values(
                transaction_id=transaction_id,
                invoice_id=invoice.id,
                currency=currency,
                applied_minor=r["applied"],
                discount_minor=r["discount"],
                write_off_minor=r["write_off"],
                write_off_reason=r["allocation"].write_off_reason,
                method=method,
                confidence=confidence,
                reasons=list(reasons),
                actor=actor,
                status="applied",
                created_at=now,
            )
            .returning(Application.id)
        ).scalar_one()
        ids.append(app_id)
        audit.record(
            session,
            actor=actor,
            action="application.created",
            entity_type="application",
            entity_id=app_id,
            before={"invoice": before},
            after={
                "invoice": _invoice_state(invoice),
                "transaction_id": transaction_id,
                "applied": minor_text(r["applied"], currency),
                "discount": minor_text(r["discount"], currency),
                "write_off": minor_text(r["write_off"], currency),
                "write_off_reason": r["allocation"].write_off_reason,
                "method": method,
                "confidence": confidence,
                "reasons": list(reasons),
            },
        )
    tx.applied_minor += total_applied
    tx.match_status = "applied"
    _bump(tx)
    session.flush()
    return Applied(tuple(ids), tuple(r["invoice"].number for r in rows))


def reverse_applications(session: Session, *, transaction_id: int, actor: str, reason: str) -> list[str]:
    """Reverse every live application of a payment; reopen the invoices (discount included).

    Returns the invoice numbers reopened. Applications are marked reversed, never deleted.
    """
    tx = _lock_transaction(session, transaction_id)
    apps = session.scalars(
        select(Application)
        .where(Application.transaction_id == transaction_id, Application.status == "applied")
        .order_by(Application.id)
        .with_for_update()
    ).all()
    invoices = _lock_invoices(session, [a.invoice_id for a in apps])
    now = utc_now()
    reopened = []
    for app in apps:
        invoice = invoices[app.invoice_id]
        before = _invoice_state(invoice)
        prior = events.snapshot(invoice)
        invoice.open_minor += app.applied_minor + app.discount_minor + app.write_off_minor
        invoice.discount_minor -= app.discount_minor
        invoice.written_off_minor -= app.write_off_minor
        invoice.status = "open"
        invoice.updated_at = now
        events.invoice_changed(session, invoice, before=prior, cause=events.APPLICATION_REVERSED,
                               actor=actor, transaction_id=transaction_id, reason=reason)
        app.status = "reversed"
        app.reversed_at = now
        app.reversed_by = actor
        app.reversal_reason = reason
        tx.applied_minor -= app.applied_minor
        reopened.append(invoice.number)
        audit.record(
            session,
            actor=actor,
            action="application.reversed",
            entity_type="application",
            entity_id=app.id,
            before={"invoice": before, "status": "applied"},
            after={"invoice": _invoice_state(invoice), "status": "reversed", "reason": reason},
        )
    if apps:
        _bump(tx)
    session.flush()
    return reopened


def open_review(
    session: Session,
    *,
    transaction_id: int,
    reason: str,
    explanation: str,
    candidates: Sequence[Candidate],
    actor: str,
) -> int:
    """Open (or refresh) the one open review item of a payment."""
    payload = [candidate_json(c) for c in candidates]
    existing = session.scalars(
        select(ReviewItem).where(ReviewItem.transaction_id == transaction_id, ReviewItem.status == "open")
    ).one_or_none()
    if existing is not None:
        existing.reason, existing.explanation, existing.candidates = reason, explanation, payload
        _bump_id(session, transaction_id)
        session.flush()
        return existing.id
    item_id = session.execute(
        insert(ReviewItem)
        .values(transaction_id=transaction_id, reason=reason, explanation=explanation, candidates=payload,
                status="open", created_at=utc_now())
        .returning(ReviewItem.id)
    ).scalar_one()
    _bump_id(session, transaction_id)
    audit.record(session, actor=actor, action="review_item.opened", entity_type="review_item", entity_id=item_id,
                 after={"transaction_id": transaction_id, "reason": reason})
    return item_id


def close_review(session: Session, *, transaction_id: int, status: str, resolution: str, actor: str) -> bool:
    item = session.scalars(
        select(ReviewItem).where(ReviewItem.transaction_id == transaction_id, ReviewItem.status == "open")
    ).one_or_none()
    if item is None:
        return False
    item.status, item.resolution, item.actor, item.resolved_at = status, resolution, actor, utc_now()
    _bump_id(session, transaction_id)
    audit.record(session, actor=actor, action=f"review_item.{status}", entity_type="review_item",
                 entity_id=item.id, before={"status": "open"}, after={"status": status, "resolution": resolution})
    session.flush()
    return True


def set_match_status(session: Session, transaction_id: int, status: str) -> None:
    session.execute(
        update(BankTransaction)
        .where(BankTransaction.id == transaction_id)
        .values(match_status=status, version=BankTransaction.version + 1)
    )


def _bump_id(session: Session, transaction_id: int) -> None:
    session.execute(
        update(BankTransaction).where(BankTransaction.id == transaction_id).values(version=BankTransaction.version + 1)
    )


def candidate_json(c: Candidate) -> dict[str, Any]:
    return {
        "customer_id": c.customer_id,
        "invoice_numbers": list(c.invoice_numbers),
        "score": c.score,
        "reasons": list(c.reasons),
        "unapplied": format_amount(c.unapplied),
        "allocations": [
            {
                "invoice_id": a.invoice_id,
                "invoice_number": a.invoice_number,
                "applied": format_amount(a.applied),
                "discount": format_amount(a.discount),
                "write_off": format_amount(a.write_off),
                "write_off_reason": a.write_off_reason,
            }
            for a in c.allocations
        ],
    }



def _invoice_state(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "open": minor_text(invoice.open_minor, invoice.currency),
        "discount": minor_text(invoice.discount_minor, invoice.currency),
        "written_off": minor_text(invoice.written_off_minor, invoice.currency),
        "status": invoice.status,
    }


