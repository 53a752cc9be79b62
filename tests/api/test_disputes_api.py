"""Disputes over HTTP and the CLI, and deductions from the review queue (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Application, Customer, Dispute, Invoice, InvoiceEvent
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 100000), ("INV-2", 38000)):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 11, 1),
                    due_date=date(2026, 12, 1),
                )
            )
        keys = {
            name: api_keys.create(s, name=name, scopes=scopes)
            for name, scopes in (
                ("erp", ["ar:read", "ar:write"]),
                ("reader", ["ar:read"]),
                ("reviewer", ["treasury:review"]),
            )
        }
    with TestClient(create_app(rt)) as c:
        headers = {k: {"Authorization": f"Bearer {v}"} for k, v in keys.items()}
        c.keys_ = headers  # type: ignore[attr-defined]
        yield c


def _open(client, **body):  # type: ignore[no-untyped-def]
    payload = {"invoice_number": "INV-1", "amount": "250.00", "reason_code": "pricing", **body}
    return client.post("/api/v1/disputes", headers=client.keys_["erp"], json=payload)


def test_open_list_get_and_resolve(client, rt) -> None:
    r = _open(client, note="agreed price 750")
    assert r.status_code == 201, r.text
    d = r.json()
    assert (d["invoice_number"], d["amount"], d["currency"], d["status"], d["source"]) == (
        "INV-1",
        "250.00",
        "EUR",
        "open",
        "api",
    )
    assert d["opened_by"] == "api-key:erp"
    listed = client.get("/api/v1/disputes?status=open", headers=client.keys_["reader"]).json()
    assert [x["dispute_id"] for x in listed["items"]] == [d["dispute_id"]]
    assert listed["next"] is None
    got = client.get(f"/api/v1/disputes/{d['dispute_id']}", headers=client.keys_["reader"])
    assert got.json()["note"] == "agreed price 750"
    r = client.post(
        f"/api/v1/disputes/{d['dispute_id']}/resolve",
        headers=client.keys_["reviewer"],
        json={"resolution": "credit", "note": "CN-1"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["resolution"]) == ("resolved", "credit")
    inv = client.get("/api/v1/invoices/INV-1", headers=client.keys_["reader"]).json()
    assert (inv["open_amount"], inv["written_off_amount"]) == ("750.00", "250.00")
    again = client.post(
        f"/api/v1/disputes/{d['dispute_id']}/resolve",
        headers=client.keys_["erp"],
        json={"resolution": "rejected"},
    )
    assert again.status_code == 409 and "already resolved" in again.json()["detail"]


def test_conflicts_bad_input_and_scopes(client) -> None:
    assert _open(client, amount="1000.00").status_code == 201
    r = _open(client, amount="0.01")
    assert r.status_code == 409 and "exceeds" in r.json()["detail"]
    assert _open(client, invoice_number="NOPE").status_code == 404
    for bad in (
        {"amount": "-1"},
        {"amount": "0"},
        {"amount": 5},
        {"amount": "1e3"},
        {"reason_code": "mood"},
        {"amount": "1.001"},
    ):
        assert _open(client, invoice_number="INV-2", **bad).status_code == 422, bad
    r = client.post(
        "/api/v1/disputes",
        headers=client.keys_["reader"],
        json={"invoice_number": "INV-2", "amount": "1.00", "reason_code": "other"},
    )
    assert r.status_code == 403
    assert client.get("/api/v1/disputes").status_code == 401
    r = client.post(
        "/api/v1/disputes/99/resolve", headers=client.keys_["erp"], json={"resolution": "credit"}
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/disputes/99/resolve", headers=client.keys_["erp"], json={"resolution": "forgive"}
    )
    assert r.status_code == 422
    assert client.get("/api/v1/disputes/0", headers=client.keys_["reader"]).status_code == 422


def test_a_deduction_write_off_stays_open_as_a_dispute(client, rt) -> None:
    # No reference, an unknown payer: the payment waits in review for a person.
    camt_file = camt("053", [E("880.00", ref="B1", name="Somebody", text=["see attached"])])
    r = client.post(
        "/api/v1/bank-files", headers=client.keys_["reviewer"], files={"file": ("s.xml", camt_file)}
    )
    assert r.status_code == 201, r.text
    (item,) = client.get("/api/v1/exceptions", headers=client.keys_["reviewer"]).json()["items"]
    tx = item["transaction_id"]
    body = {
        "allocations": [
            {
                "invoice_number": "INV-1",
                "amount": "880.00",
                "write_off": "120.00",
                "write_off_reason": "deduction",
            }
        ]
    }
    r = client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.keys_["reviewer"], json=body)
    assert r.status_code == 201, r.text
    with transaction(rt.engine) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == "INV-1")).one()
        # Not written off: 120.00 stays open (and claimable), held by a dispute.
        assert (inv.open_minor, inv.written_off_minor, inv.status) == (12000, 0, "open")
        app = s.scalars(select(Application)).one()
        assert (app.applied_minor, app.write_off_minor) == (88000, 0)
        d = s.scalars(select(Dispute)).one()
        assert (d.amount_minor, d.source, d.reason_code, d.transaction_id, d.status) == (
            12000,
            "deduction",
            "deduction",
            tx,
            "open",
        )
    listed = client.get("/api/v1/disputes", headers=client.keys_["reader"]).json()["items"]
    assert listed[0]["source"] == "deduction" and listed[0]["transaction_id"] == tx
    # Written off later, when the deduction is accepted: the invoice is paid, with an event.
    r = client.post(
        f"/api/v1/disputes/{d.id}/resolve",
        headers=client.keys_["reviewer"],
        json={"resolution": "write_off"},
    )
    assert r.status_code == 200, r.text
    with transaction(rt.engine) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == "INV-1")).one()
        assert (inv.open_minor, inv.written_off_minor, inv.status) == (0, 12000, "paid")
        last = s.scalars(select(InvoiceEvent).order_by(InvoiceEvent.id.desc())).first()
        assert last is not None and last.payload["reason"] == "dispute_write_off"


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_open_list_resolve(client, cli_env, tmp_path) -> None:
    proc = _cli(
        [
            "disputes",
            "open",
            "INV-2",
            "--reason",
            "quantity",
            "--amount",
            "80.00",
            "--note",
            "short 2 boxes",
        ],
        cli_env,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "opened on INV-2: 80.00 EUR" in proc.stdout
    proc = _cli(
        ["disputes", "open", "INV-2", "--reason", "quantity", "--amount", "400.00"],
        cli_env,
        tmp_path,
    )
    assert proc.returncode == 1 and "exceeds" in proc.stderr
    proc = _cli(["disputes", "list", "--json"], cli_env, tmp_path)
    (d,) = json.loads(proc.stdout)
    assert (d["invoice_number"], d["amount"], d["note"], d["opened_by"]) == (
        "INV-2",
        "80.00",
        "short 2 boxes",
        "cli:cli",
    )
    proc = _cli(
        ["disputes", "resolve", str(d["dispute_id"]), "--resolution", "rebill"], cli_env, tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    proc = _cli(
        ["disputes", "resolve", str(d["dispute_id"]), "--resolution", "credit"], cli_env, tmp_path
    )
    assert proc.returncode == 1 and "already resolved" in proc.stderr


def test_the_invoice_detail_carries_its_collections(client) -> None:
    assert _open(client).status_code == 201
    one = client.get("/api/v1/invoices/INV-1", headers=client.keys_["reader"]).json()
    assert [(d["amount"], d["reason_code"], d["status"]) for d in one["disputes"]] == [
        ("250.00", "pricing", "open")]
    assert (one["fees"], one["plan"], one["reminders"]) == ([], None, [])
    other = client.get("/api/v1/invoices/INV-2", headers=client.keys_["reader"]).json()
    assert other["disputes"] == []
