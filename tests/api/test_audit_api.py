"""/api/v1/audit-events: the trail per entity, cursor-paged; and every operation needs a key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.db import transaction
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        admin = api_keys.create(s, name="ops", scopes=["admin"])
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="erp", scopes=["ar:read", "ar:write"])
    with TestClient(create_app(rt)) as c:
        c.admin = {"Authorization": f"Bearer {admin}"}  # type: ignore[attr-defined]
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        yield c


def _events(client, query: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/audit-events?{query}", headers=client.review)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _book(client) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {
            "invoice_number": n,
            "customer_id": "C1",
            "customer_name": "Contoso Ltd",
            "currency": "EUR",
            "amount": a,
            "issue_date": "2026-11-01",
        }
        for n, a in (("INV-1", "600.00"), ("INV-2", "380.00"))
    ]
    assert (
        client.post("/api/v1/invoices", headers=client.ar, json={"invoices": rows}).status_code
        == 200
    )


def test_events_of_one_entity(client) -> None:
    _book(client)
    up = client.post(
        "/api/v1/bank-files",
        headers=client.review,
        files={
            "file": (
                "s.xml",
                camt("053", [E("600.00", ref="B1", name="Contoso Ltd", text=["INV-1"])]),
            )
        },
    )
    assert up.status_code == 201 and up.json()["applied"] == 1
    (created,) = _events(client, "entity_type=invoice&entity_id=INV-1")
    assert (created["action"], created["actor"], created["after"]["amount"]) == (
        "invoice.created",
        "api-key:erp",
        "600.00",
    )
    assert re.match(r"^\d{4}-\d\d-\d\dT.*\+00:00$", created["at"])  # aware UTC
    assert [e["action"] for e in _events(client, "entity_type=customer&entity_id=C1")] == [
        "customer.created"
    ]
    (applied,) = _events(client, "entity_type=application")
    assert (
        applied["action"] == "application.created"
        and applied["after"]["invoice"]["number"] == "INV-1"
    )
    assert [e["action"] for e in _events(client, "entity_type=bank_file&entity_id=1")] == [
        "bank_file.received",
        "bank_file.parsed",
    ]
    assert _events(client, "entity_type=invoice&entity_id=NOPE") == []
    # the invoice's own history joins the two: its import and the cash applied to it
    one = client.get("/api/v1/invoices/INV-1", headers=client.ar).json()
    assert [h["action"] for h in one["history"]] == ["invoice.created", "application.created"]
    assert [
        h["action"]
        for h in client.get("/api/v1/invoices/INV-2", headers=client.ar).json()["history"]
    ] == ["invoice.created"]


def test_cursor_pages_through_the_trail(client) -> None:
    _book(client)
    everything = _events(client, "limit=1000")
    assert len(everything) == 3  # customer.created, two invoice.created
    seen: list[int] = []
    after = None
    while True:
        query = "limit=2" + (f"&after={after}" if after is not None else "")
        page = client.get(f"/api/v1/audit-events?{query}", headers=client.review).json()
        seen += [e["event_id"] for e in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == [e["event_id"] for e in everything] == sorted(seen)
    invoices = client.get(
        "/api/v1/audit-events?entity_type=invoice&limit=1", headers=client.review
    ).json()
    assert [e["entity_id"] for e in invoices["items"]] == ["INV-1"] and invoices["next"] is not None
    rest = client.get(
        f"/api/v1/audit-events?entity_type=invoice&after={invoices['next']}", headers=client.review
    ).json()
    assert [e["entity_id"] for e in rest["items"]] == ["INV-2"] and rest["next"] is None


def test_scope_is_treasury_review_or_admin(client) -> None:
    assert client.get("/api/v1/audit-events").status_code == 401
    assert client.get("/api/v1/audit-events", headers=client.ar).status_code == 403
    assert client.get("/api/v1/audit-events", headers=client.admin).status_code == 200
    assert client.get("/api/v1/audit-events?limit=0", headers=client.review).status_code == 422


def test_every_documented_operation_refuses_a_caller_without_a_key(client) -> None:
    # Asked over HTTP rather than by walking app.routes: this FastAPI keeps included routers
    # as opaque entries in app.routes, which a route walk would silently skip.
    paths = client.app.openapi()["paths"]
    assert {
        "/api/v1/invoices",
        "/api/v1/payments/{transaction_id}",
        "/api/v1/audit-events",
        "/api/v1/exceptions/{transaction_id}/accept",
    } <= set(paths)
    checked = 0
    for path, operations in paths.items():
        if not path.startswith("/api/"):
            continue  # /healthz is public; the workbench pages have their own sign-in
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            r = client.request(method.upper(), url)
            assert r.status_code == 401, (method, path, r.status_code)
            checked += 1
    assert checked >= 15
