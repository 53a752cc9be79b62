"""A customer's payment history as evidence: does it pay its invoices oldest first?

Why: a payment with no reference for exactly one of two open invoices of one customer with
the same amount names neither. Which one it settles is the customer's habit, and only its
history can tell: a customer whose payments settled its invoices in issue order, every time,
pays oldest first (the engine then takes the oldest and says why: reconcile.drafts
`oldest_first`); any other customer's tie stays a person's call.

In issue order: over the last HISTORY_DAYS, the customer's live applications, in the order
they were made, reach invoices whose issue dates never go back — and at least MIN_PAID of
them, so one or two payments are no habit. One window query (both databases have LAG).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.models import Application, Invoice

HISTORY_DAYS = 365
MIN_PAID = 3


def paid_oldest_first(session: Session, *, today: date) -> dict[str, int]:
    """Customer id -> how many of its invoices it paid in issue order (only customers whose
    every payment in the window went in issue order, at least MIN_PAID)."""
    since = datetime.combine(today - timedelta(days=HISTORY_DAYS), time.min, tzinfo=timezone.utc)
    previous = func.lag(Invoice.issue_date).over(partition_by=Invoice.customer_id,
                                                 order_by=(Application.created_at, Application.id))
    ordered = (select(Invoice.customer_id.label("customer_id"), Invoice.issue_date.label("issued"),
                      previous.label("before"))
               .join(Invoice, Invoice.id == Application.invoice_id)
               .where(Application.status == "applied", Application.created_at >= since)
               .subquery())
    back = func.sum(case((ordered.c.issued < ordered.c.before, 1), else_=0))
    rows = session.execute(select(ordered.c.customer_id, func.count())
                           .group_by(ordered.c.customer_id)
                           .having(func.count() >= MIN_PAID, back == 0))
    return {customer_id: int(n) for customer_id, n in rows}
