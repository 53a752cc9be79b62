"""/api/v1/payments: list with filters and cursor, detail with applications and the why."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt

PAYMENTS = [
    E("600.00", ref="B1", name="Contoso Ltd", text=["INV-1"], date="2026-11-18"),  # matched
    E("700.00", ref="B2", name="Contoso Ltd", text=["INV-3"], date="2026-11-19"),  # 500 of 700
    E("100.00", ref="B3", name="Some Body", text=["?"], date="2026-11-20"),  # review
    E("42.00", ref="B4", direction="DBIT", name="Bank fees"),  # ignored
    E(
        "380.00", ref="B5", name="Globex GmbH", ccy="USD", text=["paying"], date="2026-11-21"
    ),  # review
]


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000), ("INV-3", 50000)):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 11, 1),
                )
            )
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        r = c.post(
            "/api/v1/bank-files",
            headers=c.review,
            files={"file": ("nov.xml", camt("053", PAYMENTS))},
        )
        assert r.status_code == 201, r.text
        yield c


def _refs(client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/payments?{query}", headers=client.ar)
    assert r.status_code == 200, r.text
    return [p["bank_reference"] for p in r.json()["items"]]


def _by_ref(client, ref: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    items = client.get("/api/v1/payments", headers=client.ar).json()["items"]
    return next(p for p in items if p["bank_reference"] == ref)


def test_list_shape_and_derived_status(client) -> None:
    items = {
        p["bank_reference"]: p
        for p in client.get("/api/v1/payments", headers=client.ar).json()["items"]
    }
    assert {r: p["status"] for r, p in items.items()} == {
        "B1": "matched",
        "B2": "partially_applied",
        "B3": "review",
        "B4": "ignored",
        "B5": "review",
    }
    b2 = items["B2"]
    assert (b2["amount"], b2["applied_amount"], b2["unapplied_amount"], b2["currency"]) == (
        "700.00",
        "500.00",
        "200.00",
        "EUR",
    )
    assert (b2["match_status"], b2["direction"], b2["value_date"], b2["payer"]) == (
        "applied",
        "credit",
        "2026-11-19",
        "Contoso Ltd",
    )
    assert isinstance(b2["version"], int) and b2["file_id"] and b2["entry_id"]
    assert items["B4"]["direction"] == "debit"


def test_list_filters(client) -> None:
    assert _refs(client, "status=matched") == ["B1"]
    assert _refs(client, "status=partially_applied") == ["B2"]
    assert _refs(client, "status=review") == ["B3", "B5"]
    assert _refs(client, "status=ignored") == ["B4"]
    assert _refs(client, "status=matched,ignored") == ["B1", "B4"]
    assert _refs(client, "status=unmatched") == [] and _refs(client, "status=returned") == []
    assert _refs(client, "date_from=2026-11-19&date_to=2026-11-20") == ["B2", "B3", "B4"]
    assert _refs(client, "date_to=2026-11-18") == ["B1"]
    assert _refs(client, "amount_min=380&amount_max=600.00") == ["B1", "B5"]
    assert _refs(client, "amount_min=600.01") == ["B2"]
    assert _refs(client, "amount_max=42") == ["B4"]
    assert _refs(client, "payer=contoso") == ["B1", "B2"]
    assert _refs(client, "payer=BODY") == ["B3"]
    assert _refs(client, "currency=usd") == ["B5"]
    assert _refs(client, "currency=EUR&status=review") == ["B3"]
    for bad in (
        "status=paid",
        "amount_min=-5",
        "amount_max=1e2",
        "date_from=yesterday",
        "currency=EURO",
    ):
        assert client.get(f"/api/v1/payments?{bad}", headers=client.ar).status_code == 422, bad


def test_cursor_pages(client) -> None:
    first = client.get("/api/v1/payments?limit=2", headers=client.ar).json()
    assert [p["bank_reference"] for p in first["items"]] == ["B1", "B2"]
    second = client.get(f"/api/v1/payments?limit=2&after={first['next']}", headers=client.ar).json()
    assert [p["bank_reference"] for p in second["items"]] == ["B3", "B4"]
    third = client.get(f"/api/v1/payments?limit=2&after={second['next']}", headers=client.ar).json()
    assert [p["bank_reference"] for p in third["items"]] == ["B5"] and third["next"] is None
    exact = client.get("/api/v1/payments?limit=5", headers=client.ar).json()
    assert len(exact["items"]) == 5 and exact["next"] is None  # no empty last page


def test_detail_of_an_applied_payment_says_why(client) -> None:
    tx = _by_ref(client, "B1")["transaction_id"]
    r = client.get(f"/api/v1/payments/{tx}", headers=client.ar)
    assert r.status_code == 200
    d = r.json()
    assert r.headers["ETag"] == f'"{d["version"]}"'
    assert d["status"] == "matched" and d["remittance"] == ["INV-1"]
    assert d["file"]["name"] == "nov.xml" and d["file"]["format"] == "camt.053"
    assert d["entry"]["bank_code"] and d["entry"]["reversal"] is False
    assert d["entry"]["account"] == "DE89370400440532013000"
    (app,) = d["applications"]
    assert (app["invoice_number"], app["applied_amount"], app["method"], app["status"]) == (
        "INV-1",
        "600.00",
        "auto",
        "applied",
    )
    assert d["review"] is None
    assert d["explanation"].startswith("Applied automatically (confidence ")
    assert (
        "INV-1 (600.00 EUR)" in d["explanation"] and "INV-1 named in remittance" in d["explanation"]
    )


def test_detail_of_flagged_and_review_payments(client) -> None:
    over = client.get(
        f"/api/v1/payments/{_by_ref(client, 'B2')['transaction_id']}", headers=client.ar
    ).json()
    assert over["review"]["status"] == "open" and over["review"]["reason"] == "over_payment"
    assert over["explanation"] == over["review"]["explanation"] and over["explanation"]
    lost = client.get(
        f"/api/v1/payments/{_by_ref(client, 'B3')['transaction_id']}", headers=client.ar
    ).json()
    assert lost["applications"] == [] and lost["review"]["reason"] == "no_customer"
    assert set(lost["review"]) >= {
        "review_id",
        "status",
        "reason",
        "explanation",
        "candidates",
        "assignee",
        "created_at",
    }
    debit = client.get(
        f"/api/v1/payments/{_by_ref(client, 'B4')['transaction_id']}", headers=client.ar
    ).json()
    assert debit["explanation"].startswith("Not receivables")


def test_detail_after_dismissal_shows_the_latest_review_item(client) -> None:
    tx = _by_ref(client, "B3")["transaction_id"]
    r = client.post(
        f"/api/v1/exceptions/{tx}/dismiss", headers=client.review, json={"reason": "a refund"}
    )
    assert r.status_code == 200
    d = client.get(f"/api/v1/payments/{tx}", headers=client.ar).json()
    assert d["status"] == "ignored" and d["review"]["status"] == "dismissed"
    assert d["explanation"] == "Dismissed by api-key:reviewer: a refund."


def test_unknown_payment_is_404_and_scopes(client) -> None:
    assert client.get("/api/v1/payments/999999", headers=client.ar).status_code == 404
    assert client.get("/api/v1/payments/abc", headers=client.ar).status_code == 422
    assert client.get("/api/v1/payments").status_code == 401
    assert client.get("/api/v1/payments/1").status_code == 401


def test_hostile_parameters_are_422_not_500(client) -> None:
    for url in (
        "/api/v1/payments/9223372036854775808",  # beyond any INTEGER id
        "/api/v1/payments?after=9223372036854775808",
        "/api/v1/payments?payer=a%00b",  # PostgreSQL refuses NUL in text
        "/api/v1/payments?amount_min=99999999999999999",  # beyond BIGINT in minor units
    ):
        assert client.get(url, headers=client.ar).status_code == 422, url
    assert client.get("/api/v1/exceptions?payer=%00", headers=client.review).status_code == 422
