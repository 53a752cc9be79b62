"""The workbench validates its input at the boundary too: a NUL character (PostgreSQL cannot
store it) or an over-long value in any query, path or form field is a 4xx page, never a 500 —
swept over every workbench route, signed in, with valid CSRF tokens and real targets."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt
from workflows.runtime import Runtime

# Every field a workbench form reads, with a value that would be accepted.
FORM = {
    "invoice_number": "INV-1", "amount": "1.00", "discount": "", "write_off": "",
    "write_off_reason": "", "note": "n", "reason": "r", "rank": "1", "customer_id": "C1",
    "invoices": "INV-2", "instalments": "2", "first_due": "2027-01-15", "every": "month",
    "grace_days": "5", "resolution": "rebill", "back": "invoice", "reason_code": "other",
}
SKIPPED = {"/login", "/logout", "/healthz", "/metrics", "/docs", "/redoc", "/openapi.json",
           "/docs/oauth2-redirect"}


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


@pytest.fixture
def signed_in(rt: Runtime) -> Any:
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for n in range(1, 4):
            s.execute(insert(Invoice).values(
                number=f"INV-{n}", customer_id="C1", currency="EUR", amount_minor=100000,
                open_minor=100000, issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1)))
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"],
                              secret=rt.settings.secret_key)
    with TestClient(create_app(rt), raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {key}"}
        entries = [E("1.00", ref=f"R{n}", name="Somebody", text=["?"]) for n in range(3)]
        r = client.post("/api/v1/bank-files", files={"file": ("s.xml", camt("053", entries))},
                        headers=headers)
        assert r.status_code == 201, r.text
        login = client.get("/login")
        r = client.post("/login", data={"api_key": key, "login_csrf": _field(login.text,
                                                                              "login_csrf")},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        yield client


def _routes(client: TestClient) -> list[tuple[str, set[str], APIRoute]]:
    found = []
    for ctx in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = ctx.original_route
        if isinstance(route, APIRoute) and not ctx.path.startswith("/api/") \
                and ctx.path not in SKIPPED:
            found.append((ctx.path, set(ctx.methods or ()), route))
    return found


def _url(path: str, value: str | None, tx: int) -> str:
    ids = {"transaction_id": str(tx), "number": "INV-1"}
    for name in re.findall(r"{(\w+)(?::\w+)?}", path):
        filler = value if value is not None and name == "number" else ids.get(name, "1")
        path = re.sub(r"{" + name + r"(?::\w+)?}", quote(filler, safe=""), path)
    return path


def test_every_workbench_route_refuses_nul_and_over_long_values(signed_in: TestClient,
                                                                 rt: Runtime) -> None:
    client = signed_in
    with transaction(rt.engine) as s:
        tx = s.scalar(select(BankTransaction.id).order_by(BankTransaction.id))
    token = _field(client.get("/exceptions").text, "csrf_token")
    failures = []
    for path, methods, route in _routes(client):
        for value, label in (("a\x00b", "nul"), ("é" * 5000, "long")):
            if "GET" in methods:
                targets = [q.name for q in route.dependant.query_params]
                for name in targets:
                    r = client.get(_url(path, None, tx), params={name: value})
                    if r.status_code >= 500:
                        failures.append(f"GET {path}?{name}={label}: {r.status_code}")
                if "{number" in path:
                    r = client.get(_url(path, value, tx))
                    if r.status_code >= 500:
                        failures.append(f"GET {path} number={label}: {r.status_code}")
            if "POST" in methods:
                for name in FORM:
                    form = {**FORM, name: value, "csrf_token": token}
                    with transaction(rt.engine) as s:
                        form["version"] = str(s.scalar(
                            select(BankTransaction.version).where(BankTransaction.id == tx)))
                    r = client.post(_url(path, None, tx), data=form, follow_redirects=False)
                    if r.status_code >= 500:
                        failures.append(f"POST {path} {name}={label}: {r.status_code}")
                    elif label == "nul" and r.status_code != 422:
                        failures.append(f"POST {path} {name}={label}: {r.status_code}, not 422")
    assert not failures, "\n".join(failures)


def test_an_unapply_reason_longer_than_its_column_is_refused_not_cut(signed_in: TestClient,
                                                                    rt: Runtime) -> None:
    client = signed_in
    with transaction(rt.engine) as s:
        tx = s.scalar(select(BankTransaction.id).order_by(BankTransaction.id))
    page = client.get(f"/exceptions/{tx}")
    r = client.post(f"/exceptions/{tx}/apply", follow_redirects=False, data={
        "csrf_token": _field(page.text, "csrf_token"), "version": _field(page.text, "version"),
        "invoice_number": "INV-1", "amount": "1.00"})
    assert r.status_code == 303, r.text
    page = client.get(f"/exceptions/{tx}")
    form = {"csrf_token": _field(page.text, "csrf_token"),
            "version": _field(page.text, "version")}
    limit = Application.reversal_reason.property.columns[0].type.length
    r = client.post(f"/exceptions/{tx}/unapply", data={**form, "reason": "é" * (limit + 1)})
    assert r.status_code == 200 and f"at most {limit}" in r.text
    with transaction(rt.engine) as s:
        assert s.scalar(select(Application.status)) == "applied"  # nothing was reversed
    r = client.post(f"/exceptions/{tx}/unapply", data={**form, "reason": "é" * limit})
    assert r.status_code == 200 and "Unapplied" in r.text
    with transaction(rt.engine) as s:
        assert s.scalar(select(Application.reversal_reason)) == "é" * limit
