"""The customer page shows the other payment channels (issue 15): the customer's mandates,
the collections sent under them with what the bank made of them, and the remittance advices
that describe their payments — waiting for the payment, then applied. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.db import transaction
from ledger.models import Collection, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt
from tests.receivables.dd_book import MANDATES_CSV, ORIGINATOR, seed
from tests.ui.test_ui_routes import _sign_in
from workflows.direct_debit import collect, import_mandates
from workflows.pipeline import ingest_stream

DAY = date(2026, 12, 1)
ADVICE = ("payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"
          "Muster GmbH,PAY-77,10.00,INV-EU-LATER,10.00,0\n")


def _ingest(rt, data: bytes, name: str) -> None:  # type: ignore[no-untyped-def]
    result = ingest_stream(rt, io.BytesIO(data), name=name, source="test", actor="test")
    assert result.status == "parsed", result.error


def _rows(html: str, table: str) -> list[str]:
    """The text of each body row of the table marked `data-<table>`, tags and blanks squeezed."""
    body = re.search(rf"<table data-{table}>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert body, f"no {table} table"
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]


@pytest.fixture
def key(rt, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """The direct-debit book collected for DAY; a reviewer's key."""
    seed(rt)
    dd = dataclasses.replace(rt, settings=rt.settings.model_copy(
        update={k.removeprefix("REMIT_").lower(): v for k, v in ORIGINATOR.items()}))
    assert not import_mandates(dd, MANDATES_CSV.encode(), file="m.csv", actor="test").errors
    collect(dd, as_of=DAY, out=tmp_path / "out", actor="test")
    with transaction(rt.engine) as s:
        return api_keys.create(s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key)


@pytest.fixture
def client(rt, key: str):  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt)) as c:
        _sign_in(c, key)
        yield c


def test_mandates_collections_and_a_return_show_on_the_customer_page(client, rt) -> None:
    eu = client.get("/customers/C-EU").text
    assert _rows(eu, "mandates") == ["M-EU-1 SEPA DE89370400440532013000 2026-01-15 active"]
    collections = _rows(eu, "collections")
    # Newest first; INV-EU-LATER is not due: not collected.
    assert [r.split()[0] for r in collections] == ["INV-EU-2", "INV-EU-1"]
    assert all("pending" in r and "FRST" in r and "M-EU-1" in r for r in collections)
    assert "80.50 EUR" in collections[0] and "120.00 EUR" in collections[1]

    with transaction(rt.engine) as s:
        e2e = s.scalar(select(Collection.end_to_end_id).join(Invoice, Invoice.id == Collection.invoice_id)
                       .where(Invoice.number == "INV-FR-1"))
    _ingest(rt, camt("054", [E("45.00", ref="RET1", e2e=e2e, direction="DBIT", return_reason="AC04")],
                     stmt_id="R1"), "r1.xml")
    fr = client.get("/customers/C-FR").text
    (mandate,) = _rows(fr, "mandates")
    assert "inactive" in mandate and "AC04" in mandate
    (returned,) = _rows(fr, "collections")
    assert returned.startswith("INV-FR-1 45.00 EUR") and "returned AC04 Closed account" in returned
    assert re.search(r'<a href="/payments/\d+">#\d+</a>', fr)  # the return that did it
    (debit,) = _rows(client.get("/invoices/INV-FR-1").text, "debits")
    assert debit.startswith("2026-12-01 FRST 45.00 EUR M-FR-1") and e2e in debit and "AC04" in debit
    assert "data-debits" not in client.get("/invoices/INV-EU-LATER").text  # never collected

    none = client.get("/customers/C-NONE").text
    assert "No mandate: remit does not debit this customer." in none and "data-collections" not in none


def test_an_advice_shows_waiting_then_applied_with_its_payment(client, rt) -> None:
    _ingest(rt, ADVICE.encode(), "advice.csv")
    (waiting,) = _rows(client.get("/customers/C-EU").text, "advices")
    assert "advice.csv" in waiting and "Muster GmbH PAY-77 10.00" in waiting
    assert waiting.endswith("INV-EU-LATER waiting not booked yet")
    assert "No remittance advice" in client.get("/customers/C-FR").text  # not theirs

    _ingest(rt, camt("053", [E("10.00", ref="PAY-77", name="Muster GmbH", text=["thank you"])],
                     stmt_id="S9"), "s9.xml")
    page = client.get("/customers/C-EU").text
    (applied,) = _rows(page, "advices")
    assert "INV-EU-LATER applied" in applied
    tx = re.search(r"<table data-advices>.*?href=\"/payments/(\d+)\"", page, re.S)
    assert tx and f'href="/payments/{tx.group(1)}"' in page.split("data-customer-payments", 1)[1]
    payment = client.get(f"/payments/{tx.group(1)}").text
    assert re.search(r"data-advices>#\d+ <span class=\"tag\">advice.csv</span> applied<", payment)


def test_the_channels_read_in_the_browser(page, server, rt, key, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from tests.ui.conftest import sign_in

    _ingest(rt, ADVICE.encode(), "advice.csv")
    sign_in(page, server, key)
    page.wait_for_url(server + "/")
    page.goto(server + "/customers/C-EU")
    expect(page.get_by_role("heading", name="Direct debit")).to_be_visible()
    expect(page.locator("[data-mandates]")).to_contain_text("M-EU-1")
    expect(page.locator("[data-collections] tbody tr")).to_have_count(2)
    expect(page.locator("[data-advices]")).to_contain_text("waiting")
    page.locator("[data-collections] a", has_text="INV-EU-1").click()
    page.wait_for_url(server + "/invoices/INV-EU-1")
    page.go_back()
    page.screenshot(path=str(tmp_path / "customer.png"), full_page=True)
    assert (tmp_path / "customer.png").stat().st_size > 10_000
