"""The reminder preview in a real browser (Debian chromium via Playwright, as
tests/ui/test_workbench_browser.py): sign in, open the preview from the invoice page, pick a
step, read the rendered subject and body with the invoice number and amount; then run the
reminders and find the queued letter as a task, marked done from the dunning page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from ledger.types import utc_now
from receivables import reminders
from tests.receivables.test_reminders import clear_policies
from tests.ui.conftest import sign_in


@pytest.fixture
def book(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    clear_policies(rt.engine)
    today = utc_now().date()
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd", email="ap@contoso.test"))
        s.execute(
            insert(Invoice).values(
                number="INV-77",
                customer_id="C1",
                currency="EUR",
                amount_minor=123456,
                open_minor=123456,
                issue_date=date(2026, 9, 1),
                due_date=today - timedelta(days=31),
            )
        )
        key = api_keys.create(
            s, name="collector", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    return {"key": key, "today": today}


def test_a_collector_previews_a_reminder_and_completes_the_task(  # type: ignore[no-untyped-def]
    page,
    server,
    book,
    rt,
) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, book["key"])
    page.wait_for_url(server + "/")
    page.goto(server + "/invoices/INV-77")
    expect(page.get_by_role("heading", name="Reminders")).to_be_visible()
    page.get_by_role("link", name="Preview a reminder").click()
    page.wait_for_url("**/dunning/preview?invoice=INV-77")
    # Without a step: the step due now (31 days late: the final notice, a letter).
    expect(page.locator("[data-preview-subject]")).to_have_text("FINAL NOTICE: INV-77")
    page.get_by_label("Step", exact=True).select_option("second")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview-subject]")).to_have_text("Payment reminder: INV-77")
    body = page.locator("[data-preview-body]")
    expect(body).to_contain_text("Invoice INV-77: EUR 1,234.56 was due")
    expect(body).to_contain_text("and is 31 days overdue.")
    expect(body).to_contain_text("Dear Contoso Ltd,")
    # An unknown invoice is said so, not a crash.
    page.get_by_label("Invoice number", exact=True).fill("NOPE-1")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview-error]")).to_contain_text("no invoice 'NOPE-1'")

    # The day's run queues the letter; it shows on the invoice and as a task.
    with transaction(rt.engine) as s:
        out = reminders.run(s, as_of=book["today"], settings=rt.settings, mailer=None, actor="test")
    assert [(r["step"], r["status"]) for r in out] == [("final", "queued")]
    page.goto(server + "/invoices/INV-77")
    expect(page.locator("[data-reminders]")).to_contain_text("final")
    page.goto(server + "/dunning")
    task = page.locator("[data-tasks] tr[data-task]")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("FINAL NOTICE: INV-77")
    # The letter as the run recorded it, printable on its own.
    with page.expect_popup() as popup:
        task.get_by_role("link", name="Letter").click()
    letter = popup.value
    expect(letter.get_by_role("heading", name="Final notice")).to_be_visible()
    expect(letter.locator("body")).to_contain_text("1234.56 EUR")
    letter.close()
    task.get_by_role("button", name="Done").click()
    expect(page.locator("[data-flash]")).to_contain_text("marked done")
    expect(page.locator("[data-tasks] tr[data-task]")).to_have_count(0)
