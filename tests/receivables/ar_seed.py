"""An AR book with history, for the analytics tests (ledger, API, CLI, dashboard).

EUR (as of 2026-03-31, 90 days; the hand-computed example of tests/receivables/
test_analytics.py::test_book_figures_by_hand, amounts in EUR):
- A-1 1000.00 C1 issued 2025-12-01 due 2025-12-31; 600.00 paid 2026-01-15 (auto)
- A-2 2000.00 C1 issued 2026-01-10 due 2026-02-09; paid 2026-02-20 (manual)
- A-3 3000.00 C2 issued 2026-02-15 due 2026-03-17; 1000.00 applied 2026-03-05 (auto),
  reversed 2026-03-20
- A-4 1500.00 C2 issued 2026-03-20, no due date, terms net 30: due 2026-04-19
- A-5  500.00 C3 issued 2025-10-01, no due date, no terms: due on issue
USD: U-1 800.00 C4 issued 2026-02-01 due 2026-03-03, imported with 300.00 open (500.00 settled
in the AR system, dated at import).
Payments (camt.053, EUR): P1..P3 above; P4 7.00 on 2026-03-10 in review since 2026-03-10;
P5 50.00 on 2026-03-12 in review 2026-03-12 .. 2026-03-16 10:00.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from ledger.db import transaction
from ledger.models import Application, Customer, Invoice, ReviewItem
from reconcile import apply
from reconcile.model import Allocation
from tests.factories import E, camt

INVOICES = (
    # number, customer, currency, amount, open, issue, due, terms
    ("A-1", "C1", "EUR", 100000, 100000, date(2025, 12, 1), date(2025, 12, 31), None),
    ("A-2", "C1", "EUR", 200000, 200000, date(2026, 1, 10), date(2026, 2, 9), None),
    ("A-3", "C2", "EUR", 300000, 300000, date(2026, 2, 15), date(2026, 3, 17), None),
    ("A-4", "C2", "EUR", 150000, 150000, date(2026, 3, 20), None, "net 30"),
    ("A-5", "C3", "EUR", 50000, 50000, date(2025, 10, 1), None, None),
    ("U-1", "C4", "USD", 80000, 30000, date(2026, 2, 1), date(2026, 3, 3), None),
)
CUSTOMERS = (
    ("C1", "Contoso Ltd"),
    ("C2", "Fabrikam GmbH"),
    ("C3", "Northwind Traders"),
    ("C4", "Globex Inc"),
)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def seed_book(rt: Any) -> dict[str, Any]:
    with transaction(rt.engine) as s:
        for cid, name in CUSTOMERS:
            s.execute(insert(Customer).values(id=cid, name=name))
        for number, cust, ccy, amount, open_, issue, due, terms in INVOICES:
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id=cust,
                    currency=ccy,
                    amount_minor=amount,
                    open_minor=open_,
                    issue_date=issue,
                    due_date=due,
                    terms=terms,
                )
            )
    data = camt(
        "053",
        [
            E("600.00", ref="P1", date="2026-01-15"),
            E("2000.00", ref="P2", date="2026-02-20"),
            E("1000.00", ref="P3", date="2026-03-05"),
            E("7.00", ref="P4", date="2026-03-10"),
            E("50.00", ref="P5", date="2026-03-12"),
        ],
    )
    result = rt.ingestor().ingest_stream(io.BytesIO(data), name="history.xml", source="test")
    assert result.status == "parsed", result.error
    p1, p2, p3, p4, p5 = result.new_transaction_ids
    with transaction(rt.engine) as s:
        ids = dict(s.execute(select(Invoice.number, Invoice.id)).all())

        def pay(tx: int, number: str, amount: str, method: str) -> None:
            apply.apply_allocations(
                s,
                transaction_id=tx,
                method=method,
                actor="matcher" if method == "auto" else "someone",
                allocations=[Allocation(ids[number], number, Decimal(amount))],
            )

        pay(p1, "A-1", "600.00", "auto")
        pay(p2, "A-2", "2000.00", "manual")
        pay(p3, "A-3", "1000.00", "auto")
        apply.reverse_applications(s, transaction_id=p3, actor="someone", reason="wrong invoice")
        for tx in (p4, p5):
            apply.open_review(
                s,
                transaction_id=tx,
                reason="no_customer",
                explanation="?",
                candidates=[],
                actor="matcher",
            )
        apply.close_review(
            s, transaction_id=p5, status="dismissed", resolution="not ours", actor="someone"
        )
    # History happened on its dates, not today: set the clocks the service would have written.
    with transaction(rt.engine) as s:
        s.execute(
            update(Application)
            .where(Application.transaction_id == p3)
            .values(reversed_at=_at(date(2026, 3, 20)))
        )
        s.execute(
            update(ReviewItem)
            .where(ReviewItem.transaction_id == p4)
            .values(created_at=_at(date(2026, 3, 10)))
        )
        s.execute(
            update(ReviewItem)
            .where(ReviewItem.transaction_id == p5)
            .values(created_at=_at(date(2026, 3, 12)), resolved_at=_at(date(2026, 3, 16), 10))
        )
    return {"ids": ids, "transactions": [p1, p2, p3, p4, p5]}
