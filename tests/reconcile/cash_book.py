"""A small book with known cash-application outcomes, for the analytics tests (reconcile,
API, CLI, workbench): every outcome reconcile.cash_metrics distinguishes, once.

Payments dated 2026-11-20 (the window 2026-11-01..2026-11-30), statement account A unless said:
  P1  600.00  applied by the matcher to INV-1 in full, never reviewed    -> auto, straight-through
  P2  300.00  applied by a person to INV-2                               -> manually applied
  P3  100.00  applied by the matcher to INV-3 (50.00 open): half of it   -> partly applied
  P4   12.34  in review                                                   -> unapplied, in review
  P5   80.00  returned by the bank afterwards                             -> not matchable
  P6   99.00  ignored by a reviewer                                       -> not matchable
  D1   50.00  a debit                                                     -> not a payment
  P7  100.00  (account B) reviewed, then applied by the matcher to INV-4 + INV-5 (customer C2)
                                                                          -> auto, not straight-through
  P8   40.00  (account B) dated 2026-10-15, applied by the matcher        -> outside the window
(`day` moves them all: the dashboard test dates them today.)
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Customer, Invoice
from reconcile import apply
from reconcile.model import Allocation
from tests.factories import E, camt

ACCOUNT_A = "DE89370400440532013000"
ACCOUNT_B = "GB82WEST12345698765432"
DAY = date(2026, 11, 20)
SINCE, UNTIL = date(2026, 11, 1), date(2026, 11, 30)
INVOICES = (
    ("INV-1", "C1", 60000), ("INV-2", "C1", 30000), ("INV-3", "C1", 5000),
    ("INV-4", "C2", 7000), ("INV-5", "C2", 3000), ("INV-6", "C2", 4000),
)


def _ingest(rt, name: str, data: bytes) -> list[int]:  # type: ignore[no-untyped-def]
    result = rt.ingestor().ingest_stream(io.BytesIO(data), name=name, source="test")
    assert result.status == "parsed", result.error
    return list(result.new_transaction_ids)


def seed_cash_book(rt, day: date = DAY) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Store the book above (no matching run: each outcome is written as the engine or a
    reviewer would write it), its payments dated `day` (P8 36 days before); the transaction
    ids by payment name."""
    on, before = day.isoformat(), (day - timedelta(days=36)).isoformat()
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(Customer).values(id="C2", name="Fabrikam SA"))
        for number, customer, minor in INVOICES:
            s.execute(insert(Invoice).values(number=number, customer_id=customer, currency="EUR",
                                             amount_minor=minor, open_minor=minor,
                                             issue_date=date(2026, 10, 1)))
    a = _ingest(rt, "a.xml", camt("053", [
        E("600.00", ref="P1", date=on), E("300.00", ref="P2", date=on),
        E("100.00", ref="P3", date=on), E("12.34", ref="P4", date=on),
        E("80.00", ref="P5", date=on), E("99.00", ref="P6", date=on),
        E("50.00", ref="D1", direction="DBIT", date=on),
    ], account=ACCOUNT_A))
    b = _ingest(rt, "b.xml", camt("053", [
        E("100.00", ref="P7", date=on), E("40.00", ref="P8", date=before),
    ], account=ACCOUNT_B, stmt_id="S2"))
    tx = dict(zip(["P1", "P2", "P3", "P4", "P5", "P6", "D1", "P7", "P8"], a + b, strict=True))
    with transaction(rt.engine) as s:
        ids = dict(s.execute(select(Invoice.number, Invoice.id)).all())

        def put(name: str, method: str, *parts: tuple[str, str]) -> None:
            apply.apply_allocations(
                s, transaction_id=tx[name], method=method, actor="matcher" if method == "auto" else "ann",
                confidence=95 if method == "auto" else None,
                allocations=[Allocation(ids[n], n, Decimal(amount)) for n, amount in parts])

        def review(name: str) -> None:
            apply.open_review(s, transaction_id=tx[name], reason="no_customer", explanation="?",
                              candidates=[], actor="matcher")

        put("P1", "auto", ("INV-1", "600.00"))
        put("P2", "manual", ("INV-2", "300.00"))
        put("P3", "auto", ("INV-3", "50.00"))
        review("P4")
        apply.set_match_status(s, tx["P5"], "returned")
        apply.set_match_status(s, tx["P6"], "ignored")
        review("P7")
        apply.close_review(s, transaction_id=tx["P7"], status="resolved", resolution="rerun", actor="ann")
        put("P7", "auto", ("INV-4", "70.00"), ("INV-5", "30.00"))
        put("P8", "auto", ("INV-6", "40.00"))
    return tx
