"""Returns and reversals: find the original payment, reverse its applications, flag it.

An ACH return (addenda 99) names the original entry's trace number; a camt return (RtrInf) or
reversal (RvslInd) carries the original end-to-end id; a BAI2 returned item rarely names
anything. A return whose original is found reverses every live application of that payment
in the caller's transaction (invoices reopen, discounts too) and raises a "returned payment"
review item with the reason code; a return whose original is unknown becomes a review item.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.models import BankEntry, BankTransaction
from reconcile import apply
from reconcile.model import ReviewReason


@dataclass
class ReturnOutcome:
    transaction_id: int
    original_id: int | None
    reopened: list[str]
    reason_code: str | None


def _original(session: Session, tx: BankTransaction, entry: BankEntry) -> BankTransaction | None:
    """The one payment this return undoes, or None when unknown or not unique."""
    ref = tx.return_original_reference or tx.end_to_end_id
    if not ref:
        return None
    found = session.execute(
        select(BankTransaction)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(
            BankTransaction.id != tx.id,
            or_(BankTransaction.transaction_id == ref, BankTransaction.end_to_end_id == ref),
            BankTransaction.return_reason.is_(None),
            BankEntry.reversal.is_(False),
            # A return gives back the whole payment. (Not "the other direction": NACHA codes the
            # return of a debit entry 27 as 26, a debit too.)
            BankTransaction.amount_minor == tx.amount_minor,
            BankEntry.status == "booked",
        )
        .order_by(BankTransaction.id)
    ).scalars().all()
    return found[0] if len(found) == 1 else None


def process_return(session: Session, tx: BankTransaction, entry: BankEntry, *, actor: str) -> ReturnOutcome:
    code = tx.return_reason or ("reversal" if entry.reversal else None)
    original = _original(session, tx, entry)
    if original is None:
        apply.set_match_status(session, tx.id, "review")
        apply.open_review(
            session,
            transaction_id=tx.id,
            reason=ReviewReason.RETURNED_PAYMENT.value,
            explanation=(
                f"Returned payment ({code or 'no reason code'}); the original payment "
                f"{tx.return_original_reference or tx.end_to_end_id or '(no reference given)'} is not known here."
            ),
            candidates=[],
            actor=actor,
        )
        return ReturnOutcome(tx.id, None, [], code)
    reopened = apply.reverse_applications(
        session, transaction_id=original.id, actor=actor, reason=f"returned: {code or 'reversal'} (transaction #{tx.id})"
    )
    apply.close_review(session, transaction_id=original.id, status="resolved",
                       resolution=f"payment returned ({code})", actor=actor)
    apply.set_match_status(session, original.id, "returned")
    apply.set_match_status(session, tx.id, "returned")
    apply.open_review(
        session,
        transaction_id=tx.id,
        reason=ReviewReason.RETURNED_PAYMENT.value,
        explanation=(
            f"Payment #{original.id} came back ({code or 'reversal'}): "
            + (f"applications to {', '.join(reopened)} reversed, invoices reopened." if reopened else "it had no applications.")
        ),
        candidates=[],
        actor=actor,
    )
    return ReturnOutcome(tx.id, original.id, reopened, code)
