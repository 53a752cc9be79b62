"""The counts GET /metrics exports (api/metrics.py), read at scrape in one read transaction.

Its own unit of work, not a request's session: Prometheus's collector reads them while the
registry is rendered, and an unreadable database must only set remit_database_up to 0 (the
HTTP metrics are still served), never fail the request at its commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ledger.models import Application, BankFile, BankTransaction, Invoice, InvoiceEvent, ReviewItem
from workflows.runtime import Runtime

Counted = list[tuple[Any, ...]]  # (label value, ..., count)


@dataclass(frozen=True, slots=True)
class BookCounts:
    bank_files: Counted  # by status
    payments: Counted  # by match_status
    open_reviews: Counted  # by reason
    invoices: Counted  # by status
    invoice_events: Counted  # by delivery_status
    applications: Counted  # by method, status
    oldest_pending_event: datetime | None  # created_at of the oldest undelivered event


def book_counts(rt: Runtime) -> BookCounts:
    """One GROUP BY per table. Raises SQLAlchemyError when the database cannot be read."""
    with rt.unit_of_work() as session:

        def grouped(*columns: Any) -> Counted:
            query = select(*columns, func.count()).group_by(*columns)
            return [tuple(r) for r in session.execute(query)]

        open_reviews = session.execute(
            select(ReviewItem.reason, func.count())
            .where(ReviewItem.status == "open")
            .group_by(ReviewItem.reason)
        ).all()
        return BookCounts(
            bank_files=grouped(BankFile.status),
            payments=grouped(BankTransaction.match_status),
            open_reviews=[tuple(r) for r in open_reviews],
            invoices=grouped(Invoice.status),
            invoice_events=grouped(InvoiceEvent.delivery_status),
            applications=grouped(Application.method, Application.status),
            oldest_pending_event=session.scalar(
                select(func.min(InvoiceEvent.created_at)).where(
                    InvoiceEvent.delivery_status == "pending"
                )
            ),
        )
