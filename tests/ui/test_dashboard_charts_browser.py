"""The dashboard's AR charts: server-side SVG in a real browser (Debian chromium, Playwright),
on the seeded history of tests/receivables/ar_seed.py, SQLite and PostgreSQL.

Expected figures by hand (EUR, months Apr 2025 .. Mar 2026 up to as_of 2026-03-31):
- aging: current 1500.00, 1-30 3000.00, 31-60 0.00, 61-90 400.00, 90+ 500.00 (5 bars);
- DSO by month (AR at month end / the month's sales x its days), only where something sold:
  Oct 2025 500/500x31 = 31.0, Dec 1500/1000x31 = 46.5, Jan 2900/2000x31 = 45.0,
  Feb 3900/3000x28 = 36.4, Mar 5400/1500x31 = 111.6 (5 points);
- CEI: Oct, Nov, Dec 0.0 (nothing collected), Jan 40.0, Feb 69.0, Mar 0.0 (6 points; before
  October nothing was collectable);
- match rate: Jan 100.0, Feb 0.0, Mar 0.0 (3 points; other months had no payments).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.db import transaction
from ledger.repositories import api_keys
from server.app import create_app
from tests.receivables.ar_seed import seed_book

AS_OF = "2026-03-31"
SHORT_MONTHS = [
    "Apr 25", "May 25", "Jun 25", "Jul 25", "Aug 25", "Sep 25",
    "Oct 25", "Nov 25", "Dec 25", "Jan 26", "Feb 26", "Mar 26",
]  # fmt: skip
MONTHS = [
    "Apr 2025", "May 2025", "Jun 2025", "Jul 2025", "Aug 2025", "Sep 2025",
    "Oct 2025", "Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026",
]  # fmt: skip


@pytest.fixture
def history(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    seed = seed_book(rt)
    with transaction(rt.engine) as s:
        seed["key"] = api_keys.create(
            s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    return seed


def sign_in(page: Any, server: str, key: str, next_path: str) -> None:
    page.goto(server + next_path)
    page.wait_for_url("**/login**")
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")


def _values(locator: Any, attr: str) -> list[str]:
    return [locator.nth(i).get_attribute(attr) for i in range(locator.count())]


def test_dashboard_charts_show_the_seeded_history(page, server, history) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, history["key"], f"/?as_of={AS_OF}")
    page.wait_for_url(f"{server}/?as_of={AS_OF}")
    expect(page.locator("[data-figure=ar_total]")).to_have_text("5,400.00 EUR")
    expect(page.locator("[data-figure=dso]")).to_have_text("74.8 days")
    expect(page.locator("[data-figure=cei]")).to_have_text("40.0 %")

    aging = page.locator("svg#chart-aging")
    expect(aging).to_be_visible()
    expect(page.locator("[data-chart-box=dso] h3")).to_have_text("DSO by month, EUR")
    expect(aging.locator("title").first).to_have_text("Aging of receivables, EUR as of 2026-03-31")
    bars = aging.locator("rect[data-bar]")
    expect(bars).to_have_count(5)
    assert _values(bars, "data-label") == ["current", "1-30", "31-60", "61-90", "90+"]
    assert _values(bars, "data-value") == ["1500.00", "3000.00", "0.00", "400.00", "500.00"]
    assert aging.locator("[data-axis-label]").all_text_contents() == [
        "current", "1-30", "31-60", "61-90", "90+",
    ]  # fmt: skip
    # The tallest bar is 1-30's; heights are proportional to the amounts.
    heights = [float(h or 0) for h in _values(bars, "height")]
    assert heights[1] == max(heights) and heights[2] == 0
    assert abs(heights[0] / heights[1] - 0.5) < 0.01

    dso = page.locator("svg#chart-dso")
    points = dso.locator("circle[data-point]")
    expect(points).to_have_count(5)
    assert _values(points, "data-label") == ["Oct 2025", "Dec 2025", "Jan 2026", "Feb 2026",
                                             "Mar 2026"]  # fmt: skip
    assert _values(points, "data-value") == ["31.0", "46.5", "45.0", "36.4", "111.6"]
    assert dso.locator("[data-axis-label]").all_text_contents() == SHORT_MONTHS
    table = page.locator("[data-chart-box=dso] tbody th")
    assert [t.strip() for t in table.all_text_contents()] == MONTHS
    assert dso.get_attribute("role") == "img"

    cei = page.locator("svg#chart-cei circle[data-point]")
    expect(cei).to_have_count(6)
    assert _values(cei, "data-value") == ["0.0", "0.0", "0.0", "40.0", "69.0", "0.0"]
    rate = page.locator("svg#chart-match-rate circle[data-point]")
    expect(rate).to_have_count(3)
    assert _values(rate, "data-value") == ["100.0", "0.0", "0.0"]

    # The data table beside the chart, and the CSV behind it.
    box = page.locator("[data-chart-box=aging]")
    box.get_by_text("Data table").click()
    expect(box.locator("tbody tr").nth(1)).to_contain_text("3,000.00")
    with page.expect_download() as info:
        box.locator("a[data-csv]").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows == [
        ["bucket", "currency", "amount"],
        ["current", "EUR", "1500.00"],
        ["1-30", "EUR", "3000.00"],
        ["31-60", "EUR", "0.00"],
        ["61-90", "EUR", "400.00"],
        ["90+", "EUR", "500.00"],
    ]
    with page.expect_download() as info:
        page.locator("[data-chart-box=dso] a[data-csv]").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows[0] == ["start", "end", "dso", "ar", "sales"]
    assert len(rows) == 13
    assert rows[-1] == ["2026-03-01", "2026-03-31", "111.6", "5400.00", "1500.00"]
    assert rows[1] == ["2025-04-01", "2025-04-30", "", "0.00", "0.00"]

    # Another as-of date from the form: the end of January.
    page.get_by_label("As of", exact=True).fill("2026-01-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?as_of=2026-01-31")
    expect(page.locator("[data-figure=ar_total]")).to_have_text("2,900.00 EUR")
    # Feb 2025 .. Jan 2026: DSO for Oct, Dec and Jan only.
    expect(page.locator("svg#chart-dso circle[data-point]")).to_have_count(3)


def _sign_in_client(client: TestClient, key: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]*)"', form.text)
    assert token
    r = client.post(
        "/login",
        data={"api_key": key, "login_csrf": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_chart_csv_routes_need_a_session(rt, history) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt)) as client:
        r = client.get("/dashboard/trend.csv?metric=cei", follow_redirects=False)
        assert r.status_code == 303 and "/login" in r.headers["location"]
        _sign_in_client(client, history["key"])
        r = client.get(f"/dashboard/trend.csv?metric=match_rate&as_of={AS_OF}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.headers["cache-control"] == "no-store"
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[-3:] == [
            ["2026-01-01", "2026-01-31", "100.0", "1", "1"],
            ["2026-02-01", "2026-02-28", "0.0", "1", "0"],
            ["2026-03-01", "2026-03-31", "0.0", "3", "0"],
        ]
        assert client.get("/dashboard/trend.csv?metric=nope").status_code == 422
        page = client.get("/?as_of=not-a-date")
        assert page.status_code == 200 and "Not a date" in page.text
        assert client.get("/dashboard/aging.csv").text.startswith("bucket,currency,amount")
