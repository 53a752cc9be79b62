"""/api/v1/reports/cash-application over HTTP: the seeded book's known outcomes, the default
window, bad windows, and the scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from ledger.db import transaction
from ledger.repositories import api_keys
from ledger.types import utc_now
from server.app import create_app
from tests.reconcile.cash_book import ACCOUNT_B, seed_cash_book

URL = "/api/v1/reports/cash-application"


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    seed_cash_book(rt)
    with transaction(rt.engine) as s:
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
    with TestClient(create_app(rt)) as c:
        c.headers.update({"Authorization": f"Bearer {ar}"})
        c.review_key = review  # type: ignore[attr-defined]
        yield c


def test_the_rates_of_a_window(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get(URL, params={"since": "2026-11-01", "until": "2026-11-30"})
    assert r.status_code == 200, r.text
    body = r.json()
    t = body["totals"]
    assert (t["payments"], t["auto_applied"], t["straight_through"]) == (5, 2, 1)
    assert (t["envelope_auto_rate"], t["line_item_auto_rate"], t["straight_through_rate"]) == (
        "40.0", "80.0", "20.0")
    assert body["amounts"] == [{"currency": "EUR", "payments": 5, "received": "1112.34",
                                "applied": "1050.00", "auto_applied": "700.00"}]
    b = next(a for a in body["by_account"] if a["account"] == ACCOUNT_B)
    assert (b["payments"], b["envelope_auto_rate"], b["straight_through_rate"]) == (1, "100.0", "0.0")
    assert [d["day"] for d in body["by_day"]] == ["2026-11-20"]
    october = client.get(URL, params={"since": "2026-10-01", "until": "2026-10-31"}).json()
    assert october["totals"]["payments"] == 1


def test_the_default_window_is_the_last_30_days(client) -> None:  # type: ignore[no-untyped-def]
    today = utc_now().date()
    body = client.get(URL).json()
    assert (body["since"], body["until"]) == ((today - timedelta(days=29)).isoformat(),
                                              today.isoformat())
    body = client.get(URL, params={"until": "2026-11-30"}).json()
    assert body["since"] == "2026-11-01" and body["totals"]["payments"] == 5


def test_bad_windows_are_422(client) -> None:  # type: ignore[no-untyped-def]
    for params in ({"since": "2026-12-01", "until": "2026-11-30"},
                   {"since": "2000-01-01", "until": "2026-11-30"},
                   {"until": "0001-01-02"},
                   {"since": "2026-13-01"}):
        assert client.get(URL, params=params).status_code == 422, params


def test_it_needs_a_key_with_ar_read(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(URL, headers={"Authorization": ""}).status_code == 401
    other = {"Authorization": f"Bearer {client.review_key}"}
    assert client.get(URL, headers=other).status_code == 403
    assert date.fromisoformat(client.get(URL).json()["until"])
