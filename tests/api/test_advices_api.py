"""/api/v1/advices: remittance advices listed with filters and cursor, one in full with its
lines, and the payment's detail naming the advices linked to it. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt

HEADER = "payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        for name, data in (
            ("nov.xml", camt("053", [E("100.00", ref="B3", name="Some Body", text=["?"], date="2026-11-20")])),
            ("contoso.csv", (HEADER + "Contoso Ltd,B3,100.00,INV-2,100.00,\n").encode()),  # applies B3
            ("later.csv", (HEADER + "Contoso Ltd,NOT-YET,600.00,INV-1,600.00,0\n"  # waits for its payment
                           "Initech LLC,,5.00,INV-9,5.00,\n").encode()),
        ):
            r = c.post("/api/v1/bank-files", headers=c.review, files={"file": (name, data)})
            assert r.status_code == 201, r.text
        yield c


def _get(client, path: str, **params):  # type: ignore[no-untyped-def]
    r = client.get(path, headers=client.ar, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_advices_are_listed_in_id_order_with_filters_and_a_cursor(client) -> None:  # type: ignore[no-untyped-def]
    page = _get(client, "/api/v1/advices")
    applied, waiting, initech = page["items"]
    assert page["next"] is None
    assert (applied["status"], applied["payment_reference"], applied["amount"], applied["lines"]) == (
        "applied", "B3", "100.00", 1)
    assert applied["transaction_id"] is not None and applied["linked_at"] and applied["reason"] is None
    assert (waiting["status"], waiting["transaction_id"], waiting["linked_at"]) == ("waiting", None, None)
    assert initech["file_id"] == waiting["file_id"] != applied["file_id"]

    def ids(**params: object) -> list[int]:
        return [a["id"] for a in _get(client, "/api/v1/advices", **params)["items"]]

    assert ids(status="waiting") == [waiting["id"], initech["id"]]
    assert ids(status="applied,review") == [applied["id"]]
    assert ids(transaction_id=applied["transaction_id"]) == [applied["id"]]
    assert ids(file_id=applied["file_id"]) == [applied["id"]]
    assert ids(payer="contoso") == [applied["id"], waiting["id"]]
    assert ids(q="inv-9") == [initech["id"]]  # an invoice number on its lines
    assert ids(q="not-yet") == [waiting["id"]]
    assert ids(q="100%") == []  # LIKE's wildcards are text
    first = _get(client, "/api/v1/advices", limit=2)
    assert [a["id"] for a in first["items"]] == [applied["id"], waiting["id"]] and first["next"] == waiting["id"]
    assert ids(after=first["next"]) == [initech["id"]]


def test_one_advice_in_full_and_the_payment_naming_it(client) -> None:  # type: ignore[no-untyped-def]
    applied, waiting, _ = _get(client, "/api/v1/advices")["items"]
    shown = _get(client, f"/api/v1/advices/{applied['id']}")
    assert shown["file"]["name"] == "contoso.csv" and shown["file"]["id"] == applied["file_id"]
    (line,) = shown["lines"]
    assert (line["invoice_number"], line["paid"], line["discount"], line["line"]) == ("INV-2", "100.00", "0.00", 2)
    assert line["invoice_id"] is not None
    other = _get(client, f"/api/v1/advices/{waiting['id']}")
    assert [(ln["invoice_number"], ln["paid"]) for ln in other["lines"]] == [("INV-1", "600.00")]
    payment = _get(client, f"/api/v1/payments/{applied['transaction_id']}")
    assert payment["match_status"] == "applied"
    assert payment["advices"] == [{"id": applied["id"], "format": "advice.csv", "status": "applied"}]


def test_refusals(client) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/api/v1/advices/999", headers=client.ar)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert "no remittance advice #999" in missing.json()["detail"]
    assert client.get("/api/v1/advices", headers=client.ar, params={"status": "bogus"}).status_code == 422
    assert client.get("/api/v1/advices/0", headers=client.ar).status_code == 422
    assert client.get("/api/v1/advices").status_code == 401
