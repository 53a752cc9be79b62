"""The queue and its linked pages in a real browser (Debian's chromium through Playwright,
SQLite and PostgreSQL): bulk assign and bulk dismiss by keyboard, a partial failure reported
per item, the customer, bank file and payment pages reached by their links, the apply form's
invoice search, and the workbench's HTML error page.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Customer, Invoice, ReviewItem
from ledger.repositories import api_keys
from reconcile import manual
from tests.factories import E, camt
from tests.ui.conftest import sign_in
from workflows.pipeline import ingest_stream


@pytest.fixture
def book(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Two open invoices of Contoso, a reviewer's key and four payments nobody can match."""
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 120000), ("INV-2", 38000)):
            s.execute(insert(Invoice).values(
                number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                open_minor=minor, issue_date=date(2026, 11, 1)))
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"],
                              secret=rt.settings.secret_key)
    data = camt("053", [
        E("1500.00", ref="B1", name="Alpha GmbH", text=["?"]),
        E("380.00", ref="B2", name="Beta SA", text=["see attached"]),
        E("42.00", ref="B3", name="Gamma Ltd", text=["?"]),
        E("7.50", ref="B4", name="Delta Inc", text=["?"]),
    ])
    result = ingest_stream(rt, io.BytesIO(data), name="today.xml", source="api", actor="test")
    assert result.status == "parsed" and result.review == 4, result
    return {"key": key, "tx": list(result.new_transaction_ids), "file": result.file_id}


def _statuses(rt) -> dict[int, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        rows = s.execute(select(ReviewItem.transaction_id, ReviewItem.status, ReviewItem.assignee))
        return {tx: (status, assignee) for tx, status, assignee in rows}


def test_bulk_assign_by_keyboard(page, server, book, rt) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    page.goto(server + "/exceptions")
    expect(page.locator("[data-total=EUR]")).to_contain_text("1,929.50 EUR")
    # j x j x: the first two rows selected; a: the "assign to" field (it says "me"); Enter.
    for key in ("j", "x", "j", "x"):
        page.keyboard.press(key)
    expect(page.locator("[data-selected-count]")).to_have_text("(2 selected)")
    expect(page.locator("tr.is-selected")).to_have_count(2)
    page.keyboard.press("a")
    expect(page.get_by_label("Assign to")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-flash]")).to_have_text("Assigned 2 of 2.")
    expect(page.locator("[data-outcome=ok]")).to_have_count(2)
    page.locator("[data-back]").click()
    page.wait_for_url(server + "/exceptions")
    page.get_by_label("Assignee").select_option("me")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/exceptions?*assignee=me*")
    expect(page.locator("tbody tr[data-row]")).to_have_count(2)
    expect(page.locator("[data-total=EUR]")).to_contain_text("1,880.00 EUR")
    statuses = _statuses(rt)
    assert [statuses[t] for t in book["tx"]] == [("open", "api-key:reviewer")] * 2 + [
        ("open", None)] * 2


def test_bulk_dismiss_reports_an_item_someone_else_resolved(page, server, book, rt) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    page.goto(server + "/exceptions?sort=-amount")
    expect(page.locator("[data-amount]").first).to_have_text("1,500.00 EUR")
    page.keyboard.press("X")  # every row on the page
    expect(page.locator("[data-selected-count]")).to_have_text("(4 selected)")
    # Meanwhile someone else dismisses one of them.
    with transaction(rt.engine) as s:
        manual.dismiss(s, transaction_id=book["tx"][3], actor="alice", reason="refund")
    page.keyboard.press("d")
    expect(page.get_by_label("Dismiss, reason")).to_be_focused()
    page.keyboard.type("internal transfer")
    page.keyboard.press("Enter")
    expect(page.locator("[data-flash]")).to_have_text("Dismissed 3 of 4. 1 not changed: see below.")
    failed = page.locator("[data-outcome=failed]")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text(f"#{book['tx'][3]}")
    expect(failed).to_contain_text("already dismissed by alice")
    page.locator("[data-back]").click()
    page.wait_for_url("**/exceptions?sort=-amount")
    expect(page.locator("main")).to_contain_text("The queue is empty.")
    assert {s for s, _ in _statuses(rt).values()} == {"dismissed"}


def test_payment_customer_and_file_pages_link_each_other(page, server, book, rt) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    tx = book["tx"][1]
    page.goto(f"{server}/payments/{tx}")
    expect(page.get_by_role("heading", level=1)).to_have_text("380.00 EUR from Beta SA")
    expect(page.locator("[data-unapplied]")).to_have_text("380.00 EUR")
    # The apply form's invoice search: by amount; "Use" fills a row with the open amount.
    page.get_by_label("Find an open invoice").fill("380")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("[data-found] [data-open-amount]")).to_have_text(["380.00 EUR"])
    page.get_by_role("button", name="Use INV-2").click()
    expect(page.get_by_label("Invoice number, row 1")).to_have_value("INV-2")
    expect(page.get_by_label("Amount, row 1")).to_be_focused()
    expect(page.get_by_label("Amount, row 1")).to_have_value("380.00")
    page.keyboard.press("Enter")
    expect(page.locator("[data-flash]")).to_have_text("Applied to INV-2.")
    expect(page.locator("[data-unapplied]")).to_have_text("0.00 EUR")

    page.locator("[data-customers] a").click()
    page.wait_for_url(server + "/customers/C1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contoso Ltd")
    expect(page.locator("[data-open-totals]")).to_contain_text("1,200.00 EUR")
    expect(page.locator("[data-aliases]")).to_contain_text("Beta SA")
    expect(page.locator("[data-customer-payments]")).to_contain_text("Matched")
    page.locator("[data-customer-payments] a", has_text=f"#{tx}").click()
    page.wait_for_url(f"{server}/payments/{tx}")

    page.locator("[data-file-link]").click()
    page.wait_for_url(f"{server}/files/{book['file']}")
    expect(page.locator("[data-file-status]")).to_have_text("parsed")
    expect(page.locator("[data-statement-checks]")).to_be_visible()
    expect(page.locator("[data-entries] tbody tr")).to_have_count(4)
    # j / Enter on the entries opens a payment.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"{re.escape(server)}/payments/\d+$"))


def test_the_payments_list_filters_by_unapplied(page, server, book, rt) -> None:
    from playwright.sync_api import expect

    with transaction(rt.engine) as s:
        manual.manual_apply(s, transaction_id=book["tx"][0],
                            lines=[manual.ManualLine("INV-1", applied=Decimal("1200"))],
                            actor="alice")
    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    page.keyboard.press("g")
    page.keyboard.press("p")
    page.wait_for_url(server + "/payments")
    page.get_by_label("Unapplied at least").fill("100")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/payments?*min_unapplied=100*")
    expect(page.locator("[data-unapplied]")).to_have_text(["300.00 EUR", "380.00 EUR"])


def test_an_unknown_workbench_path_is_an_html_page(page, server, book) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    response = page.goto(server + "/exceptions/not-a-number/at-all")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("main")).to_contain_text(
        "There is no page at /exceptions/not-a-number/at-all.")
