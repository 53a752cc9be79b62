"""Payments held for review at ingest: a lockbox batch out of balance.

Why at ingest and not in matching: the bank's batch record says its checks do not add up (a
count or a total differs), so some item of it was keyed wrong or is missing — cash applied
from it could be wrong in any item. Its payments are stored (nothing is lost) but go straight
to the review queue with that reason, in the transaction that stores the file, so no matching
run ever takes them; a person checks the batch and applies by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ledger import audit
from ledger.models import BankEntry, BankTransaction, ReviewItem
from ledger.types import utc_now

REASON = "batch_out_of_balance"  # reconcile.model.ReviewReason.BATCH_OUT_OF_BALANCE


def hold_batches(session: Session, *, file_id: int, batches: Iterable[str], actor: str) -> list[int]:
    """Send this file's new, unmatched payments of these lockbox batches ("<lockbox>-<date>-
    <batch>", the prefix of their items' bank references) to review; their ids."""
    held: list[int] = []
    now = utc_now()
    for batch in sorted(set(batches)):
        ids = session.scalars(
            select(BankTransaction.id).join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .where(BankEntry.file_id == file_id, BankEntry.bank_reference.like(f"{batch}-%"),
                   BankTransaction.match_status == "unmatched")
            .order_by(BankTransaction.id)
        ).all()
        if not ids:
            continue
        session.execute(update(BankTransaction).where(BankTransaction.id.in_(ids))
                        .values(match_status="review", version=BankTransaction.version + 1))
        explanation = (f"Lockbox batch {batch} is out of balance (its item count or total differs from the "
                       "batch record): check the batch before applying any of its payments.")
        session.execute(insert(ReviewItem), [
            {"transaction_id": i, "reason": REASON, "explanation": explanation, "candidates": [],
             "status": "open", "created_at": now} for i in ids])
        for i in ids:
            audit.record(session, actor=actor, action="review_item.opened", entity_type="bank_transaction",
                         entity_id=i, after={"transaction_id": i, "reason": REASON, "batch": batch})
        held.extend(ids)
    return held
