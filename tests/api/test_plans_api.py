"""/api/v1/payment-plans: create, list, get, cancel; scopes; 422 and 409."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import AuditEvent, Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app

URL = "/api/v1/payment-plans"


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(Customer).values(id="C2", name="Fabrikam"))
        for number, cust, minor in (
            ("INV-1", "C1", 60000),
            ("INV-2", "C1", 40001),
            ("INV-9", "C2", 100),
        ):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id=cust,
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 11, 1),
                    due_date=date(2026, 12, 1),
                )
            )
        writer = api_keys.create(s, name="erp", scopes=["ar:write", "ar:read"])
        reader = api_keys.create(s, name="viewer", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.w = {"Authorization": f"Bearer {writer}"}  # type: ignore[attr-defined]
        c.r = {"Authorization": f"Bearer {reader}"}  # type: ignore[attr-defined]
        yield c


BODY = {
    "customer_id": "C1",
    "invoice_numbers": ["INV-1", "INV-2"],
    "instalments": 4,
    "first_due": "2026-12-15",
    "every": "month",
    "grace_days": 3,
}


def test_create_list_get_cancel(client, rt) -> None:  # type: ignore[no-untyped-def]
    r = client.post(URL, headers=client.w, json=BODY)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["reference"] == f"PLAN-{plan['id']}" and plan["status"] == "active"
    assert plan["total"] == "1000.01" and plan["next_due_amount"] == "250.00"
    assert [i["amount"] for i in plan["instalments"]] == ["250.00", "250.00", "250.00", "250.01"]
    assert [i["due_date"] for i in plan["instalments"]][-1] == "2027-03-15"

    page = client.get(URL, headers=client.r, params={"status": "active", "limit": 1}).json()
    assert [p["id"] for p in page["items"]] == [plan["id"]] and page["next"] is None
    assert client.get(URL, headers=client.r, params={"customer_id": "C2"}).json()["items"] == []
    assert client.get(f"{URL}/{plan['id']}", headers=client.r).json()["invoice_numbers"] == [
        "INV-1",
        "INV-2",
    ]

    assert client.post(URL, headers=client.w, json=BODY).status_code == 409  # already in a plan
    assert client.post(f"{URL}/{plan['id']}/cancel", headers=client.r).status_code == 403
    r = client.post(f"{URL}/{plan['id']}/cancel", headers=client.w, json={"note": "renegotiated"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.post(f"{URL}/{plan['id']}/cancel", headers=client.w).status_code == 409
    with transaction(rt.engine) as s:
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "payment_plan")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["plan.create", "plan.cancelled"]


def test_explicit_schedule(client) -> None:  # type: ignore[no-untyped-def]
    body = {
        "customer_id": "C1",
        "invoice_numbers": ["INV-2"],
        "amounts": ["100.01", "300.00"],
        "due_dates": ["2026-12-01", "2027-01-01"],
    }
    r = client.post(URL, headers=client.w, json=body)
    assert r.status_code == 201, r.text
    assert [i["amount"] for i in r.json()["instalments"]] == ["100.01", "300.00"]


@pytest.mark.parametrize(
    "change",
    [
        {"invoice_numbers": ["INV-1", "INV-9"]},  # another customer's invoice
        {"invoice_numbers": ["NOPE"]},
        {"customer_id": "C404"},
        {"instalments": 0},
        {"every": "fortnightly"},
        {"first_due": "9999-12-01"},  # the schedule would run past year 9999
        {"instalments": None, "first_due": None, "amounts": ["1.00"], "due_dates": ["2026-12-01"]},
        {
            "instalments": None,
            "first_due": None,
            "amounts": ["1000.01", "0.00"],
            "due_dates": ["2026-12-01", "2027-01-01"],
        },
        {"grace_days": -1},
    ],
)
def test_bad_input_is_422(client, change) -> None:  # type: ignore[no-untyped-def]
    r = client.post(URL, headers=client.w, json={**BODY, **change})
    assert r.status_code == 422, r.text


def test_scopes_and_missing(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post(URL, headers=client.r, json=BODY).status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/12345", headers=client.r).status_code == 404
    assert client.post(f"{URL}/12345/cancel", headers=client.w).status_code == 404
    assert client.get(f"{URL}/0", headers=client.r).status_code == 422


def _field(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


def test_workbench_pages_create_show_and_cancel(rt) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(
            insert(Invoice).values(
                number="INV-1",
                customer_id="C1",
                currency="EUR",
                amount_minor=10000,
                open_minor=10000,
                issue_date=date(2026, 11, 1),
            )
        )
        key = api_keys.create(
            s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    with TestClient(create_app(rt)) as c:
        form = c.get("/login")
        c.post("/login", data={"api_key": key, "login_csrf": _field(form.text, "login_csrf")})
        page = c.get("/invoices/INV-1")
        assert "Not in a payment plan" in page.text and "/plans/new?invoice=INV-1" in page.text
        new = c.get("/plans/new?invoice=INV-1&customer=C1")
        csrf = _field(new.text, "csrf_token")
        bad = c.post(
            "/plans/new",
            data={
                "csrf_token": csrf,
                "customer_id": "C1",
                "invoices": "INV-1",
                "instalments": "3",
                "first_due": "soon",
                "every": "month",
            },
        )
        assert bad.status_code == 422 and "first due date" in bad.text
        r = c.post(
            "/plans/new",
            data={
                "csrf_token": csrf,
                "customer_id": "C1",
                "invoices": "INV-1",
                "instalments": "3",
                "first_due": "2026-12-01",
                "every": "month",
                "grace_days": "5",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        detail = c.get(r.headers["location"])
        assert "33.34" in detail.text and "created" in detail.text
        assert "PLAN-" in c.get("/plans").text and "PLAN-" in c.get("/invoices/INV-1").text
        r = c.post(
            f"{r.headers['location']}/cancel", data={"csrf_token": csrf}, follow_redirects=True
        )
        assert "cancelled" in r.text
        assert (
            c.post("/plans/999/cancel", data={"csrf_token": csrf}).status_code == 200
        )  # flash, no 500
        assert c.get("/plans/999").status_code == 404
