"""Record a payment received outside the bank files (POST /api/v1/payments), in the caller's
transaction (the request's session): store it, then match it at once like any payment.

The rules (idempotency, settlement by a later bank credit) are reconcile/recorded.py's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconcile import recorded
from reconcile.recorded import PaymentIn
from reconcile.service import match_pending
from workflows.pipeline import credit_plans
from workflows.runtime import Runtime


def record_payment(session: Session, rt: Runtime, key: str, body: PaymentIn, *, actor: str,
                   today: date) -> tuple[int, bool]:
    """(transaction id, replayed). A replay (same key, same body) changes nothing; the same
    key with another body is a Conflict; bad input is Invalid and stores nothing."""
    found = recorded.replayed(session, key, body)
    if found is not None:
        return found, True
    amount_minor = recorded.check(session, body)
    try:
        with session.begin_nested():  # a concurrent request with this key: its insert fails here
            tx_id = recorded.store(session, key, body, amount_minor, actor=actor)
    except IntegrityError:
        found = recorded.replayed(session, key, body)  # committed by the other request meanwhile
        if found is None:
            raise
        return found, True
    match_pending(session, actor=actor, today=today, settings=rt.match_settings(), transaction_ids=[tx_id],
                  after_apply=credit_plans)
    return tx_id, False
