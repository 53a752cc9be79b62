"""Which open review items are receivables work, and which are not.

The review queue holds every payment a run did not apply. Most are customers' money that a
person must place (the AR queue). Some are not receivables at all, and an AR clerk cannot
act on them, but treasury still wants to see them, never to lose them:

  * money going out (an outgoing debit, a bank notice without an amount booked on a debit
    batch): nothing here pays an invoice;
  * money coming back in that was ours (a credit return or reversal: our own outgoing payment
    or direct debit refund sent back by the receiving bank).

Derived from the bank booking itself (direction, return), never stored: an item is in the
`receivable` queue when the cash came in as a customer's payment (a credit that is not a
return) or went back out as a customer's payment undone (a debit return or reversal, which
reopens invoices); every other item is `other`, with the note saying why. Readers filter with
`kind`: `receivable` (the AR queue, the default), `other`, or `all`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_

from core.errors import Invalid
from ledger.models import BankEntry
from reconcile.postings import IS_RETURN

RECEIVABLE = "receivable"
OTHER = "other"
KINDS = (RECEIVABLE, OTHER, "all")


def is_receivable() -> ColumnElement[bool]:
    """SQL: the review item's booking is receivables work (join BankTransaction and BankEntry)."""
    return or_(and_(BankEntry.direction == "credit", not_(IS_RETURN)),
               and_(BankEntry.direction == "debit", IS_RETURN))


def clause(kind: str | None) -> ColumnElement[bool] | None:
    """The WHERE clause of one queue (None: every item)."""
    if kind in (None, "", "all"):
        return None
    if kind == RECEIVABLE:
        return is_receivable()
    if kind == OTHER:
        return not_(is_receivable())
    raise Invalid(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def classify(*, direction: str, is_return: bool, reason: str | None) -> tuple[str, str | None]:
    """(queue, why it is not receivables work) of one booking in review."""
    if direction == "credit" and not is_return:
        return RECEIVABLE, None
    if direction == "debit" and is_return:
        return RECEIVABLE, None
    if direction == "credit":
        return OTHER, "not receivable: our own outgoing payment came back (credit return or reversal)"
    if reason == "no_amount":
        return OTHER, "not receivable: a bank notice on an outgoing debit, without an amount of its own"
    return OTHER, "not receivable: an outgoing debit (money paid out)"


def kind_of(row: Any) -> tuple[str, str | None]:
    """classify() of a (ReviewItem, BankTransaction, BankEntry) read together."""
    item, tx, entry = row
    is_return = bool(tx.return_reason or tx.return_info or entry.reversal)
    return classify(direction=entry.direction, is_return=is_return, reason=item.reason)
