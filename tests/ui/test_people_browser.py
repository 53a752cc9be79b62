"""A person signs in to the workbench in a real browser (chromium through Playwright, as
test_workbench_browser): e-mail and the one-time password `remit users create` printed, a
password of their own chosen, then signed in under their name; signed out, back in with it.
"""

from __future__ import annotations

import re

from ledger.repositories.users import Person
from workflows.users import create_user

CHOSEN = "blue kettle on a quiet sunday"


def test_a_person_signs_in_with_email_and_password(page, server, rt) -> None:
    from playwright.sync_api import expect

    issued = create_user(rt, "ana@example.com", role="reviewer", actor="test")
    assert isinstance(issued.person, Person)
    page.goto(server + "/exceptions")
    page.wait_for_url(re.compile(r"/login\?next=/exceptions$"))
    page.get_by_label("E-mail").fill("Ana@Example.com")
    page.get_by_label("Password", exact=True).fill(issued.password)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("ana@example.com")
    page.get_by_label("New password", exact=True).fill(CHOSEN)
    page.get_by_label("New password again").fill(CHOSEN + " typo")
    page.get_by_role("button", name="Save and sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords differ.")
    page.get_by_label("New password", exact=True).fill(CHOSEN)
    page.get_by_label("New password again").fill(CHOSEN)
    page.get_by_role("button", name="Save and sign in").click()

    page.wait_for_url(server + "/exceptions")  # back where they were going
    expect(page.locator(".who")).to_have_text("Signed in as ana@example.com (reviewer)")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")

    # The one-time password is spent; their own opens the workbench.
    page.get_by_label("E-mail").fill("ana@example.com")
    page.get_by_label("Password", exact=True).fill(issued.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Unknown e-mail address or wrong password.")
    expect(page.get_by_label("E-mail")).to_have_value("ana@example.com")
    page.get_by_label("Password", exact=True).fill(CHOSEN)
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/")
    expect(page.locator(".who")).to_contain_text("ana@example.com")
