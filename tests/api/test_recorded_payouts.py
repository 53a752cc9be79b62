"""A card processor's payout of a whole day's payments recorded via the API, in one bank credit
(reconcile/payouts.py): the gross total naming every one of their references settles them
(the credit ignored, each payment's settled_by set, nothing applied again); the gross total
alone is recognised and reviewed; two sets that fit, or a net payout less a fee, go to review
with the candidates and the difference."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import Application, AuditEvent, Customer, CustomerAccount, Invoice, RecordedPayment, ReviewItem
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt

IBAN = "DE02120300000000202051"
ACQUIRER = "NL91ABNA0417164300"  # the processor's account: no customer's
INVOICES = {"INV-1": ("C1", 120_00), "INV-2": ("C1", 80_00), "INV-3": ("C2", 45_50), "INV-4": ("C2", 50_00),
            "INV-5": ("C2", 70_00)}


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer), [{"id": "C1", "name": "Contoso Ltd"}, {"id": "C2", "name": "Fabrikam SA"}])
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=IBAN, source="imported"))
        for number, (customer, minor) in INVOICES.items():
            s.execute(insert(Invoice).values(number=number, customer_id=customer, currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))
        erp = api_keys.create(s, name="erp", scopes=["ar:read", "ar:write"])
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
    with TestClient(create_app(rt)) as c:
        c.erp = {"Authorization": f"Bearer {erp}"}  # type: ignore[attr-defined]
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        yield c


def _record(client, number: str, amount: str, day: str, reference: str) -> int:  # type: ignore[no-untyped-def]
    body = {"amount": amount, "currency": "EUR", "customer_id": INVOICES[number][0], "invoice_numbers": [number],
            "reference": reference, "received_at": day}
    r = client.post("/api/v1/payments", json=body, headers={**client.erp, "Idempotency-Key": f"k-{number}"})
    assert r.status_code == 201 and r.json()["match_status"] == "applied", r.text
    return int(r.json()["transaction_id"])


def _bank(client, name: str, entries: list[Any]) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/bank-files", headers=client.review,
                    files={"file": (name, camt("053", entries, stmt_id=name))})
    assert r.status_code == 201, r.text
    items = client.get("/api/v1/payments", headers=client.erp, params={"limit": 100}).json()["items"]
    return {i["bank_reference"]: client.get(f"/api/v1/payments/{i['transaction_id']}", headers=client.erp).json()
            for i in items if i["bank_reference"]}


def _settled_by(rt) -> dict[int, int | None]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return dict(s.execute(select(RecordedPayment.transaction_id, RecordedPayment.settled_by)).all())


def _applications(rt) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return [tuple(r) for r in s.execute(select(Invoice.number, Application.applied_minor)
                                            .join(Invoice, Invoice.id == Application.invoice_id)
                                            .where(Application.status == "applied").order_by(Invoice.number))]


def test_a_gross_daily_payout_is_recognised_and_applies_nothing_again(client, rt) -> None:
    ids = [_record(client, "INV-1", "120.00", "2026-12-01", "card ch_1"),
           _record(client, "INV-2", "80.00", "2026-12-01", "card ch_2"),
           _record(client, "INV-3", "45.50", "2026-12-01", "card ch_3")]
    applied = _applications(rt)
    assert applied == [("INV-1", 120_00), ("INV-2", 80_00), ("INV-3", 45_50)]
    got = _bank(client, "p1.xml", [E("245.50", ref="PAYOUT-1201", name="Card Acquirer BV", account=ACQUIRER,
                                     text=["CARD PAYOUT 2026-12-01"], date="2026-12-03")])
    payout = got["PAYOUT-1201"]
    # Recognised as their payout by its amount alone: a person confirms it (a coincidence would
    # hide a customer's money).
    assert payout["match_status"] == "review" and payout["applications"] == []
    reason = payout["review"]["explanation"]
    assert "card payout" in reason and "exactly their total" in reason and "2026-12-01" in reason
    assert all(f"#{i}" in reason for i in ids) and "245.50 EUR" in reason
    assert _applications(rt) == applied and set(_settled_by(rt).values()) == {None}
    with transaction(rt.engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "payment.payout_recognised")).one()
        assert event.after["recorded_payments"] == ids and event.entity_id == str(payout["transaction_id"])
    # Another credit of the same total: the reason says the set was recognised before; nothing applied twice.
    again = _bank(client, "p2.xml", [E("245.50", ref="PAYOUT-AGAIN", name="Card Acquirer BV", account=ACQUIRER,
                                       date="2026-12-04")])["PAYOUT-AGAIN"]
    assert again["match_status"] == "review" and again["applications"] == []
    assert f"credit #{payout['transaction_id']} was recognised as their payout before" in again["review"]["explanation"]
    assert _applications(rt) == applied


def test_two_days_that_add_up_to_the_credit_go_to_review_with_both_sets(client, rt) -> None:
    day1 = [_record(client, "INV-4", "50.00", "2026-12-01", "card a"),
            _record(client, "INV-5", "70.00", "2026-12-01", "card b")]
    day2 = [_record(client, "INV-2", "80.00", "2026-12-02", "card c"),
            _record(client, "INV-3", "40.00", "2026-12-02", "card d")]
    got = _bank(client, "p1.xml", [E("120.00", ref="PAYOUT-X", name="Card Acquirer BV", account=ACQUIRER,
                                     date="2026-12-04")])["PAYOUT-X"]
    assert got["match_status"] == "review" and got["applications"] == []
    reason = got["review"]["explanation"]
    assert all(f"#{i}" in reason for i in day1 + day2) and "2026-12-01" in reason and "2026-12-02" in reason
    assert "Not settled automatically" in reason
    assert set(_settled_by(rt).values()) == {None}


def test_the_credit_naming_every_reference_of_one_day_settles_that_day_among_two(client, rt) -> None:
    day1 = [_record(client, "INV-4", "50.00", "2026-12-01", "ch_A1"),
            _record(client, "INV-5", "70.00", "2026-12-01", "ch_A2")]
    day2 = [_record(client, "INV-2", "80.00", "2026-12-02", "ch_B1"),
            _record(client, "INV-3", "40.00", "2026-12-02", "ch_B2")]
    applied = _applications(rt)
    got = _bank(client, "p1.xml", [E("120.00", ref="PAYOUT-Y", name="Card Acquirer BV", account=ACQUIRER,
                                     text=["payout ch_B1 ch_B2"], date="2026-12-04")])["PAYOUT-Y"]
    # Its text names every reference of the second day: their settlement, nothing applied again.
    assert got["match_status"] == "ignored" and got["applications"] == [] and got["review"] is None
    assert got["settles_recorded_payments"] == day2 and got["settles_recorded"] == day2[0]
    assert f"payments #{day2[0]}, #{day2[1]} (a payout)" in got["explanation"]
    settled = _settled_by(rt)
    assert [settled[i] for i in day2] == [got["transaction_id"]] * 2 and [settled[i] for i in day1] == [None, None]
    assert _applications(rt) == applied
    with transaction(rt.engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "payment.payout_settled")).one()
        assert event.after["recorded_payments"] == day2 and "names all their references" in event.after["why"]
    # The first day's payout later: only day one is left to fit.
    got = _bank(client, "p2.xml", [E("120.00", ref="PAYOUT-Z", name="Card Acquirer BV", account=ACQUIRER,
                                     text=["payout ch_A1 ch_A2"], date="2026-12-05")])["PAYOUT-Z"]
    assert got["match_status"] == "ignored" and got["settles_recorded_payments"] == day1


def test_a_net_payout_less_a_fee_is_not_settled_but_reviewed_with_the_difference(client, rt) -> None:
    ids = [_record(client, "INV-1", "120.00", "2026-12-01", "card ch_1"),
           _record(client, "INV-2", "80.00", "2026-12-01", "card ch_2")]
    applied = _applications(rt)
    got = _bank(client, "p1.xml", [E("196.40", ref="PAYOUT-NET", name="Card Acquirer BV", account=ACQUIRER,
                                     date="2026-12-02")])["PAYOUT-NET"]
    assert got["match_status"] == "review" and got["applications"] == []
    reason = got["review"]["explanation"]
    assert "net" in reason and "200.00" in reason and "less 3.60 EUR" in reason
    assert all(f"#{i}" in reason for i in ids)
    assert set(_settled_by(rt).values()) == {None} and _applications(rt) == applied


def test_a_known_customers_own_credit_of_the_days_total_is_not_taken_for_a_payout(client, rt) -> None:
    _record(client, "INV-1", "120.00", "2026-12-01", "cheque 1")
    _record(client, "INV-2", "80.00", "2026-12-01", "cheque 2")
    got = _bank(client, "p1.xml", [E("200.00", ref="TRF-1", name="Contoso Ltd", account=IBAN, date="2026-12-02")])
    assert got["TRF-1"]["match_status"] != "ignored"
    assert set(_settled_by(rt).values()) == {None}
    with transaction(rt.engine) as s:  # whatever matching made of it, the invoices were not paid twice
        assert s.scalar(select(func.sum(Application.applied_minor)).where(Application.status == "applied")) == 200_00
        items = s.scalars(select(ReviewItem.explanation)
                          .where(ReviewItem.transaction_id == got["TRF-1"]["transaction_id"])).all()
        assert not any("payout" in e for e in items)
