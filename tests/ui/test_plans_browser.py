"""Payment plans in a real browser (Debian chromium, fixtures in tests/ui/conftest.py): from an
invoice's page a collector sets up a plan over two invoices in three instalments, sees the
schedule (the rounding remainder on the last instalment) and the plan on the invoice, then
cancels it and the invoice offers a new plan again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from tests.ui.conftest import sign_in


@pytest.fixture
def book(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 40001)):
            s.execute(insert(Invoice).values(
                number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                open_minor=minor, issue_date=date(2026, 10, 1), due_date=date(2026, 10, 31)))
        key = api_keys.create(s, name="collector", scopes=["treasury:review"],
                              secret=rt.settings.secret_key)
    return {"key": key}


def test_a_collector_sets_up_and_cancels_a_plan(page, server, book) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    page.goto(server + "/invoices/INV-1")
    page.get_by_role("link", name="Set one up").click()
    page.wait_for_url("**/plans/new?**")
    expect(page.get_by_label("Customer id")).to_have_value("C1")
    page.get_by_label("Invoice numbers (separated by spaces or commas)").fill("INV-1, INV-2")
    page.get_by_label("Equal instalments").fill("3")
    page.get_by_label("First due date").fill("2026-12-15")
    page.get_by_label("Every").fill("month")
    page.get_by_role("button", name="Create plan").click()
    page.wait_for_url("**/plans/*")
    expect(page.locator("[data-plan-status]")).to_have_text("active")
    rows = page.locator("[data-instalments] tbody tr")
    expect(rows).to_have_count(3)
    # 1000.01 in three: 333.33, 333.33 and the remainder 333.35 on the last
    expect(rows.nth(0)).to_contain_text("2026-12-15")
    expect(rows.nth(0)).to_contain_text("333.33")
    expect(rows.nth(2)).to_contain_text("2027-02-15")
    expect(rows.nth(2)).to_contain_text("333.35")
    reference = page.locator("h1").inner_text().split()[1]
    assert reference.startswith("PLAN-")

    page.goto(server + "/invoices/INV-2")
    expect(page.locator("[data-invoice-plans]")).to_contain_text(reference)
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Why").fill("customer asked to pay in full")
    page.get_by_role("button", name="Cancel plan").click()
    expect(page.locator("[data-plan-status]")).to_have_text("cancelled")
    page.goto(server + "/invoices/INV-2")
    expect(page.get_by_role("link", name="Set one up")).to_be_visible()
