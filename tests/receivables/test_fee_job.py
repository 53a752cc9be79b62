"""The fee run on the ledger (SQLite and PostgreSQL): charges once per period, never on
disputed amounts, paid invoices or active plans; audited and exported to the outbox."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select, update

from core.money import D
from ledger.db import transaction
from ledger.models import (
    AuditEvent,
    Customer,
    FeeItem,
    Invoice,
    InvoiceEvent,
    PaymentPlan,
    PaymentPlanInvoice,
)
from receivables import disputes
from receivables.fee_job import list_fees, mark_exported, run_fees
from receivables.fees import FeePolicy

FC = FeePolicy(mode="finance_charge", monthly_rate=D("1.5"))
EU = FeePolicy(mode="eu", reference_rate=D("4.00"))


@pytest.fixture
def book(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        rows = (
            ("INV-1", 100000, "EUR", date(2026, 4, 1), "open"),
            ("INV-2", 50000, "EUR", date(2026, 4, 1), "paid"),  # paid: never charged
            ("INV-3", 20000, "USD", date(2026, 4, 1), "open"),
            ("INV-4", 30000, "EUR", date(2026, 6, 1), "open"),  # not yet overdue a month
            ("INV-5", 70000, "EUR", None, "open"),  # no due date
        )
        for number, minor, ccy, due, status in rows:
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency=ccy,
                    amount_minor=minor,
                    open_minor=0 if status == "paid" else minor,
                    status=status,
                    issue_date=date(2026, 3, 1),
                    due_date=due,
                )
            )
    return rt


def _fees(s) -> list[tuple[str, str, str, int]]:  # type: ignore[no-untyped-def]
    rows = s.execute(
        select(Invoice.number, FeeItem.kind, FeeItem.period_end, FeeItem.amount_minor)
        .join(Invoice, Invoice.id == FeeItem.invoice_id)
        .order_by(FeeItem.id)
    ).all()
    return [(n, k, str(e), m) for n, k, e, m in rows]


def test_finance_charges_once_per_period_with_audit_and_outbox(book) -> None:
    with transaction(book.engine) as s:
        run = run_fees(s, policy=FC, as_of=date(2026, 6, 1), actor="job")
    # INV-1: 2 full months (Apr 2..May 1, May 2..Jun 1) x 15.00; INV-3: 2 x 3.00 USD.
    assert run.as_json()["totals"] == {"EUR": "30.00", "USD": "6.00"}
    with transaction(book.engine) as s:
        assert _fees(s) == [
            ("INV-1", "finance_charge", "2026-05-01", 1500),
            ("INV-1", "finance_charge", "2026-06-01", 1500),
            ("INV-3", "finance_charge", "2026-05-01", 300),
            ("INV-3", "finance_charge", "2026-06-01", 300),
        ]
        events = s.scalars(select(InvoiceEvent).order_by(InvoiceEvent.id)).all()
        assert [e.type for e in events] == ["invoice.fee_charged"] * 4
        fee = events[0].payload["fee"]
        assert (fee["amount"], fee["base_amount"], fee["rate"], fee["kind"]) == (
            "15.00",
            "1000.00",
            "1.5",
            "finance_charge",
        )
        assert events[0].payload["invoice"]["open_amount"] == "1000.00"  # fees leave it alone
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "fee.charged")
            )
            == 4
        )
        assert s.scalar(select(Invoice.open_minor).where(Invoice.number == "INV-1")) == 100000
    with transaction(book.engine) as s:  # a re-run the same day charges nothing
        assert run_fees(s, policy=FC, as_of=date(2026, 6, 1), actor="job").charged == []
    with transaction(book.engine) as s:  # a month later: one more period each
        again = run_fees(s, policy=FC, as_of=date(2026, 7, 1), actor="job")
        assert [(f["invoice_number"], f["period_end"]) for f in again.charged] == [
            ("INV-1", "2026-07-01"),
            ("INV-3", "2026-07-01"),
            ("INV-4", "2026-07-01"),
        ]


def test_dry_run_writes_nothing(book) -> None:
    with transaction(book.engine) as s:
        run = run_fees(s, policy=FC, as_of=date(2026, 6, 1), actor="job", dry_run=True)
        assert len(run.charged) == 4 and run.as_json()["dry_run"] is True
    with transaction(book.engine) as s:
        assert _fees(s) == [] and s.scalars(select(InvoiceEvent)).all() == []


def test_disputed_amounts_and_active_plans_are_not_charged(book) -> None:
    with transaction(book.engine) as s:
        disputes.open_dispute(
            s, invoice_number="INV-1", amount=D("400.00"), reason_code="pricing", actor="t"
        )
        disputes.open_dispute(
            s, invoice_number="INV-3", amount=D("200.00"), reason_code="other", actor="t"
        )  # all of it
        inv4 = s.scalar(select(Invoice.id).where(Invoice.number == "INV-4"))
        plan_id = s.execute(
            insert(PaymentPlan)
            .values(
                customer_id="C1",
                currency="EUR",
                reference="PP-1",
                grace_days=5,
                status="active",
                created_by="t",
            )
            .returning(PaymentPlan.id)
        ).scalar_one()
        s.execute(insert(PaymentPlanInvoice).values(plan_id=plan_id, invoice_id=inv4))
    with transaction(book.engine) as s:
        run_fees(s, policy=FC, as_of=date(2026, 7, 1), actor="job")
        # INV-1: 1.5 % of 600.00 = 9.00 x 3 periods; INV-3 fully disputed; INV-4 in a plan.
        assert _fees(s) == [
            ("INV-1", "finance_charge", "2026-05-01", 900),
            ("INV-1", "finance_charge", "2026-06-01", 900),
            ("INV-1", "finance_charge", "2026-07-01", 900),
        ]
        assert {f.base_minor for f in s.scalars(select(FeeItem))} == {60000}


def test_eu_mode_interest_and_compensation(book) -> None:
    with transaction(book.engine) as s:
        run_fees(s, policy=EU, as_of=date(2026, 5, 1), actor="job")
        # INV-1 1,000.00 EUR x 12 % x 30/365 = 9.86, plus 40.00; INV-3 (USD) 200.00: 1.97.
        assert _fees(s) == [
            ("INV-1", "late_compensation", "2026-04-02", 4000),
            ("INV-1", "late_interest", "2026-05-01", 986),
            ("INV-3", "late_interest", "2026-05-01", 197),
        ]
    with transaction(book.engine) as s:
        assert run_fees(s, policy=EU, as_of=date(2026, 5, 1), actor="job").charged == []


def test_none_mode_charges_nothing(book) -> None:
    with transaction(book.engine) as s:
        assert run_fees(s, policy=FeePolicy(), as_of=date(2027, 1, 1), actor="job").charged == []


def test_export_acknowledgement_is_idempotent_and_listed(book) -> None:
    with transaction(book.engine) as s:
        run_fees(s, policy=FC, as_of=date(2026, 5, 1), actor="job")
        first, second = (f["fee_id"] for f in list_fees(s))
    with transaction(book.engine) as s:
        out = mark_exported(s, fee_id=first, actor="erp")
        assert out["status"] == "exported" and out["exported_at"]
        assert mark_exported(s, fee_id=first, actor="erp")["exported_at"] == out["exported_at"]
        assert [f["fee_id"] for f in list_fees(s, status="open")] == [second]
        assert [f["invoice_number"] for f in list_fees(s, invoice_number="INV-3")] == ["INV-3"]
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "fee.exported")
            )
            == 1
        )


def test_a_void_fee_is_never_charged_again(book) -> None:
    with transaction(book.engine) as s:
        run_fees(s, policy=FC, as_of=date(2026, 5, 1), actor="job")
        s.execute(update(FeeItem).values(status="void"))
    with transaction(book.engine) as s:
        assert run_fees(s, policy=FC, as_of=date(2026, 5, 1), actor="job").charged == []
