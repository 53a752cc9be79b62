"""Dunning policies and reminders over HTTP, and `remit reminders run` / `remit dunning` on
the command line (DESIGN.md §6), on SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import AuditEvent, Customer, Reminder
from ledger.repositories import api_keys
from server.app import create_app
from tests.receivables.smtp_server import SmtpServer
from tests.receivables.test_reminders import AS_OF, add_invoice, clear_policies
from workflows.runtime import runtime

SECTION6 = ("invoice_number", "customer_id", "step", "channel", "days_past_due")


@pytest.fixture
def smtp() -> Any:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(settings, smtp):  # type: ignore[no-untyped-def]
    s = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "ar@remit.test"}
    )
    rt = runtime(s)
    clear_policies(rt.engine)
    with transaction(rt.engine) as db:
        db.execute(insert(Customer).values(id="C1", name="Contoso Ltd", email="ap@contoso.test"))
        add_invoice(db, "INV-1", "C1", 100000, date(2026, 11, 19))  # +1 reminder
        add_invoice(db, "INV-2", "C1", 50000, date(2026, 10, 21))  # +30 final letter
        review = api_keys.create(
            db, name="collector", scopes=["treasury:review"], secret=s.secret_key
        )
        ar = api_keys.create(db, name="erp", scopes=["ar:read"], secret=s.secret_key)
    with TestClient(create_app(rt)) as c:
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        c.rt = rt  # type: ignore[attr-defined]
        yield c


STEPS = [
    {"name": "nudge", "offset_days": 2, "channel": "email", "template": "reminder"},
    {"name": "ring", "offset_days": 10, "channel": "call"},
]


def test_policy_crud_with_conflicts_and_bad_input(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/dunning/policies",
        headers=client.review,
        json={"name": "large", "segment": "large", "steps": STEPS},
    )
    assert r.status_code == 201, r.text
    pol = r.json()
    assert [s["name"] for s in pol["steps"]] == ["nudge", "ring"]
    assert pol["steps"][1]["template"] == "call"  # the channel's template
    # Another policy for the same segment: 409. A letter without a template: 422.
    r = client.post(
        "/api/v1/dunning/policies",
        headers=client.review,
        json={"name": "other", "segment": "large", "steps": STEPS},
    )
    assert r.status_code == 409
    r = client.post(
        "/api/v1/dunning/policies",
        headers=client.review,
        json={
            "name": "x",
            "steps": [{"name": "l", "offset_days": 1, "channel": "letter", "template": "nope"}],
        },
    )
    assert r.status_code == 422 and "no template" in r.text
    r = client.post(
        "/api/v1/dunning/policies",
        headers=client.review,
        json={"name": "x", "steps": [{"name": "a", "offset_days": 1, "channel": "fax"}]},
    )
    assert r.status_code == 422
    # ar:read may read, not write.
    assert (
        client.post(
            "/api/v1/dunning/policies", headers=client.ar, json={"name": "y", "steps": STEPS}
        ).status_code
        == 403
    )
    listed = client.get("/api/v1/dunning/policies", headers=client.ar).json()
    assert [p["name"] for p in listed["items"]] == ["large"] and listed["next"] is None
    r = client.put(
        f"/api/v1/dunning/policies/{pol['id']}",
        headers=client.review,
        json={"name": "large", "segment": "large", "steps": STEPS[:1]},
    )
    assert r.status_code == 200 and len(r.json()["steps"]) == 1
    r = client.put("/api/v1/dunning/customers/C1", headers=client.review, json={"policy": "large"})
    assert r.status_code == 200 and r.json()["dunning_policy_id"] == pol["id"]
    assert (
        client.delete(f"/api/v1/dunning/policies/{pol['id']}", headers=client.review).status_code
        == 409
    )  # in use by C1
    assert (
        client.put(
            "/api/v1/dunning/customers/C1", headers=client.review, json={"policy": None}
        ).json()["dunning_policy_id"]
        is None
    )
    assert (
        client.put(
            "/api/v1/dunning/customers/NOPE", headers=client.review, json={"segment": "x"}
        ).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/dunning/policies/{pol['id']}", headers=client.review).status_code
        == 204
    )
    assert client.get(f"/api/v1/dunning/policies/{pol['id']}", headers=client.ar).status_code == 404
    with transaction(client.rt.engine) as db:
        actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("dunning_policy.saved") == 2 and "dunning_policy.deleted" in actions


def test_policies_are_listed_in_cursor_pages_by_id(client) -> None:  # type: ignore[no-untyped-def]
    for name in ("c-third", "a-first", "b-second"):  # ids in this order, names not
        r = client.post("/api/v1/dunning/policies", headers=client.review,
                        json={"name": name, "steps": STEPS})
        assert r.status_code == 201, r.text
    first = client.get("/api/v1/dunning/policies?limit=2", headers=client.ar).json()
    assert [p["name"] for p in first["items"]] == ["c-third", "a-first"]
    assert first["next"] == first["items"][-1]["id"]
    rest = client.get(f"/api/v1/dunning/policies?limit=2&after={first['next']}",
                      headers=client.ar).json()
    assert [p["name"] for p in rest["items"]] == ["b-second"] and rest["next"] is None


def test_run_preview_list_and_complete_a_task(client, smtp) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/reminders/run",
        headers=client.review,
        json={"as_of": AS_OF.isoformat(), "dry_run": True},
    )
    assert r.status_code == 200
    assert [{k: x[k] for k in SECTION6} for x in r.json()] == [
        {
            "invoice_number": "INV-1",
            "customer_id": "C1",
            "step": "reminder",
            "channel": "email",
            "days_past_due": 1,
        },
        {
            "invoice_number": "INV-2",
            "customer_id": "C1",
            "step": "final",
            "channel": "letter",
            "days_past_due": 30,
        },
    ]
    assert smtp.messages == []
    assert client.post("/api/v1/reminders/run", headers=client.ar, json={}).status_code == 403
    assert (
        client.post(
            "/api/v1/reminders/run", headers=client.review, json={"as_of": "9999-01-01"}
        ).status_code
        == 422
    )
    r = client.post(
        "/api/v1/reminders/run", headers=client.review, json={"as_of": AS_OF.isoformat()}
    )
    assert [(x["invoice_number"], x["status"]) for x in r.json()] == [
        ("INV-1", "sent"),
        ("INV-2", "queued"),
    ]
    (msg,) = smtp.messages
    assert msg.rcpt_tos == ["ap@contoso.test"] and "INV-1" in msg.subject
    page = client.get(
        "/api/v1/reminders", headers=client.ar, params={"invoice_number": "INV-1"}
    ).json()
    (one,) = page["items"]
    assert (one["step"], one["status"], one["recipient"]) == ("reminder", "sent", "ap@contoso.test")
    detail = client.get(f"/api/v1/reminders/{one['reminder_id']}", headers=client.ar).json()
    assert "EUR 1,000.00" in detail["body"]
    # Paging: one per page, newest first.
    first = client.get("/api/v1/reminders", headers=client.ar, params={"limit": 1}).json()
    second = client.get(
        "/api/v1/reminders", headers=client.ar, params={"limit": 1, "after": first["next"]}
    ).json()
    assert [first["items"][0]["invoice_number"], second["items"][0]["invoice_number"]] == [
        "INV-2",
        "INV-1",
    ]
    task = client.get("/api/v1/reminders", headers=client.ar, params={"status": "queued"}).json()[
        "items"
    ][0]
    assert (
        client.post(
            f"/api/v1/reminders/{one['reminder_id']}/done", headers=client.review
        ).status_code
        == 409
    )  # an email, not a task
    r = client.post(f"/api/v1/reminders/{task['reminder_id']}/done", headers=client.review)
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert client.get("/api/v1/reminders/999999", headers=client.ar).status_code == 404
    r = client.get(
        "/api/v1/reminders/preview",
        headers=client.ar,
        params={"invoice_number": "INV-2", "step": "reminder", "as_of": "2026-11-20"},
    )
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["content_type"] == "text/plain" and "INV-2" in p["subject"]
    assert "EUR 500.00 was due on 21 October 2026 and is 30 days overdue." in p["body"]
    assert (
        client.get(
            "/api/v1/reminders/preview", headers=client.ar, params={"invoice_number": "NOPE"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/reminders/preview",
            headers=client.ar,
            params={"invoice_number": "INV-1", "step": "zzz"},
        ).status_code
        == 422
    )
    # Run again: nothing new.
    again = client.post(
        "/api/v1/reminders/run", headers=client.review, json={"as_of": AS_OF.isoformat()}
    ).json()
    assert again == [] and len(smtp.messages) == 1


def _remit(cli_env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        check=False,
        env=cli_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_policy_set_and_reminders_run_json(  # type: ignore[no-untyped-def]
    rt,
    cli_env,
    tmp_path,
) -> None:
    clear_policies(rt.engine)
    with transaction(rt.engine) as db:
        db.execute(insert(Customer).values(id="C9", name="Tailspin", segment="slow"))
        add_invoice(db, "T-1", "C9", 12345, date(2026, 11, 10))
    p = _remit(
        cli_env,
        tmp_path,
        "dunning",
        "policy",
        "set",
        "slow",
        "--segment",
        "slow",
        "--step",
        "early:-10:email:courtesy",
        "--step",
        "chase:5:call:call",
    )
    assert p.returncode == 0, p.stderr
    bad = _remit(cli_env, tmp_path, "dunning", "policy", "set", "bad", "--step", "x:1:fax")
    assert bad.returncode == 2 and "channel" in bad.stderr
    listed = _remit(cli_env, tmp_path, "dunning", "policy", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    slow = [p for p in json.loads(listed.stdout) if p["name"] == "slow"]
    assert [s["name"] for s in slow[0]["steps"]] == ["early", "chase"]
    assert "bad" not in {p["name"] for p in json.loads(listed.stdout)}  # refused: not stored
    p = _remit(
        cli_env, tmp_path, "reminders", "run", "--as-of", "2026-11-20", "--dry-run", "--json"
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [
        {
            "invoice_number": "T-1",
            "customer_id": "C9",
            "step": "chase",
            "channel": "call",
            "days_past_due": 10,
        }
    ]
    with transaction(rt.engine) as db:
        assert db.scalar(select(func.count()).select_from(Reminder)) == 0
    p = _remit(cli_env, tmp_path, "reminders", "run", "--as-of", "2026-11-20", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [
        {
            "invoice_number": "T-1",
            "customer_id": "C9",
            "step": "chase",
            "channel": "call",
            "days_past_due": 10,
            "status": "queued",
            "error": None,
        }
    ]
    policies = tmp_path / "policies.toml"
    policies.write_text('[[policies]]\nname = "default"\nsteps = ["late:3:email:reminder"]\n')
    p = _remit(cli_env, tmp_path, "dunning", "policy", "import", str(policies))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)[0]["steps"] == [
        {"name": "late", "offset_days": 3, "channel": "email", "template": "reminder"}
    ]
