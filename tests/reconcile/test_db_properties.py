"""Properties of cash application through the database, whatever the files and their order."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, CustomerAccount, Invoice
from reconcile.service import match_pending
from tests.factories import E, camt

IBANS = ["GB29NWBK60161331926819", "DE89370400440532013000", "FR1420041010050500013M02606"]
TODAY = date(2026, 11, 24)


@st.composite
def days(draw):  # type: ignore[no-untyped-def]
    invoices = draw(st.lists(st.tuples(st.integers(0, 2), st.integers(100, 500_000)), min_size=1, max_size=6))
    payments = []
    for i in range(draw(st.integers(1, 6))):
        inv = draw(st.integers(0, len(invoices) - 1))
        cents = draw(st.sampled_from([invoices[inv][1], invoices[inv][1] // 2 or 1, draw(st.integers(1, 600_000))]))
        cust = invoices[inv][0] if draw(st.booleans()) else draw(st.integers(0, 2))
        ref = f"INV-{1000 + inv}" if draw(st.booleans()) else "thanks"
        payments.append((f"P{i}", cents, cust, ref))
    arrivals = draw(st.lists(st.sampled_from(["054", "053"]), min_size=1, max_size=4))
    return invoices, payments, arrivals


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=days())
def test_no_over_application_and_reruns_change_nothing(fresh_runtime, case) -> None:
    invoices, payments, arrivals = case
    rt = fresh_runtime()
    with transaction(rt.engine) as s:
        for c, iban in enumerate(IBANS):
            s.execute(insert(Customer).values(id=f"C{c}", name=f"Customer {c} Ltd"))
            s.execute(insert(CustomerAccount).values(customer_id=f"C{c}", account=iban, source="imported"))
        for i, (c, cents) in enumerate(invoices):
            s.execute(insert(Invoice).values(number=f"INV-{1000 + i}", customer_id=f"C{c}", currency="EUR",
                                             amount_minor=cents, open_minor=cents, issue_date=date(2026, 11, 1)))
    entries = [E(f"{Decimal(cents).scaleb(-2)}", ref=ref_id, name=f"Customer {c} Ltd", account=IBANS[c], text=[ref])
               for ref_id, cents, c, ref in payments]
    for n, message in enumerate(arrivals):  # the same bookings, notified and/or stated, maybe twice
        rt.ingestor().ingest_stream(io.BytesIO(camt(message, entries, stmt_id=f"S{n}")), name=f"{n}.xml", source="t")
        with transaction(rt.engine) as s:
            match_pending(s, actor="test", today=TODAY)

    def state() -> tuple:  # type: ignore[type-arg]
        with transaction(rt.engine) as s:
            return (
                sorted(s.execute(select(Invoice.number, Invoice.open_minor)).all()),
                s.scalar(select(func.count()).select_from(Application)),
            )

    with transaction(rt.engine) as s:
        # each booking stored once, whatever arrived twice
        assert s.scalar(select(func.count()).select_from(BankTransaction)) == len(payments)
        for tx in s.scalars(select(BankTransaction)):
            live = s.scalar(select(func.coalesce(func.sum(Application.applied_minor), 0)).where(
                Application.transaction_id == tx.id, Application.status == "applied"))
            assert live == tx.applied_minor <= tx.amount_minor
        for inv in s.scalars(select(Invoice)):
            settled = s.scalar(select(func.coalesce(func.sum(
                Application.applied_minor + Application.discount_minor + Application.write_off_minor), 0)).where(
                Application.invoice_id == inv.id, Application.status == "applied"))
            assert 0 <= inv.open_minor == inv.amount_minor - settled
    before = state()
    with transaction(rt.engine) as s:  # a plain re-run: nothing new, nothing changes
        assert match_pending(s, actor="test", today=TODAY).applied == 0
    assert state() == before
    # Retrying the review queue may apply what the first run held back (another payment of that
    # run named the invoice); a second retry then changes nothing: a fixed point, invariants kept.
    with transaction(rt.engine) as s:
        match_pending(s, actor="test", today=TODAY, include_review=True)
    settled = state()
    with transaction(rt.engine) as s:
        assert match_pending(s, actor="test", today=TODAY, include_review=True).applied == 0
    assert state() == settled
    with transaction(rt.engine) as s:
        for tx in s.scalars(select(BankTransaction)):
            assert 0 <= tx.applied_minor <= tx.amount_minor
        assert all(inv.open_minor >= 0 for inv in s.scalars(select(Invoice)))
