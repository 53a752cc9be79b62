"""/api/v1/ar-metrics over HTTP: figures from the seeded history, paging, CSV, bad input."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from ledger.db import transaction
from ledger.repositories import api_keys
from server.app import create_app
from tests.receivables.ar_seed import seed_book


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    seed_book(rt)
    with transaction(rt.engine) as s:
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
    with TestClient(create_app(rt)) as c:
        c.headers.update({"Authorization": f"Bearer {ar}"})
        c.review_key = review  # type: ignore[attr-defined]
        yield c


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_metrics_as_of_a_date(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/ar-metrics", params={"as_of": "2026-03-31", "period_days": 90})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {k: body[k] for k in ("as_of", "period_days", "currency", "ar_total", "sales")} == {
        "as_of": "2026-03-31",
        "period_days": 90,
        "currency": "EUR",
        "ar_total": "5400.00",
        "sales": "6500.00",
    }
    assert (body["dso"], body["best_possible_dso"], body["add"], body["cei"]) == (
        "74.8",
        "20.8",
        "54.0",
        "40.0",
    )
    assert body["turnover"] == "1.88" and body["dso_countback"] == "73.0"
    assert body["aging"]["90+"] == "500.00"
    assert body["by_currency"]["USD"]["ar_total"] == "800.00"
    r = client.get("/api/v1/ar-metrics", params={"as_of": "2026-03-31", "customer": "C1"})
    assert r.json()["ar_total"] == "400.00"


def test_metrics_csv(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/ar-metrics", params={"as_of": "2026-03-31", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.text)
    assert rows[0][:5] == ["as_of", "period_days", "currency", "ar_total", "begin_ar"]
    assert [row[2] for row in rows[1:]] == ["EUR", "USD"]
    assert rows[1][3] == "5400.00"


def test_aging_pages_customers_and_exports_csv(client) -> None:  # type: ignore[no-untyped-def]
    params = {"as_of": "2026-03-31", "limit": 2}
    first = client.get("/api/v1/ar-metrics/aging", params=params).json()
    assert first["total"] == "5400.00"
    assert first["buckets"][0] == {"bucket": "current", "amount": "1500.00"}
    assert [r["customer_id"] for r in first["items"]] == ["C2", "C3"]
    assert first["next"] == 2
    second = client.get("/api/v1/ar-metrics/aging", params={**params, "cursor": 2}).json()
    assert [r["customer_id"] for r in second["items"]] == ["C1"] and second["next"] is None
    r = client.get("/api/v1/ar-metrics/aging", params={"as_of": "2026-03-31", "format": "csv"})
    rows = _csv(r.text)
    assert rows[0] == [
        "customer_id", "customer_name", "currency", "total",
        "current", "1-30", "31-60", "61-90", "90+",
    ]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["C2", "C3", "C1"]
    r = client.get(
        "/api/v1/ar-metrics/aging", params={"as_of": "2026-03-31", "format": "csv", "by": "bucket"}
    )
    assert _csv(r.text) == [
        ["bucket", "currency", "amount"],
        ["current", "EUR", "1500.00"],
        ["1-30", "EUR", "3000.00"],
        ["31-60", "EUR", "0.00"],
        ["61-90", "EUR", "400.00"],
        ["90+", "EUR", "500.00"],
    ]
    usd = client.get("/api/v1/ar-metrics/aging", params={"as_of": "2026-03-31", "currency": "USD"})
    assert usd.json()["items"][0]["customer_name"] == "Globex Inc"


def test_trends_json_and_csv(client) -> None:  # type: ignore[no-untyped-def]
    params = {"metric": "dso", "from": "2026-01-01", "to": "2026-03-31", "step": "month"}
    body = client.get("/api/v1/ar-metrics/trend", params=params).json()
    assert [p["value"] for p in body["points"]] == ["45.0", "36.4", "111.6"]
    r = client.get(
        "/api/v1/ar-metrics/trend", params={**params, "metric": "match_rate", "format": "csv"}
    )
    assert _csv(r.text) == [
        ["start", "end", "match_rate", "payments", "auto_applied"],
        ["2026-01-01", "2026-01-31", "100.0", "1", "1"],
        ["2026-02-01", "2026-02-28", "0.0", "1", "0"],
        ["2026-03-01", "2026-03-31", "0.0", "3", "0"],
    ]
    backlog = client.get(
        "/api/v1/ar-metrics/trend",
        params={**params, "metric": "review_backlog", "step": "week", "from": "2026-03-09"},
    ).json()
    assert [p["value"] for p in backlog["points"]] == [2, 1, 1, 1]
    default = client.get("/api/v1/ar-metrics/trend", params={"metric": "cei"}).json()
    assert len(default["points"]) == 12  # the last 12 calendar months


@pytest.mark.parametrize(
    "query",
    [
        "as_of=2026-02-30",
        "as_of=0001-01-01",
        "period_days=0",
        "period_days=100000",
        "currency=eur",
        "customer=",
    ],
)
def test_bad_input_is_422(client, query: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/ar-metrics?{query}").status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        "metric=dso&from=2026-03-01&to=2026-01-01",
        "metric=dso&from=1900-01-01&to=2026-01-01&step=day",
        "metric=nope",
        "metric=dso&step=year",
        "metric=dso&to=9999-12-31",
    ],
)
def test_bad_trend_input_is_422(client, query: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/ar-metrics/trend?{query}").status_code == 422


def test_scopes(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/ar-metrics", headers={"Authorization": ""}).status_code == 401
    other = {"Authorization": f"Bearer {client.review_key}"}
    assert client.get("/api/v1/ar-metrics/aging", headers=other).status_code == 403
