"""The workbench in a real browser: Debian's chromium driven by Playwright (sync API) against
the real app served by uvicorn on loopback, on the test database (SQLite and PostgreSQL).

A reviewer signs in with an API key, opens the exception from the queue with the keyboard,
applies it across two invoices, and finds both invoices paid with the audit event listed.
Without /usr/bin/chromium the tests skip locally; in CI (CI set) they fail instead.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from reconcile import manual
from tests.factories import E, camt
from tests.ui.conftest import sign_in
from workflows.pipeline import ingest_stream


@pytest.fixture
def book(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Three open invoices, a reviewer's API key, and one camt.053 payment nobody can match."""
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
        key = api_keys.create(
            s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    data = camt("053", [E("980.00", ref="B1", name="Somebody", text=["see attached"])])
    result = ingest_stream(rt, io.BytesIO(data), name="today.xml", source="api", actor="test")
    assert result.status == "parsed" and result.review == 1, result
    (tx,) = result.new_transaction_ids
    return {"key": key, "tx": tx}


def test_a_reviewer_applies_an_exception_across_two_invoices(page, server, book) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    expect(page.get_by_role("heading", name="Open exceptions: 1")).to_be_visible()

    # The queue and the payment, by keyboard only: g q, j, Enter.
    page.keyboard.press("g")
    page.keyboard.press("q")
    page.wait_for_url(server + "/exceptions")
    page.keyboard.press("j")
    expect(page.locator("tr.is-current")).to_contain_text("980.00 EUR")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/exceptions/{book['tx']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("980.00 EUR from Somebody")

    # "Add row" is JavaScript's; the three rows are there without it.
    rows = page.locator("[data-alloc-row]")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Add row").click()
    expect(rows).to_have_count(4)
    expect(page.get_by_label("Invoice number, row 4")).to_be_focused()

    # a: into the apply form; type two rows, Tab between fields, Enter submits.
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("a")
    expect(page.get_by_label("Invoice number, row 1")).to_be_focused()
    page.keyboard.type("INV-1")
    page.keyboard.press("Tab")
    page.keyboard.type("600.00")
    for _ in range(4):  # discount, write-off, reason, next row's invoice number
        page.keyboard.press("Tab")
    expect(page.get_by_label("Invoice number, row 2")).to_be_focused()
    page.keyboard.type("INV-2")
    page.keyboard.press("Tab")
    page.keyboard.type("380.00")
    page.keyboard.press("Enter")
    expect(page.locator("[data-flash]")).to_have_text("Applied to INV-1, INV-2.")
    expect(page.locator("[data-payment-status]")).to_have_text("Matched")

    # Both invoices paid, and the application is in each one's history.
    for number in ("INV-1", "INV-2"):
        page.keyboard.press("g")
        page.keyboard.press("i")
        page.wait_for_url(server + "/invoices")
        page.keyboard.press("/")
        expect(page.get_by_label("Number or customer")).to_be_focused()
        page.keyboard.type(number)
        page.keyboard.press("Enter")
        page.wait_for_url("**/invoices?q=*")
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server}/invoices/{number}")
        expect(page.locator("[data-invoice-status]")).to_have_text("paid")
        expect(page.locator("[data-open-amount]")).to_have_text("0.00 EUR")
        audit = page.locator("[data-audit]")
        expect(audit).to_contain_text("application.created")
        expect(audit).to_contain_text("api-key:reviewer")

    page.keyboard.press("g")
    page.keyboard.press("d")
    page.wait_for_url(server + "/")
    expect(page.get_by_role("heading", name="Open exceptions: 0")).to_be_visible()
    expect(page.locator("main")).to_contain_text("980.00")


def test_a_wrong_key_is_refused(page, server, book) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "rmt_this-is-not-a-key")
    expect(page.get_by_role("alert")).to_contain_text("Unknown or revoked API key")
    assert "/login" in page.url
    page.goto(server + "/exceptions")
    page.wait_for_url("**/login?next=/exceptions")


def test_a_stale_apply_shows_the_message_and_reloads(page, server, book, rt) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    page.goto(f"{server}/exceptions/{book['tx']}")
    seen = page.locator("#apply-form input[name=version]").input_value()
    # Meanwhile someone else takes the item: the payment's version moves on.
    with transaction(rt.engine) as s:
        manual.assign(s, transaction_id=book["tx"], assignee="colleague", actor="api-key:colleague")
    page.get_by_label("Invoice number, row 1").fill("INV-3")
    page.get_by_label("Amount, row 1").fill("500.00")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator("[data-flash]")).to_contain_text("This payment changed since you opened it")
    assert page.url == f"{server}/exceptions/{book['tx']}"
    assert int(page.locator("#apply-form input[name=version]").input_value()) > int(seen)
    expect(page.locator("main")).to_contain_text("colleague")
    expect(page.locator("[data-payment-status]")).to_have_text("In review")
