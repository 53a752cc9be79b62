"""Disputes and deductions: an amount of an invoice the customer contests. Never commits.

A dispute holds its amount from dunning and late fees (`disputed_minor`) until resolved:
  - credit: the amount comes off the invoice as a credit note (written off, reason
    `credit_note`);
  - write_off: the same, reason `dispute_write_off`;
  - rebill: the dispute closes and nothing is written off: the amount stays due (the AR
    system reissues a corrected invoice for it; remit keeps collecting the open amount);
  - rejected: the customer must pay: the amount stays due, dunning and fees resume on it.
Only credit and write_off change the invoice (open amount, status): through
`adjust_invoice`, which writes the audit event and the outbox event (ledger.events) in the
caller's transaction. If the customer paid part of the disputed amount meanwhile, only
what is still open comes off (open never goes below zero); the audit event says so.

Deductions: when a reviewer writes off a short-pay with reason `deduction`, remit does not
write it off (reconcile/manual.py calls `hold_deductions`): that amount stays open on the
invoice and a dispute (source `deduction`, linked to the payment) is opened over it, so it
stays claimable until someone resolves it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.errors import RemitError
from core.money import AmountError, minor_text, to_minor
from ledger import audit, events, invoice_status
from ledger.models import Customer, Dispute, Invoice
from ledger.types import utc_now
from reconcile.apply import ApplicationError, Applied
from reconcile.manual import ManualLine, manual_apply

REASON_CODES: dict[str, str] = {
    "pricing": "Price differs from the agreed price",
    "quantity": "Quantity differs from what was delivered",
    "damaged": "Goods arrived damaged",
    "not_received": "Goods or service not received",
    "duplicate_billing": "Billed twice",
    "deduction": "Customer deducted it from a payment",
    "other": "Other (see the note)",
}
RESOLUTIONS: dict[str, str] = {
    "credit": "Credit note: the amount comes off the invoice",
    "write_off": "Write off the amount",
    "rebill": "Rebill: the amount stays due (corrected invoice)",
    "rejected": "Rejected: the customer must pay",
}
# What a resolution writes off, and the reason recorded (None: nothing comes off).
WRITE_OFF_REASONS = {"credit": "credit_note", "write_off": "dispute_write_off"}
SOURCES = ("manual", "api", "deduction")
DEDUCTION = "deduction"
DISPUTE_RESOLVED = "dispute.resolved"  # the outbox event's cause


class DisputeError(RemitError):
    """A dispute that conflicts with the ledger (amount above what is undisputed, invoice
    paid, already resolved): 409 over HTTP."""

    status_code = 409


class DisputeInputError(DisputeError, ValueError):
    """Bad input (unknown reason or resolution, a non-positive amount): 422 over HTTP."""

    status_code = 422


class DisputeNotFound(DisputeError):
    """No such dispute or invoice: 404 over HTTP."""

    status_code = 404



def disputed_minor(session: Session, invoice_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Open disputes' amounts per invoice (invoices without one are absent); None: the whole
    book. For dunning and late fees: a disputed amount is held from both."""
    base = (
        select(Dispute.invoice_id, func.sum(Dispute.amount_minor))
        .where(Dispute.status == "open")
        .group_by(Dispute.invoice_id)
    )
    if invoice_ids is None:
        return {invoice_id: int(total) for invoice_id, total in session.execute(base)}
    ids = sorted(set(invoice_ids))
    out: dict[int, int] = {}
    for i in range(0, len(ids), 1000):  # bounded IN lists
        rows = session.execute(base.where(Dispute.invoice_id.in_(ids[i : i + 1000]))).all()
        out.update({invoice_id: int(total) for invoice_id, total in rows})
    return out


def _lock_invoice(
    session: Session, *, number: str | None = None, invoice_id: int | None = None
) -> Invoice:
    query = select(Invoice).with_for_update()
    query = (
        query.where(Invoice.number == number)
        if number is not None
        else query.where(Invoice.id == invoice_id)
    )
    invoice = session.scalars(query).one_or_none()
    if invoice is None:
        raise DisputeNotFound(f"no invoice {number or f'#{invoice_id}'}")
    return invoice


def dispute_json(
    d: Dispute, invoice: Invoice | None = None, customer_name: str | None = None
) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "dispute_id": d.id,
        "invoice_number": invoice.number if invoice is not None else None,
        "customer_id": invoice.customer_id if invoice is not None else None,
        "customer_name": customer_name,
        "currency": d.currency,
        "amount": minor_text(d.amount_minor, d.currency),
        "reason_code": d.reason_code,
        "note": d.note,
        "source": d.source,
        "transaction_id": d.transaction_id,
        "status": d.status,
        "resolution": d.resolution,
        "resolution_note": d.resolution_note,
        "opened_by": d.opened_by,
        "opened_at": iso(d.opened_at),
        "resolved_by": d.resolved_by,
        "resolved_at": iso(d.resolved_at),
    }


