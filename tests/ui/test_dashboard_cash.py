"""The dashboard's cash-application table (ui.dashboard.cash_view over reconcile.cash_metrics)
rendered without a browser: totals, each bank account, each of the last 7 days."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from ledger.db import transaction
from ledger.repositories import api_keys
from ledger.types import utc_now
from server.app import create_app
from tests.reconcile.cash_book import ACCOUNT_A, ACCOUNT_B, seed_cash_book
from ui.dashboard import cash_view


def _rows(html: str) -> dict[str, list[str]]:
    """Each row of the cash table: its label -> [payments, envelope, line item, STP]."""
    table = re.search(r"<table[^>]*data-cash-table>(.*?)</table>", html, re.S)
    assert table, "no cash-application table"
    rows = {}
    for label, cells in re.findall(r'<tr data-cash-row="([^"]*)">(.*?)</tr>', table.group(1), re.S):
        rows[label] = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return rows


def test_the_dashboard_shows_the_cash_application_rates(rt) -> None:  # type: ignore[no-untyped-def]
    today = utc_now().date()
    seed_cash_book(rt, day=today - timedelta(days=1))
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"],
                              secret=rt.settings.secret_key)
    with TestClient(create_app(rt)) as client:
        form = client.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]*)"', form.text).group(1)  # type: ignore[union-attr]
        signed = client.post("/login", data={"api_key": key, "login_csrf": token, "next": "/"},
                             follow_redirects=False)
        assert signed.status_code == 303, signed.text
        page = client.get("/")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert rows["All payments"] == ["5", "40.0 %", "80.0 %", "20.0 %"]
    assert rows[ACCOUNT_A] == ["4", "25.0 %", "66.7 %", "25.0 %"]
    assert rows[ACCOUNT_B] == ["1", "100.0 %", "100.0 %", "0.0 %"]
    days = [(today - timedelta(days=n)).isoformat() for n in range(7)]
    assert [label for label in rows if label[:2] == "20"] == days  # the last 7 days, newest first
    assert rows[days[1]] == ["5", "40.0 %", "80.0 %", "20.0 %"]
    assert rows[days[0]] == ["0", "—", "—", "—"]  # a day without payments: no rates


def test_cash_view_fills_the_days_without_payments() -> None:
    report = {"since": "2026-11-24", "until": "2026-11-30",
              "totals": {"payments": 2, "auto_applied": 1, "envelope_auto_rate": "50.0",
                         "line_item_auto_rate": "50.0", "straight_through_rate": "0.0"},
              "by_account": [{"account": None, "payments": 2, "auto_applied": 1,
                              "envelope_auto_rate": "50.0", "line_item_auto_rate": None,
                              "straight_through_rate": "0.0"}],
              "by_day": [{"day": "2026-11-28", "payments": 2, "auto_applied": 1,
                          "envelope_auto_rate": "50.0", "line_item_auto_rate": "50.0",
                          "straight_through_rate": "0.0"}]}
    view = cash_view(report, date(2026, 11, 30))
    assert view["total"]["envelope_auto_rate"] == "50.0"
    assert view["accounts"][0]["label"] == "(no account)"
    assert [(d["label"], d["payments"]) for d in view["days"]] == [
        ("2026-11-30", 0), ("2026-11-29", 0), ("2026-11-28", 2), ("2026-11-27", 0),
        ("2026-11-26", 0), ("2026-11-25", 0), ("2026-11-24", 0)]
    assert view["days"][0]["envelope_auto_rate"] is None
