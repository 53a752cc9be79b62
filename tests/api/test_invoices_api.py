"""/api/v1/invoices: bulk upsert (the CLI import's rules), list with filters and cursor, get."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt

IBAN = "DE89370400440532013000"
OTHER_IBAN = "GB82WEST12345698765432"


def _row(number: str, amount: str = "100.00", **extra: Any) -> dict[str, Any]:
    row = {
        "invoice_number": number,
        "customer_id": "C1",
        "customer_name": "Contoso Ltd",
        "currency": "EUR",
        "amount": amount,
        "issue_date": "2026-10-01",
    }
    row.update(extra)
    return row


BOOK = [
    _row("INV-1001", "600.00", due_date="2026-10-31", po_number="PO-1", customer_accounts=[IBAN]),
    _row("INV-1002", "380.00", open_amount="180.00", due_date="2026-11-15"),
    _row("INV-1003", "500.00", open_amount="0", due_date="2026-11-30"),
    _row(
        "INV-2001",
        "1250.00",
        customer_id="C2",
        customer_name="Globex GmbH",
        due_date="2026-12-31",
        customer_accounts=f"{OTHER_IBAN};",
    ),
    _row(
        "INV-2002",
        "1250",
        customer_id="C2",
        customer_name="Globex GmbH",
        currency="JPY",
        terms="NET30",
    ),
]


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        writer = api_keys.create(s, name="erp", scopes=["ar:write"])
        reader = api_keys.create(s, name="bi", scopes=["ar:read"])
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
    with TestClient(create_app(rt)) as c:
        c.w = {"Authorization": f"Bearer {writer}"}  # type: ignore[attr-defined]
        c.r = {"Authorization": f"Bearer {reader}"}  # type: ignore[attr-defined]
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        yield c


def _upsert(client, rows: list[Any], code: int = 200) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/invoices", headers=client.w, json={"invoices": rows})
    assert r.status_code == code, r.text
    return r.json()


def _numbers(client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/invoices?limit=1000&{query}", headers=client.r)
    assert r.status_code == 200, r.text
    return [i["number"] for i in r.json()["items"]]


def test_bulk_upsert_creates_updates_and_keeps_unchanged(client, rt) -> None:
    first = _upsert(client, BOOK)
    assert (first["created"], first["updated"], first["unchanged"], first["rejected"]) == (
        5,
        0,
        0,
        0,
    )
    assert first["customers_created"] == 2 and first["accounts_added"] == 2
    again = _upsert(
        client, [_row("INV-1001", "600.00", due_date="2026-11-05", po_number="PO-1"), BOOK[1]]
    )
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 1)
    one = client.get("/api/v1/invoices/INV-1001", headers=client.r).json()
    assert (
        one["amount"],
        one["open_amount"],
        one["due_date"],
        one["po_number"],
        one["customer_name"],
    ) == ("600.00", "600.00", "2026-11-05", "PO-1", "Contoso Ltd")
    assert [(h["action"], h["actor"]) for h in one["history"]] == [
        ("invoice.created", "api-key:erp"),
        ("invoice.updated", "api-key:erp"),
    ]
    assert one["history"][1]["before"]["due_date"] == "2026-10-31"
    jpy = client.get("/api/v1/invoices/INV-2002", headers=client.r).json()
    assert (jpy["amount"], jpy["currency"], jpy["due_date"], jpy["terms"]) == (
        "1250",
        "JPY",
        "2026-10-31",
        "NET30",
    )
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 5
        assert s.get(Customer, "C2").name == "Globex GmbH"


def test_any_invalid_row_is_422_with_the_row_errors_and_nothing_written(client, rt) -> None:
    rows = [
        _row("INV-OK"),
        _row("INV-FLOAT", amount=10.5),  # a JSON float: money is never float
        _row("INV-YEN", currency="JPY", amount="10.50"),  # JPY has no decimals
        {"invoice_number": "INV-HALF", "customer_id": "C1"},  # required columns missing
        "not an object",
        _row("INV-DUP", "1.00"),
        _row("INV-DUP", "2.00"),  # one number, two different rows
    ]
    r = client.post("/api/v1/invoices", headers=client.w, json={"invoices": rows})
    assert r.status_code == 422, r.text
    body = r.json()
    assert "nothing imported" in body["detail"]
    assert (body["created"], body["updated"], body["rejected"]) == (0, 0, 6)
    by_row = {(e["row"], e["column"]) for e in body["errors"]}
    assert {
        (2, "amount"),
        (3, "amount"),
        (4, "customer_name"),
        (4, "currency"),
        (5, None),
        (6, "invoice_number"),
        (7, "invoice_number"),
    } <= by_row
    assert "float" in next(e["message"] for e in body["errors"] if e["row"] == 2)
    with transaction(rt.engine) as s:  # not even INV-OK
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
    assert (
        client.post("/api/v1/invoices", headers=client.w, json={"invoices": []}).status_code == 422
    )
    assert (
        client.post("/api/v1/invoices", headers=client.w, json={"rows": [_row("X")]}).status_code
        == 422
    )


def test_a_row_the_import_service_refuses_rolls_back_the_whole_batch(client, rt) -> None:
    _upsert(client, BOOK[:1])  # C1 owns IBAN
    thief = _row("INV-9", customer_id="C9", customer_name="Initech", customer_accounts=[IBAN])
    body = _upsert(client, [_row("INV-NEW"), thief], code=422)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "customer_accounts")]
    assert "belongs to customer C1" in body["errors"][0]["message"]
    assert _numbers(client) == ["INV-1001"]


def test_an_invoice_with_cash_applied_is_held_not_overwritten(client, rt) -> None:
    _upsert(client, BOOK[:1])
    up = client.post(
        "/api/v1/bank-files",
        headers=client.review,
        files={
            "file": (
                "s.xml",
                camt("053", [E("600.00", ref="B1", name="Contoso Ltd", text=["INV-1001"])]),
            )
        },
    )
    assert up.status_code == 201 and up.json()["applied"] == 1, up.text
    stale = _row(
        "INV-1001", "600.00", open_amount="600.00", due_date="2026-10-31", po_number="PO-1"
    )
    body = _upsert(client, [stale])
    assert (body["created"], body["updated"], body["rejected"], body["errors"]) == (0, 0, 0, [])
    (held,) = body["held"]
    assert held["row"] == 1 and "applied cash" in held["reason"]
    one = client.get("/api/v1/invoices/INV-1001", headers=client.r).json()
    assert (one["open_amount"], one["status"]) == ("0.00", "paid")
    assert [a["applied_amount"] for a in one["applications"]] == ["600.00"]
    assert [h["action"] for h in one["history"]] == ["invoice.created", "application.created"]


def test_list_filters(client, rt) -> None:
    _upsert(client, BOOK)
    with transaction(rt.engine) as s:  # voiding is remit's decision, not the import's
        s.execute(update(Invoice).where(Invoice.number == "INV-2001").values(status="void"))
    assert _numbers(client) == ["INV-1001", "INV-1002", "INV-1003", "INV-2001", "INV-2002"]
    assert _numbers(client, "customer=C2") == ["INV-2001", "INV-2002"]
    assert _numbers(client, "status=open") == ["INV-1001", "INV-2002"]
    assert _numbers(client, "status=partially_paid") == ["INV-1002"]
    assert _numbers(client, "status=open,partially_paid") == ["INV-1001", "INV-1002", "INV-2002"]
    assert _numbers(client, "status=paid") == ["INV-1003"]
    assert _numbers(client, "status=void") == ["INV-2001"]
    assert _numbers(client, "due_before=2026-11-15") == ["INV-1001", "INV-1002", "INV-2002"]
    assert _numbers(client, "due_after=2026-11-15&due_before=2026-11-30") == [
        "INV-1002",
        "INV-1003",
    ]
    assert _numbers(client, "q=inv-100") == ["INV-1001", "INV-1002", "INV-1003"]
    assert _numbers(client, "q=globex") == ["INV-2001", "INV-2002"]
    assert _numbers(client, "q=C1") == ["INV-1001", "INV-1002", "INV-1003"]
    assert _numbers(client, "q=100%25") == []  # a literal '%', not a wildcard
    assert _numbers(client, "amount=180.00") == ["INV-1002"]  # the open amount
    assert _numbers(client, "amount=380") == ["INV-1002"]  # the amount
    # 1250 is 1250.00 EUR and 1250 JPY; 12.50 fits no stored invoice in either currency
    assert _numbers(client, "amount=1250") == ["INV-2001", "INV-2002"]
    assert _numbers(client, "amount=12.50") == []
    assert _numbers(client, "customer=C1&status=open,paid&q=100") == ["INV-1001", "INV-1003"]
    for bad in (
        "status=closed",
        "amount=-1",
        "amount=1e3",
        "amount=1,5",
        "due_before=soon",
        "limit=0",
    ):
        assert client.get(f"/api/v1/invoices?{bad}", headers=client.r).status_code == 422, bad


def test_list_items_and_days_past_due(client) -> None:
    _upsert(client, BOOK)
    items = {
        i["number"]: i for i in client.get("/api/v1/invoices", headers=client.r).json()["items"]
    }
    first = items["INV-1001"]
    assert set(first) >= {
        "invoice_id",
        "number",
        "customer_id",
        "customer_name",
        "currency",
        "amount",
        "open_amount",
        "discount_amount",
        "written_off_amount",
        "issue_date",
        "due_date",
        "terms",
        "po_number",
        "status",
        "days_past_due",
    }
    assert first["days_past_due"] == max(0, (date.today() - date(2026, 10, 31)).days)
    assert items["INV-1003"]["days_past_due"] is None  # paid: nothing is past due
    assert isinstance(first["amount"], str) and first["discount_amount"] == "0.00"


def test_cursor_pages_through_the_book(client) -> None:
    rows = [_row(f"INV-{n:04d}", f"{n}.00") for n in range(1, 24)]
    _upsert(client, rows)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        query = "limit=5" + (f"&after={after}" if after is not None else "")
        page = client.get(f"/api/v1/invoices?{query}", headers=client.r).json()
        seen += [i["number"] for i in page["items"]]
        pages += 1
        after = page["next"]
        if after is None:
            break
        assert page["items"][-1]["invoice_id"] == after
    assert pages == 5 and seen == [r["invoice_number"] for r in rows]
    # filters and the cursor together
    page = client.get("/api/v1/invoices?q=INV-001&limit=3", headers=client.r).json()
    assert [i["number"] for i in page["items"]] == ["INV-0010", "INV-0011", "INV-0012"]
    rest = client.get(
        f"/api/v1/invoices?q=INV-001&limit=30&after={page['next']}", headers=client.r
    ).json()
    assert [i["number"] for i in rest["items"]] == [f"INV-{n:04d}" for n in range(13, 20)]
    assert rest["next"] is None


def test_get_unknown_is_404_and_numbers_may_hold_slashes(client) -> None:
    assert client.get("/api/v1/invoices/NOPE", headers=client.r).status_code == 404
    _upsert(client, [_row("2026/11/007")])
    assert (
        client.get("/api/v1/invoices/2026/11/007", headers=client.r).json()["number"]
        == "2026/11/007"
    )


def test_scopes(client) -> None:
    assert client.post("/api/v1/invoices", json={"invoices": [_row("X")]}).status_code == 401
    assert (
        client.post(
            "/api/v1/invoices", headers=client.r, json={"invoices": [_row("X")]}
        ).status_code
        == 403
    )
    assert client.get("/api/v1/invoices", headers=client.review).status_code == 403
    assert client.get("/api/v1/invoices/X").status_code == 401


def test_nul_characters_are_row_errors_on_both_backends(client) -> None:
    body = _upsert(client, [_row("INV-1"), _row("INV-\x00"), _row("INV-3", po_number="P\x00")], 422)
    assert [(e["row"], e["message"]) for e in body["errors"]] == [
        (2, "contains a NUL character (\\u0000)"),
        (3, "contains a NUL character (\\u0000)"),
    ]
    assert _numbers(client) == []
    assert client.get("/api/v1/invoices?q=%00", headers=client.r).status_code == 422
    assert client.get("/api/v1/invoices/%00", headers=client.r).status_code == 422


def test_a_currency_that_is_not_iso_4217_is_refused_naming_row_and_value(client, rt) -> None:
    body = _upsert(client, [_row("INV-OK"), _row("INV-ABC", currency="ABC")], code=422)
    (error,) = body["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "currency", "ABC")
    assert "ISO 4217" in error["message"]
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