def _state(d: Dispute) -> dict[str, Any]:
    return {
        "invoice_id": d.invoice_id,
        "amount": minor_text(d.amount_minor, d.currency),
        "currency": d.currency,
        "reason_code": d.reason_code,
        "status": d.status,
        "resolution": d.resolution,
        "source": d.source,
    }


def _invoice_state(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "open": minor_text(invoice.open_minor, invoice.currency),
        "written_off": minor_text(invoice.written_off_minor, invoice.currency),
        "status": invoice.status,
    }


def open_dispute(
    session: Session,
    *,
    invoice_number: str,
    amount: Decimal,
    reason_code: str,
    actor: str,
    note: str | None = None,
    source: str = "manual",
    transaction_id: int | None = None,
) -> Dispute:
    """Open a dispute over `amount` of the invoice: at most its open amount minus what open
    disputes already hold. Audited (dispute.opened)."""
    if reason_code not in REASON_CODES:
        raise DisputeInputError(
            f"unknown reason code {reason_code!r}; one of: {', '.join(REASON_CODES)}"
        )
    if source not in SOURCES:
        raise DisputeInputError(f"unknown source {source!r}")
    invoice = _lock_invoice(session, number=invoice_number)
    try:
        minor = to_minor(amount, invoice.currency)
    except AmountError as error:
        raise DisputeInputError(str(error)) from None
    if minor <= 0:
        raise DisputeInputError("a disputed amount is positive")
    if invoice.status != "open" or invoice.open_minor == 0:
        raise DisputeError(f"invoice {invoice.number} is {invoice.status}: nothing open to dispute")
    held = disputed_minor(session, [invoice.id]).get(invoice.id, 0)
    free = invoice.open_minor - held
    if minor > free:
        raise DisputeError(
            f"{invoice.number}: disputing {minor_text(minor, invoice.currency)} exceeds what is "
            f"open and undisputed, {minor_text(max(free, 0), invoice.currency)} {invoice.currency} "
            f"(open {minor_text(invoice.open_minor, invoice.currency)}, "
            f"already disputed {minor_text(held, invoice.currency)})"
        )
    note = (note or "").strip() or None
    dispute_id = session.execute(
        insert(Dispute)
        .values(
            invoice_id=invoice.id,
            currency=invoice.currency,
            amount_minor=minor,
            reason_code=reason_code,
            note=note,
            source=source,
            transaction_id=transaction_id,
            status="open",
            opened_by=actor,
            opened_at=utc_now(),
        )
        .returning(Dispute.id)
    ).scalar_one()
    dispute = session.get(Dispute, dispute_id)
    assert dispute is not None
    audit.record(
        session,
        actor=actor,
        action="dispute.opened",
        entity_type="dispute",
        entity_id=dispute_id,
        after={
            **_state(dispute),
            "invoice": _invoice_state(invoice),
            "note": note,
            "transaction_id": transaction_id,
        },
    )
    return dispute


def adjust_invoice(
    session: Session,
    invoice: Invoice,
    *,
    minor: int,
    reason: str,
    actor: str,
    cause: str,
    entity: tuple[str, object],
) -> int:
    """Take `minor` (at most the open amount) off a locked invoice as written off: open amount
    and status, the audit event and the outbox event, in the caller's transaction. Returns
    what came off."""
    taken = min(minor, invoice.open_minor)
    if taken <= 0:
        return 0
    before, prior = _invoice_state(invoice), events.snapshot(invoice)
    invoice.open_minor -= taken
    invoice.written_off_minor += taken
    invoice.status = invoice_status.after_change(invoice.status, invoice.open_minor)
    invoice.updated_at = utc_now()
    session.flush()
    events.invoice_changed(session, invoice, before=prior, cause=cause, actor=actor, reason=reason)
    audit.record(
        session,
        actor=actor,
        action="invoice.adjusted",
        entity_type="invoice",
        entity_id=invoice.number,
        before={"invoice": before},
        after={
            "invoice": _invoice_state(invoice),
            "write_off": minor_text(taken, invoice.currency),
            "reason": reason,
            entity[0]: entity[1],
        },
    )
    return taken


