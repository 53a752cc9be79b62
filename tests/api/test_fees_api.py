"""Late fees over HTTP and the CLI (SQLite and PostgreSQL): the feed, the export
acknowledgement, `remit fees run`, and the scheduled job."""

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
from ledger.models import Customer, FeeItem, Invoice, InvoiceEvent
from ledger.repositories import api_keys
from receivables.fee_job import run_fees
from receivables.fees import FeePolicy
from server.app import create_app
from workflows.jobs import build_service_scheduler
from workflows.runtime import runtime


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 100000), ("INV-2", 20000)):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 3, 1),
                    due_date=date(2026, 4, 1),
                )
            )
        keys = {
            name: api_keys.create(s, name=name, scopes=scopes)
            for name, scopes in (("erp", ["ar:read", "ar:write"]), ("reader", ["ar:read"]))
        }
    with TestClient(create_app(rt)) as c:
        headers = {k: {"Authorization": f"Bearer {v}"} for k, v in keys.items()}
        c.keys_ = headers  # type: ignore[attr-defined]
        yield c


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_run_then_feed_and_acknowledge(client, cli_env, tmp_path, rt) -> None:
    env = {
        **cli_env,
        "REMIT_LATE_FEE_MODE": "finance_charge",
        "REMIT_LATE_FEE_MONTHLY_RATE": "1.5",
        "REMIT_LATE_FEE_MINIMUM": "5.00",
    }
    proc = _cli(["fees", "run", "--as-of", "2026-05-01", "--dry-run", "--json"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    dry = json.loads(proc.stdout)
    # INV-1: 1.5 % of 1,000.00 = 15.00; INV-2: 1.5 % of 200.00 = 3.00, raised to the 5.00 minimum.
    assert [(f["invoice_number"], f["amount"]) for f in dry["fees"]] == [
        ("INV-1", "15.00"),
        ("INV-2", "5.00"),
    ]
    assert dry["totals"] == {"EUR": "20.00"} and dry["dry_run"] is True
    with transaction(rt.engine) as s:
        assert s.scalars(select(FeeItem)).all() == []
    proc = _cli(["fees", "run", "--as-of", "2026-05-01"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "charged 2 fee(s), 20.00 EUR" in proc.stdout
    proc = _cli(["fees", "run", "--as-of", "2026-05-01", "--json"], env, tmp_path)
    assert json.loads(proc.stdout)["fees"] == []  # never twice
    assert _cli(["fees", "run", "--as-of", "May 1"], env, tmp_path).returncode == 1

    page = client.get("/api/v1/fees?status=open&limit=1", headers=client.keys_["reader"]).json()
    (first,) = page["items"]
    assert (first["invoice_number"], first["amount"], first["base_amount"], first["rate"]) == (
        "INV-1",
        "15.00",
        "1000.00",
        "1.5",
    )
    assert (first["period_start"], first["period_end"], first["status"]) == (
        "2026-04-02",
        "2026-05-01",
        "open",
    )
    rest = client.get(f"/api/v1/fees?after={page['next']}", headers=client.keys_["reader"]).json()
    assert [f["invoice_number"] for f in rest["items"]] == ["INV-2"]
    r = client.post(f"/api/v1/fees/{first['fee_id']}/exported", headers=client.keys_["erp"])
    assert r.status_code == 200 and r.json()["status"] == "exported"
    assert (
        client.post(
            f"/api/v1/fees/{first['fee_id']}/exported", headers=client.keys_["erp"]
        ).status_code
        == 200
    )  # idempotent
    assert (
        client.post(
            f"/api/v1/fees/{first['fee_id']}/exported", headers=client.keys_["reader"]
        ).status_code
        == 403
    )
    assert client.post("/api/v1/fees/9999/exported", headers=client.keys_["erp"]).status_code == 404
    open_now = client.get("/api/v1/fees?status=open", headers=client.keys_["reader"]).json()
    assert [f["invoice_number"] for f in open_now["items"]] == ["INV-2"]
    by_invoice = client.get("/api/v1/fees?invoice=INV-1", headers=client.keys_["reader"]).json()
    assert [f["status"] for f in by_invoice["items"]] == ["exported"]
    assert client.get("/api/v1/fees?status=paid", headers=client.keys_["reader"]).status_code == 422
    # The feed of invoice events carries the fees for webhooks.
    events = client.get("/api/v1/invoice-events", headers=client.keys_["reader"])
    assert events.status_code == 200, events.text
    types = [e["type"] for e in events.json()["items"]]
    assert types.count("invoice.fee_charged") == 2


def test_the_ar_system_voids_a_fee_and_it_is_never_charged_again(client, rt) -> None:
    with transaction(rt.engine) as s:
        run_fees(s, policy=FeePolicy(mode="finance_charge"), as_of=date(2026, 5, 1), actor="t")
    first = client.get("/api/v1/fees", headers=client.keys_["reader"]).json()["items"][0]
    url = f"/api/v1/fees/{first['fee_id']}/void"
    r = client.post(url, headers=client.keys_["erp"], json={"reason": "goodwill"})
    assert r.status_code == 200 and r.json()["status"] == "void"
    assert client.post(url, headers=client.keys_["erp"], json={"reason": "x"}).status_code == 200
    assert client.post(url, headers=client.keys_["erp"], json={"reason": ""}).status_code == 422
    assert client.post(url, headers=client.keys_["reader"], json={"reason": "x"}).status_code == 403
    r = client.post("/api/v1/fees/9999/void", headers=client.keys_["erp"], json={"reason": "x"})
    assert r.status_code == 404
    exported = client.post(f"/api/v1/fees/{first['fee_id']}/exported", headers=client.keys_["erp"])
    assert exported.status_code == 409
    with transaction(rt.engine) as s:
        again = run_fees(
            s, policy=FeePolicy(mode="finance_charge"), as_of=date(2026, 5, 1), actor="t"
        )
        assert again.charged == []


def test_a_void_fee_cannot_be_exported(client, rt) -> None:
    with transaction(rt.engine) as s:
        inv = s.scalar(select(Invoice.id).where(Invoice.number == "INV-1"))
        fee_id = s.execute(
            insert(FeeItem)
            .values(
                invoice_id=inv,
                kind="finance_charge",
                currency="EUR",
                base_minor=100000,
                rate="1.5",
                period_start=date(2026, 4, 2),
                period_end=date(2026, 5, 1),
                amount_minor=1500,
                status="void",
            )
            .returning(FeeItem.id)
        ).scalar_one()
    r = client.post(f"/api/v1/fees/{fee_id}/exported", headers=client.keys_["erp"])
    assert r.status_code == 409


def test_the_daily_job_is_scheduled_only_when_fees_are_on(client, rt) -> None:
    assert build_service_scheduler(rt).get_job("late-fees") is None
    on = runtime(rt.settings.model_copy(update={"late_fee_mode": "eu"}))
    job = build_service_scheduler(on).get_job("late-fees")
    assert job is not None and "cron" in str(job.trigger)
    from workflows.jobs import fees_job

    fees_job(on)  # runs as of today: the invoices are long overdue
    with transaction(rt.engine) as s:
        kinds = {k for (k,) in s.execute(select(FeeItem.kind)).all()}
        assert kinds == {"late_compensation", "late_interest"}
        assert s.scalars(select(InvoiceEvent.type)).all()
