"""Review items one at a time, as a reviewer works on them.

Items are opened, refreshed and closed with the payment's other changes by
reconcile/postings.py; here are the reads and the changes that are not cash. Nothing here
commits.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.models import ReviewItem


def open_item(session: Session, transaction_id: int) -> ReviewItem | None:
    """The payment's open review item (there is at most one), or None."""
    return session.scalars(
        select(ReviewItem).where(ReviewItem.transaction_id == transaction_id, ReviewItem.status == "open")
    ).one_or_none()


def set_assignee(session: Session, item_id: int, assignee: str | None) -> None:
    """Give the item to `assignee` (None: nobody); the loaded item object follows."""
    session.execute(update(ReviewItem).where(ReviewItem.id == item_id).values(assignee=assignee))


def ids_of_payment(session: Session, transaction_id: int) -> list[int]:
    """Every review item a payment ever had, open or closed."""
    return list(
        session.scalars(select(ReviewItem.id).where(ReviewItem.transaction_id == transaction_id))
    )
