"""Cash application on one payment: apply, reverse, flag for review. Never commits.

What a reviewer (or a test, or a follow-up such as a dispute) does to one payment. Each
function locks the payment, then its invoices (ordered by id, as a matching run does), and
writes through a one-payment `reconcile.postings.Postings` batch — the same checks and rows
as a matching run: invoice balances, the payment's applied total, status and version, audit
and outbox events. The schema enforces the invariants again (CHECKs and a partial unique
index): applied ≤ payment, open ≥ 0, one live application per payment and invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reconcile.model import Allocation, Candidate
from reconcile.postings import (
    ApplicationError,
    PaymentState,
    Postings,
    candidate_json,
    live_applications,
    lock_invoices,
    lock_payments,
)

__all__ = [
    "Applied", "ApplicationError", "StaleVersion", "apply_allocations", "candidate_json", "check_version",
    "close_review", "open_review", "reverse_applications", "set_match_status",
]


class StaleVersion(ApplicationError):
    """The payment changed since the caller looked at it (optimistic concurrency)."""


@dataclass(frozen=True, slots=True)
class Applied:
    application_ids: tuple[int, ...]
    invoice_numbers: tuple[str, ...]


def _lock(session: Session, transaction_id: int) -> PaymentState:
    found = lock_payments(session, [transaction_id]).get(transaction_id)
    if found is None:
        raise ApplicationError(f"no bank transaction #{transaction_id}")
    return found


def _batch(session: Session, transaction_id: int, invoice_ids: Sequence[int] = ()) -> Postings:
    """A batch over this payment (locked first) and these invoices (locked after it)."""
    payment = _lock(session, transaction_id)
    return Postings(session, payments={payment.id: payment}, invoices=lock_invoices(session, invoice_ids),
                    live=live_applications(session, [payment.id]) if payment.applied_minor else ())


def check_version(session: Session, transaction_id: int, expected: int | None) -> PaymentState:
    """Lock the payment; refuse if `expected` is given and the payment has moved on since."""
    payment = _lock(session, transaction_id)
    if expected is not None and payment.version != expected:
        raise StaleVersion(
            f"payment #{transaction_id} changed since you loaded it (version {expected}, now {payment.version}): "
            "reload and try again"
        )
    return payment


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
    postings = _batch(session, transaction_id, [a.invoice_id for a in allocations])
    numbers = postings.apply(transaction_id, allocations, method=method, actor=actor, confidence=confidence,
                             reasons=reasons)
    postings.flush()
    return Applied(tuple(postings.application_ids.get(transaction_id, ())), tuple(numbers))


def reverse_applications(session: Session, *, transaction_id: int, actor: str, reason: str) -> list[str]:
    """Reverse every live application of a payment; reopen the invoices (discount included).

    Returns the invoice numbers reopened. Applications are marked reversed, never deleted.
    """
    payment = _lock(session, transaction_id)
    apps = live_applications(session, [transaction_id])
    postings = Postings(session, payments={payment.id: payment},
                        invoices=lock_invoices(session, [a.invoice_id for a in apps]), live=apps)
    reopened = postings.reverse(transaction_id, apps, actor=actor, reason=reason)
    postings.flush()
    return reopened


def open_review(
    session: Session,
    *,
    transaction_id: int,
    reason: str,
    explanation: str,
    candidates: Sequence[Candidate],
    actor: str,
) -> None:
    """Open (or refresh) the one open review item of a payment."""
    postings = _batch(session, transaction_id)
    postings.open_review(transaction_id, reason=reason, explanation=explanation, candidates=candidates,
                         actor=actor)
    postings.flush()


def close_review(session: Session, *, transaction_id: int, status: str, resolution: str, actor: str) -> bool:
    postings = _batch(session, transaction_id)
    closed = postings.close_review(transaction_id, status=status, resolution=resolution, actor=actor)
    postings.flush()
    return closed


def set_match_status(session: Session, transaction_id: int, status: str) -> None:
    postings = _batch(session, transaction_id)
    postings.set_status(transaction_id, status)
    postings.flush()
