"""Disputes and late fees in the workbench (TestClient, SQLite and PostgreSQL): the form on
the invoice page, resolving, refusals as flashes, the list page, fees on the invoice page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from core.money import D
from ledger.db import transaction
from ledger.models import Customer, Dispute, Invoice
from ledger.repositories import api_keys
from receivables.fee_job import run_fees
from receivables.fees import FeePolicy
from server.app import create_app


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(
            insert(Invoice).values(
                number="INV/7",
                customer_id="C1",
                currency="EUR",
                amount_minor=100000,
                open_minor=100000,
                issue_date=date(2026, 3, 1),
                due_date=date(2026, 4, 1),
            )
        )
        key = api_keys.create(
            s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    with TestClient(create_app(rt)) as c:
        form = c.get("/login")
        found = re.search(r'name="login_csrf" value="([^"]*)"', form.text)
        assert found is not None
        token = found.group(1)
        r = c.post(
            "/login",
            data={"api_key": key, "login_csrf": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    html = client.get("/invoices/INV%2F7").text
    return client.post(url, data={"csrf_token": _csrf(html), **data})


def test_open_and_resolve_a_dispute_from_the_invoice_page(client, rt) -> None:
    first = client.get("/invoices/INV%2F7")
    assert first.status_code == 200
    assert "No disputes on this invoice." in first.text and "data-dispute-form" in first.text
    assert "No late fees charged." in first.text
    r = _post(
        client,
        "/disputes",
        {
            "invoice_number": "INV/7",
            "amount": "150.00",
            "reason_code": "damaged",
            "note": "2 crates broken",
        },
    )
    assert r.status_code == 200 and "Dispute #" in r.text and "opened" in r.text
    assert "2 crates broken" in r.text and "at most\n        850.00" in r.text
    with transaction(rt.engine) as s:
        d = s.scalars(select(Dispute)).one()
        assert (d.amount_minor, d.source, d.opened_by) == (15000, "manual", "api-key:reviewer")
    r = _post(
        client,
        "/disputes",
        {"invoice_number": "INV/7", "amount": "900.00", "reason_code": "pricing"},
    )
    assert r.status_code == 200 and "Dispute not opened" in r.text and "exceeds" in r.text
    r = _post(
        client, "/disputes", {"invoice_number": "INV/7", "amount": "abc", "reason_code": "pricing"}
    )
    assert "Not an amount" in r.text
    r = _post(
        client,
        f"/disputes/{d.id}/resolve",
        {"resolution": "credit", "back": "invoice", "note": "CN-4"},
    )
    assert r.status_code == 200 and f"Dispute #{d.id} resolved: Credit note." in r.text
    assert "data-open-amount>850.00 EUR" in r.text
    r = _post(client, f"/disputes/{d.id}/resolve", {"resolution": "credit", "back": "invoice"})
    assert "already resolved" in r.text
    with transaction(rt.engine) as s:
        assert s.scalar(select(Invoice.open_minor)) == 85000


def test_the_disputes_list_page(client, rt) -> None:
    _post(
        client,
        "/disputes",
        {"invoice_number": "INV/7", "amount": "10.00", "reason_code": "quantity"},
    )
    r = client.get("/disputes")
    assert r.status_code == 200 and "INV/7" in r.text and "10.00 EUR" in r.text
    assert 'href="/invoices/INV/7"' in r.text
    assert "No disputes resolved." in client.get("/disputes?status=resolved").text
    assert "INV/7" in client.get("/disputes?status=all").text


def test_fees_show_on_the_invoice_page(client, rt) -> None:
    with transaction(rt.engine) as s:
        run_fees(
            s,
            policy=FeePolicy(mode="finance_charge", monthly_rate=D("1.5")),
            as_of=date(2026, 5, 1),
            actor="job",
        )
    html = client.get("/invoices/INV%2F7").text
    assert "data-fee=" in html and "15.00 EUR" in html and "2026-04-02" in html


def test_forms_need_a_session_and_csrf(client, rt) -> None:
    r = client.post(
        "/disputes",
        data={
            "invoice_number": "INV/7",
            "amount": "1.00",
            "reason_code": "other",
            "csrf_token": "wrong",
        },
    )
    assert r.status_code == 403
    client.cookies.clear()
    assert client.get("/disputes", follow_redirects=False).status_code == 303


# -- in the browser (Debian chromium via Playwright; fixtures of test_workbench_browser) ----



def test_browser_a_deduction_becomes_a_dispute_then_a_credit(
    page,
    server,
    rt,
) -> None:
    """A reviewer writes off a short-pay as a customer deduction: the invoice keeps it open,
    disputed; from the invoice page, the dispute is resolved with a credit note."""
    import io

    from playwright.sync_api import expect

    from tests.factories import E, camt
    from workflows.pipeline import ingest_stream

    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(
            insert(Invoice).values(
                number="INV-9",
                customer_id="C1",
                currency="EUR",
                amount_minor=100000,
                open_minor=100000,
                issue_date=date(2026, 3, 1),
                due_date=date(2026, 4, 1),
            )
        )
        key = api_keys.create(
            s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    data = camt("053", [E("880.00", ref="B9", name="Somebody", text=["see attached"])])
    result = ingest_stream(rt, io.BytesIO(data), name="d.xml", source="api", actor="test")
    (tx,) = result.new_transaction_ids

    page.goto(f"{server}/exceptions/{tx}")
    assert "/login" in page.url, page.url
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/exceptions/{tx}")
    page.get_by_label("Invoice number, row 1").fill("INV-9")
    page.get_by_label("Amount, row 1").fill("880.00")
    page.get_by_label("Write-off, row 1").fill("120.00")
    page.get_by_label("Write-off reason, row 1").select_option("deduction")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator("[data-flash]")).to_have_text(
        "Applied to INV-9. Deduction kept open as a dispute: 120.00 on INV-9.")

    page.goto(f"{server}/invoices/INV-9")
    expect(page.locator("[data-invoice-status]")).to_have_text("partially_paid")
    expect(page.locator("[data-open-amount]")).to_have_text("120.00 EUR")
    row = page.locator("[data-disputes] tr[data-dispute]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("120.00 EUR")
    expect(row).to_contain_text("deduction")
    expect(row.get_by_role("link", name=f"#{tx}")).to_be_visible()
    row.get_by_label("Resolution").select_option("credit")
    row.get_by_label("Note").fill("CN-77")
    row.get_by_role("button", name="Resolve").click()
    expect(page.locator("[data-flash]")).to_contain_text("resolved: Credit note")
    expect(page.locator("[data-invoice-status]")).to_have_text("paid")
    expect(page.locator("[data-open-amount]")).to_have_text("0.00 EUR")
    expect(page.locator("[data-audit]")).to_contain_text("invoice.adjusted")

    page.goto(f"{server}/disputes?status=resolved")
    expect(page.locator("tr[data-dispute]")).to_contain_text("INV-9")