def resolve_dispute(
    session: Session, *, dispute_id: int, resolution: str, actor: str, note: str | None = None
) -> Dispute:
    """Close an open dispute (409 if it is closed already). credit / write_off take the amount
    off the invoice; rebill / rejected leave it due."""
    if resolution not in RESOLUTIONS:
        raise DisputeInputError(
            f"unknown resolution {resolution!r}; one of: {', '.join(RESOLUTIONS)}"
        )
    # Lock the invoice first, then the dispute: the order open_dispute takes them in.
    invoice_id = session.scalar(select(Dispute.invoice_id).where(Dispute.id == dispute_id))
    if invoice_id is None:
        raise DisputeNotFound(f"no dispute #{dispute_id}")
    invoice = _lock_invoice(session, invoice_id=invoice_id)
    dispute = session.scalars(
        select(Dispute).where(Dispute.id == dispute_id).with_for_update()
    ).one()
    session.refresh(dispute)  # another transaction may have resolved it while we waited
    if dispute.status != "open":
        raise DisputeError(f"dispute #{dispute_id} is already resolved ({dispute.resolution})")
    before = _state(dispute)
    written_off = 0
    reason = WRITE_OFF_REASONS.get(resolution)
    if reason is not None:
        written_off = adjust_invoice(
            session,
            invoice,
            minor=dispute.amount_minor,
            reason=reason,
            actor=actor,
            cause=DISPUTE_RESOLVED,
            entity=("dispute_id", dispute.id),
        )
    note = (note or "").strip() or None
    dispute.status, dispute.resolution, dispute.resolution_note = "resolved", resolution, note
    dispute.resolved_by, dispute.resolved_at = actor, utc_now()
    after: dict[str, Any] = {**_state(dispute), "note": note, "invoice": _invoice_state(invoice)}
    if reason is not None:
        after["written_off"] = minor_text(written_off, dispute.currency)
        if written_off < dispute.amount_minor:
            paid_meanwhile = dispute.amount_minor - written_off
            after["paid_meanwhile"] = minor_text(paid_meanwhile, dispute.currency)
    audit.record(
        session,
        actor=actor,
        action="dispute.resolved",
        entity_type="dispute",
        entity_id=dispute.id,
        before=before,
        after=after,
    )
    session.flush()
    return dispute


def list_disputes(
    session: Session,
    *,
    status: str | None = None,
    invoice_number: str | None = None,
    customer_id: str | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Disputes newest first (cursor: the last dispute_id seen)."""
    query = (
        select(Dispute, Invoice, Customer.name)
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .order_by(Dispute.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Dispute.status == status)
    if invoice_number is not None:
        query = query.where(Invoice.number == invoice_number)
    if customer_id is not None:
        query = query.where(Invoice.customer_id == customer_id)
    if after_id is not None:
        query = query.where(Dispute.id < after_id)
    return [dispute_json(d, i, name) for d, i, name in session.execute(query).all()]


def get_dispute(session: Session, dispute_id: int) -> dict[str, Any]:
    row = session.execute(
        select(Dispute, Invoice, Customer.name)
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Dispute.id == dispute_id)
    ).one_or_none()
    if row is None:
        raise DisputeNotFound(f"no dispute #{dispute_id}")
    return dispute_json(*row)


# -- deductions (reconcile/manual.py) -----------------------------------------------------


class _Line(Protocol):
    invoice_number: str
    applied: Decimal
    discount: Decimal
    write_off: Decimal
    write_off_reason: str | None


L = TypeVar("L", bound=_Line)


def hold_deductions(lines: Sequence[L]) -> tuple[list[L], list[tuple[str, Decimal]]]:
    """Split a reviewer's lines: a write-off with reason `deduction` is not written off (the
    amount stays open); returns the lines to apply and the (invoice, amount) to dispute.
    A line left settling nothing is dropped."""
    kept: list[L] = []
    held: list[tuple[str, Decimal]] = []
    for line in lines:
        if line.write_off_reason == DEDUCTION and line.write_off > 0:
            held.append((line.invoice_number, line.write_off))
            line = dataclasses.replace(  # type: ignore[type-var]
                line, write_off=Decimal(0), write_off_reason=None
            )
            if line.applied + line.discount <= 0:
                continue
        kept.append(line)
    return kept, held


def apply_by_hand(
    session: Session,
    *,
    transaction_id: int,
    lines: Sequence[ManualLine],
    actor: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Applied:
    """A reviewer's application (reconcile.manual.manual_apply), except that a `deduction`
    write-off is not written off: the cash is applied, the deducted amount stays open on the
    invoice, disputed. What the API, the workbench and the CLI call."""
    kept, held = hold_deductions(lines)
    done = manual_apply(session, transaction_id=transaction_id, lines=kept, actor=actor, note=note,
                        expected_version=expected_version)
    open_deduction_disputes(session, held, transaction_id=transaction_id, actor=actor)
    return done


def open_deduction_disputes(
    session: Session, held: Sequence[tuple[str, Decimal]], *, transaction_id: int, actor: str
) -> list[Dispute]:
    """A dispute (source deduction, linked to the payment) over each amount held back; a
    refusal is the reviewer's application's refusal (ApplicationError: nothing lands)."""
    try:
        return [
            open_dispute(
                session,
                invoice_number=number,
                amount=amount,
                reason_code=DEDUCTION,
                actor=actor,
                note=f"deducted from payment #{transaction_id}",
                source=DEDUCTION,
                transaction_id=transaction_id,
            )
            for number, amount in held
        ]
    except DisputeError as error:
        raise ApplicationError(f"deduction not held as a dispute: {error}") from None
