"""Payer identity through the database (issue 12): the ultimate party survives ingest and
storage to reach the matcher; an account that paid for several customers stops naming one."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, CustomerAccount, Invoice
from reconcile import loader, manual
from reconcile.service import match_pending
from tests.factories import E, camt

TODAY = date(2026, 11, 24)
PAYPAL = "LU280019400644750000"


def _book(rt, invoices: list[tuple[str, str, int]]) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        for cid, name in (("40001", "Meridian Outfitters Inc"), ("30001", "Brightside Dental LLC"),
                          ("30002", "Oakridge Veterinary Clinic")):
            s.execute(insert(Customer).values(id=cid, name=name))
        for number, cid, minor in invoices:
            s.execute(insert(Invoice).values(number=number, customer_id=cid, currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))


def _pay(rt, entries: list[E], name: str, ultimate: str = "") -> list[int]:  # type: ignore[no-untyped-def]
    data = camt("053", entries, stmt_id=name).replace(b"</RltdPties>", ultimate.encode() + b"</RltdPties>")
    result = rt.ingestor().ingest_stream(io.BytesIO(data), name=name, source="test")
    assert result.status == "parsed", result.error
    return result.new_transaction_ids


def _applied_to(rt, tx: int) -> list[str]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return list(s.scalars(select(Invoice.number).join(Application, Application.invoice_id == Invoice.id)
                              .where(Application.transaction_id == tx, Application.status == "applied")))


def test_the_ultimate_party_reaches_the_matcher_and_is_the_customer(rt) -> None:  # type: ignore[no-untyped-def]
    _book(rt, [("M-1", "40001", 41000), ("B-1", "30001", 41000)])
    ultimate = "<UltmtDbtr><Pty><Nm>Meridian Outfitters</Nm></Pty></UltmtDbtr>"
    (tx,) = _pay(rt, [E("410.00", ref="U1", name="FIRST NATIONAL BANK", account="NL91ABNA0417164300")],
                 "u.xml", ultimate)
    with transaction(rt.engine) as s:
        stored = s.get(BankTransaction, tx)
        # its own columns: the remittance stays what the bank sent as remittance
        assert (stored.ultimate_name, stored.ultimate_id, stored.remittance) == ("Meridian Outfitters", None, [])
        (row,) = loader.load_payments(s, ["unmatched"])
        payment = loader.to_payment(row)
        assert payment is not None
        assert (payment.ultimate_payer, payment.remittance) == ("Meridian Outfitters", ())
        assert match_pending(s, actor="test", today=TODAY).applied == 1
    assert _applied_to(rt, tx) == ["M-1"]


def test_without_an_ultimate_party_the_same_payment_is_not_applied(rt) -> None:  # type: ignore[no-untyped-def]
    _book(rt, [("M-1", "40001", 41000), ("B-1", "30001", 41000)])
    (tx,) = _pay(rt, [E("410.00", ref="U1", name="FIRST NATIONAL BANK", account="NL91ABNA0417164300")], "u.xml")
    with transaction(rt.engine) as s:
        assert match_pending(s, actor="test", today=TODAY).applied == 0
    assert _applied_to(rt, tx) == []


def _learned_paypal(rt) -> None:  # type: ignore[no-untyped-def]
    _book(rt, [("B-1", "30001", 9500), ("O-0", "30002", 5000)])
    with transaction(rt.engine) as s:
        s.execute(insert(CustomerAccount).values(customer_id="30001", account=PAYPAL, source="learned"))


def test_a_learned_account_alone_applies_an_amount(rt) -> None:  # type: ignore[no-untyped-def]
    _learned_paypal(rt)
    (tx,) = _pay(rt, [E("95.00", ref="P2", name="PAYPAL EUROPE", account=PAYPAL)], "p2.xml")
    with transaction(rt.engine) as s:
        match_pending(s, actor="test", today=TODAY)
    assert _applied_to(rt, tx) == ["B-1"]


def test_an_account_that_paid_for_another_customer_no_longer_names_one(rt) -> None:  # type: ignore[no-untyped-def]
    _learned_paypal(rt)
    (first,) = _pay(rt, [E("50.00", ref="P1", name="PAYPAL EUROPE", account=PAYPAL)], "p1.xml")
    with transaction(rt.engine) as s:  # a reviewer applies the first one to Oakridge
        manual.manual_apply(s, transaction_id=first, lines=[manual.ManualLine("O-0", Decimal("50.00"))], actor="r")
    with transaction(rt.engine) as s:
        accounts = {c.id: c.accounts for c in loader.load_customers(s)}
        assert PAYPAL in accounts["30001"] and PAYPAL in accounts["30002"] and PAYPAL not in accounts["40001"]
    (tx,) = _pay(rt, [E("95.00", ref="P2", name="PAYPAL EUROPE", account=PAYPAL)], "p2.xml")
    with transaction(rt.engine) as s:
        assert match_pending(s, actor="test", today=TODAY).applied == 0
        assert s.get(BankTransaction, tx).match_status == "review"
    assert _applied_to(rt, tx) == []
