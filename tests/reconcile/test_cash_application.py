"""Cash application in the database (SQLite and PostgreSQL): apply, reverse, returns, manual."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import (
    Application,
    AuditEvent,
    BankTransaction,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
    ReviewItem,
)
from reconcile import apply, manual
from reconcile.model import Allocation
from reconcile.service import match_pending
from tests.factories import E, camt

D = Decimal
TODAY = date(2026, 11, 24)


def _book(rt) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Acme Manufacturing Inc"))
        ids = {}
        for number, minor in (("INV-1", 10000), ("INV-2", 5000)):
            ids[number] = s.execute(
                insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                                       open_minor=minor, issue_date=date(2026, 11, 1)).returning(Invoice.id)
            ).scalar_one()
    return ids


def _pay(rt, entries: list[E], name: str = "p.xml", message: str = "053") -> list[int]:  # type: ignore[no-untyped-def]
    result = rt.ingestor().ingest_stream(io.BytesIO(camt(message, entries, stmt_id=name)), name=name, source="test")
    assert result.status == "parsed", result.error
    return result.new_transaction_ids


def _open(rt, number: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == number)).one()
        return inv.open_minor, inv.status


class TestApply:
    def test_apply_updates_invoice_payment_and_audit(self, rt) -> None:
        ids = _book(rt)
        (tx,) = _pay(rt, [E("98.00", ref="A", e2e="E1")])
        with transaction(rt.engine) as s:
            apply.apply_allocations(s, transaction_id=tx, method="auto", actor="test", confidence=97,
                                    reasons=["ref"], allocations=[Allocation(ids["INV-1"], "INV-1", D("98.00"), discount=D("2.00"))])
        assert _open(rt, "INV-1") == (0, "paid")
        with transaction(rt.engine) as s:
            t = s.get(BankTransaction, tx)
            assert (t.applied_minor, t.match_status) == (9800, "applied")
            app = s.scalars(select(Application)).one()
            assert (app.applied_minor, app.discount_minor, app.method, app.confidence) == (9800, 200, "auto", 97)
            event = s.scalars(select(AuditEvent).where(AuditEvent.action == "application.created")).one()
            assert event.before["invoice"]["open"] == "100.00" and event.after["invoice"]["open"] == "0.00"

    @pytest.mark.parametrize(
        ("allocations", "message"),
        [
            ([("INV-1", "100.01")], "exceeds its open amount"),
            ([("INV-1", "60.00"), ("INV-2", "50.00")], "would exceed its amount"),
            ([("INV-1", "0")], "must be positive"),
            ([("INV-1", "10.00"), ("INV-1", "10.00")], "appears twice"),
        ],
    )
    def test_invariant_breaking_applications_write_nothing(self, rt, allocations, message) -> None:
        ids = _book(rt)
        (tx,) = _pay(rt, [E("100.00", ref="A")])
        with pytest.raises(apply.ApplicationError, match=message):
            with transaction(rt.engine) as s:
                apply.apply_allocations(s, transaction_id=tx, method="manual", actor="test",
                                        allocations=[Allocation(ids[n], n, D(a)) for n, a in allocations])
        with transaction(rt.engine) as s:
            assert s.scalar(select(func.count()).select_from(Application)) == 0
            assert s.get(BankTransaction, tx).applied_minor == 0
        assert _open(rt, "INV-1") == (10000, "open")

    def test_second_live_application_to_the_same_invoice_is_refused(self, rt) -> None:
        ids = _book(rt)
        (tx,) = _pay(rt, [E("100.00", ref="A")])
        with transaction(rt.engine) as s:
            apply.apply_allocations(s, transaction_id=tx, method="manual", actor="t",
                                    allocations=[Allocation(ids["INV-1"], "INV-1", D("40.00"))])
        with pytest.raises(apply.ApplicationError, match="already applied to INV-1"):
            with transaction(rt.engine) as s:
                apply.apply_allocations(s, transaction_id=tx, method="manual", actor="t",
                                        allocations=[Allocation(ids["INV-1"], "INV-1", D("10.00"))])


class TestReturns:
    def test_camt_return_reverses_the_original_and_reopens_with_discount(self, rt) -> None:
        ids = _book(rt)
        (tx,) = _pay(rt, [E("98.00", ref="PAY-1", e2e="E2E-77")], "pay.xml")
        with transaction(rt.engine) as s:
            apply.apply_allocations(s, transaction_id=tx, method="auto", actor="t",
                                    allocations=[Allocation(ids["INV-1"], "INV-1", D("98.00"), discount=D("2.00"))])
        # the money comes back two days later: a DBIT with RvslInd and the same end-to-end id
        data = camt("053", [E("98.00", ref="RET-1", e2e="E2E-77", direction="DBIT", date="2026-11-22")], stmt_id="ret")
        data = data.replace(b"<Sts>", b"<RvslInd>true</RvslInd><Sts>")
        rt.ingestor().ingest_stream(io.BytesIO(data), name="ret.xml", source="test")
        with transaction(rt.engine) as s:
            summary = match_pending(s, actor="test", today=TODAY)
        assert summary.returned == 1
        assert _open(rt, "INV-1") == (10000, "open")
        with transaction(rt.engine) as s:
            inv = s.scalars(select(Invoice).where(Invoice.number == "INV-1")).one()
            assert inv.discount_minor == 0  # the discount taken is reopened too
            assert s.scalars(select(Application.status)).all() == ["reversed"]
            assert s.get(BankTransaction, tx).match_status == "returned"
            item = s.scalars(select(ReviewItem).where(ReviewItem.status == "open")).one()
            assert item.reason == "returned_payment" and "INV-1" in item.explanation

    def test_return_of_an_unknown_payment_is_a_review_item_not_an_error(self, rt) -> None:
        data = camt("053", [E("55.00", ref="RET-9", e2e="NOBODY", direction="DBIT")], stmt_id="r")
        data = data.replace(b"<Sts>", b"<RvslInd>true</RvslInd><Sts>")
        rt.ingestor().ingest_stream(io.BytesIO(data), name="r.xml", source="test")
        with transaction(rt.engine) as s:
            assert match_pending(s, actor="test", today=TODAY).returned == 1
            item = s.scalars(select(ReviewItem)).one()
            assert item.reason == "returned_payment" and "not known" in item.explanation


class TestManual:
    def test_manual_apply_learns_payer_account_and_name(self, rt) -> None:
        # (a name the matcher already resolves, like "ACME MFG", is not learned: nothing to teach)
        _book(rt)
        data = camt("053", [E("150.00", ref="M1", name="Acme Group Europe")]).replace(
            b"</RltdPties>", b"</RltdPties>"
        ).replace(b"<RltdPties><Dbtr><Pty><Nm>Acme Group Europe</Nm></Pty></Dbtr>",
                  b"<RltdPties><Dbtr><Pty><Nm>Acme Group Europe</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></DbtrAcct>")
        (tx,) = rt.ingestor().ingest_stream(io.BytesIO(data), name="m.xml", source="test").new_transaction_ids
        with transaction(rt.engine) as s:
            manual.manual_apply(s, transaction_id=tx, actor="alice", lines=[
                manual.ManualLine("INV-1", D("100.00")), manual.ManualLine("INV-2", D("50.00"))])
        assert _open(rt, "INV-1") == (0, "paid") and _open(rt, "INV-2") == (0, "paid")
        with transaction(rt.engine) as s:
            assert s.scalars(select(CustomerAccount.account)).all() == ["GB29NWBK60161331926819"]
            assert s.scalars(select(CustomerAlias.alias)).all() == ["Acme Group Europe"]
            assert {a.method for a in s.scalars(select(Application))} == {"manual"}

    def test_unapply_reopens_and_sends_to_review_then_dismiss(self, rt) -> None:
        ids = _book(rt)
        (tx,) = _pay(rt, [E("50.00", ref="U1")])
        with transaction(rt.engine) as s:
            apply.apply_allocations(s, transaction_id=tx, method="auto", actor="t",
                                    allocations=[Allocation(ids["INV-2"], "INV-2", D("50.00"))])
        with transaction(rt.engine) as s:
            assert manual.unapply(s, transaction_id=tx, actor="bob", reason="wrong customer") == ["INV-2"]
        assert _open(rt, "INV-2") == (5000, "open")
        with transaction(rt.engine) as s:
            assert s.get(BankTransaction, tx).match_status == "review"
            manual.dismiss(s, transaction_id=tx, actor="bob", reason="refund to a supplier")
        with transaction(rt.engine) as s:
            assert s.get(BankTransaction, tx).match_status == "ignored"
            assert s.scalars(select(ReviewItem.status)).all() == ["dismissed"]


def test_a_name_the_matcher_already_resolves_is_not_learned(rt) -> None:
    _book(rt)
    (tx,) = _pay(rt, [E("100.00", ref="N1", name="ACME MFG")])
    with transaction(rt.engine) as s:
        manual.manual_apply(s, transaction_id=tx, actor="alice", lines=[manual.ManualLine("INV-1", D("100.00"))])
        assert s.scalars(select(CustomerAlias.alias)).all() == []


def test_ach_return_by_original_trace_reverses_the_payment(rt) -> None:
    from datetime import datetime

    from ingest.ach import writer as w

    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="G1", name="Globex LLC"))
        s.execute(insert(CustomerAccount).values(customer_id="G1", account="ACH-CO:1234567890", source="imported"))
        s.execute(insert(Invoice).values(number="INV-1001", customer_id="G1", currency="USD", amount_minor=15000,
                                         open_minor=15000, issue_date=date(2026, 11, 1)))

    def ach(day: int, entry: w.EntrySpec, description: str) -> bytes:
        batch = w.BatchSpec(company_name="GLOBEX LLC", company_id="1234567890", odfi="12104288", sec="CCD",
                            entry_description=description, effective_date=date(2026, 11, day), entries=[entry])
        return w.write_file([batch], immediate_destination="231380104", immediate_origin="121042882",
                            creation=datetime(2026, 11, day, 9, 30))

    paid = ach(20, w.EntrySpec(transaction_code=22, routing="231380104", account="998877", amount_cents=15000,
                               name="OUR COMPANY", trace="121042880000001",
                               addenda=("RMR*IV*INV-1001**150.00\\",)), "PAYMENT")
    result = rt.ingestor().ingest_stream(io.BytesIO(paid), name="ach-1120.ach", source="test")
    with transaction(rt.engine) as s:
        assert match_pending(s, actor="test", today=TODAY).applied == 1
    assert _open(rt, "INV-1001") == (0, "paid")

    returned = ach(23, w.EntrySpec(transaction_code=21, routing="231380104", account="998877", amount_cents=15000,
                                   name="OUR COMPANY", trace="231380100000009",
                                   returned=w.ReturnSpec(code="R02", original_trace="121042880000001",
                                                         original_rdfi="23138010")), "RETURN")
    rt.ingestor().ingest_stream(io.BytesIO(returned), name="ach-ret-1123.ach", source="test")
    with transaction(rt.engine) as s:
        assert match_pending(s, actor="test", today=TODAY).returned == 1
    assert _open(rt, "INV-1001") == (15000, "open")
    with transaction(rt.engine) as s:
        (original,) = result.new_transaction_ids
        assert s.get(BankTransaction, original).match_status == "returned"
        item = s.scalars(select(ReviewItem).where(ReviewItem.status == "open")).one()
        assert item.reason == "returned_payment" and "R02" in item.explanation and "INV-1001" in item.explanation
