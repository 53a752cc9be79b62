"""Single bank transactions (payments) as a reviewer's action reads and changes them.

Matching runs and cash application lock and write payments in sets (reconcile/postings.py);
these are the few one-row reads and writes around them. Nothing here commits.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.models import BankTransaction


class Counterparty(NamedTuple):
    """Who the bank says paid: as received, not normalized."""

    account: str | None
    name: str | None


def counterparty(session: Session, transaction_id: int) -> Counterparty | None:
    """The payer's account and name on this transaction; None if there is no such transaction."""
    row = session.execute(
        select(BankTransaction.counterparty_account, BankTransaction.counterparty_name)
        .where(BankTransaction.id == transaction_id)
    ).one_or_none()
    return None if row is None else Counterparty(*row)


def bump_version(session: Session, transaction_id: int) -> None:
    """A new version of the payment: its review state changed outside a `Postings` batch (which
    bumps the versions it writes itself). The caller holds the payment's row lock."""
    session.execute(update(BankTransaction).where(BankTransaction.id == transaction_id)
                    .values(version=BankTransaction.version + 1))
