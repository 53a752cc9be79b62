"""The review queue over HTTP: list, apply across invoices, conflicts, dismiss, unapply."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from api.app import create_app
from ledger.db import transaction
from ledger.models import AuditEvent, Customer, Invoice
from ledger.repositories import api_keys
from tests.factories import E, camt


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000), ("INV-3", 50000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.headers_review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.headers_ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        yield c


def _upload(client, entries: list[E]) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/bank-files", headers=client.headers_review, files={"file": ("s.xml", camt("053", entries))})
    assert r.status_code == 201, r.text


def test_a_reviewer_applies_an_exception_across_two_invoices(client, rt) -> None:
    _upload(client, [E("980.00", ref="B1", name="Somebody", text=["see attached"])])
    page = client.get("/api/v1/exceptions", headers=client.headers_review).json()
    (item,) = page["items"]
    assert page["next"] is None and item["amount"] == "980.00" and item["reason"]
    tx = item["transaction_id"]
    body = {"allocations": [{"invoice_number": "INV-1", "amount": "600.00"},
                            {"invoice_number": "INV-2", "amount": "380.00"}], "note": "per phone call"}
    r = client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["invoice_numbers"] == ["INV-1", "INV-2"]
    with transaction(rt.engine) as s:
        assert sorted(s.execute(select(Invoice.number, Invoice.status)).all()) == [
            ("INV-1", "paid"), ("INV-2", "paid"), ("INV-3", "open")]
        actors = s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "application.created")).all()
        assert actors == ["api-key:reviewer", "api-key:reviewer"]
    assert client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"] == []
    apps = client.get(f"/api/v1/applications?transaction_id={tx}", headers=client.headers_ar).json()
    assert [(a["invoice_number"], a["applied_amount"], a["method"]) for a in apps] == [
        ("INV-1", "600.00", "manual"), ("INV-2", "380.00", "manual")]
    # unapply: the invoices reopen and the payment is back in the queue
    r = client.post(f"/api/v1/payments/{tx}/unapply", headers=client.headers_review, json={"reason": "wrong split"})
    assert r.status_code == 200 and r.json()["reopened"] == ["INV-1", "INV-2"]
    (again,) = client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"]
    assert again["reason"] == "manual_unapply"
    r = client.post(f"/api/v1/exceptions/{tx}/dismiss", headers=client.headers_review, json={"reason": "refund"})
    assert r.status_code == 200


def test_conflicts_are_409_and_bad_amounts_422_never_500(client) -> None:
    _upload(client, [E("100.00", ref="B2", name="Somebody", text=["?"])])
    tx = client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"][0]["transaction_id"]
    over = {"allocations": [{"invoice_number": "INV-3", "amount": "100.01"}]}
    r = client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=over)
    assert r.status_code == 409 and "exceed" in r.json()["detail"]
    unknown = {"allocations": [{"invoice_number": "NOPE", "amount": "1.00"}]}
    assert client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=unknown).status_code == 409
    as_float = {"allocations": [{"invoice_number": "INV-3", "amount": 10.5}]}
    assert client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=as_float).status_code == 422
    negative = {"allocations": [{"invoice_number": "INV-3", "amount": "-1.00"}]}
    assert client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=negative).status_code == 422
    assert client.post("/api/v1/exceptions/9999/dismiss", headers=client.headers_review,
                       json={"reason": "x"}).status_code == 409
    # scopes: an AR system may read applications but not work the queue
    assert client.get("/api/v1/exceptions", headers=client.headers_ar).status_code == 403
    assert client.get("/api/v1/exceptions").status_code == 401
