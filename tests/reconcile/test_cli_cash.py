"""The cash-application commands as scripts use them (DESIGN.md §6), end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, CustomerAccount, Invoice
from tests.factories import E, camt

IBAN = "GB29NWBK60161331926819"


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _book(rt) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Northwind Traders GmbH"))
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=IBAN, source="imported"))
        for number, minor in (("INV-10421", 125000), ("INV-10422", 50000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))


def _statement(tmp_path: Path) -> Path:
    data = camt("053", [
        E("1250.00", ref="B1", e2e="E-1", name="Northwind Traders GmbH", text=["Invoice INV-10421"]),
        E("77.70", ref="B2", name="Somebody Unknown", text=["thanks"]),
    ]).replace(b"<Nm>Northwind Traders GmbH</Nm></Pty></Dbtr>",
               f"<Nm>Northwind Traders GmbH</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>{IBAN}</IBAN></Id></DbtrAcct>".encode())
    path = tmp_path / "stmt.xml"
    path.write_bytes(data)
    return path


def test_ingest_matches_and_the_contract_commands_report_it(rt, cli_env, tmp_path) -> None:
    _book(rt)
    proc = run(["ingest", "--json", str(_statement(tmp_path))], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["status"], result["applied"], result["review"]) == ("parsed", 1, 1)

    apps = json.loads(run(["applications", "--json"], cli_env, tmp_path).stdout)
    assert [(a["invoice_number"], a["applied_amount"], a["method"], a["status"]) for a in apps] == [
        ("INV-10421", "1250.00", "auto", "applied")]
    keys = {"transaction_id", "bank_reference", "end_to_end_id", "invoice_number", "applied_amount",
            "discount_amount", "write_off_amount", "write_off_reason", "method", "confidence", "reasons", "status"}
    assert keys <= apps[0].keys() and apps[0]["bank_reference"] == "B1" and apps[0]["end_to_end_id"] == "E-1"
    assert apps[0]["reasons"] and isinstance(apps[0]["confidence"], int)

    exceptions = json.loads(run(["exceptions", "--json"], cli_env, tmp_path).stdout)
    assert [(x["amount"], x["currency"], x["bank_reference"]) for x in exceptions] == [("77.70", "EUR", "B2")]
    assert {"transaction_id", "end_to_end_id", "reason", "candidates"} <= exceptions[0].keys()
    # People read amounts and codes as the workbench shows them (core.money, core.labels).
    human = run(["applications"], cli_env, tmp_path).stdout
    assert "1,250.00 EUR" in human and "Automatic" in human
    human = run(["exceptions"], cli_env, tmp_path).stdout
    assert "77.70 EUR" in human and exceptions[0]["reason"] not in human.split()

    # a reviewer applies the unknown payment by hand, with a write-off; the queue empties
    tx = exceptions[0]["transaction_id"]
    proc = run(["apply", str(tx), "INV-10422=77.70"], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(run(["exceptions", "--json"], cli_env, tmp_path).stdout) == []
    proc = run(["apply", str(tx), "INV-10422=1.00"], cli_env, tmp_path)
    assert proc.returncode == 2 and "already applied to INV-10422" in proc.stderr

    # re-running matching changes nothing (idempotent)
    again = json.loads(run(["match", "--json"], cli_env, tmp_path).stdout)
    assert again == {"applied": 0, "review": 0, "ignored": 0, "returned": 0, "deferred": 0, "errors": [],
                     "advices": 0}


def test_thresholds_are_settings(rt, cli_env, tmp_path) -> None:
    # With the auto threshold above any possible score, nothing is applied without a person.
    _book(rt)
    env = {**cli_env, "REMIT_MATCH_AUTO_THRESHOLD": "101"}
    result = json.loads(run(["ingest", "--json", str(_statement(tmp_path))], env, tmp_path).stdout)
    assert (result["applied"], result["review"]) == (0, 2)


def test_write_off_unapply_and_dismiss_from_the_command_line(rt, cli_env, tmp_path) -> None:
    _book(rt)
    run(["ingest", "--json", str(_statement(tmp_path))], cli_env, tmp_path)
    exceptions = json.loads(run(["exceptions", "--json"], cli_env, tmp_path).stdout)
    tx = exceptions[0]["transaction_id"]  # the 77.70 payment from an unknown payer
    proc = run(["apply", str(tx), "INV-10422=77.70", "--write-off", "INV-10422=2.30", "--reason", "bank_charges",
                "--actor", "alice"], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    apps = [a for a in json.loads(run(["applications", "--json"], cli_env, tmp_path).stdout) if a["transaction_id"] == tx]
    assert [(a["applied_amount"], a["write_off_amount"], a["write_off_reason"], a["method"]) for a in apps] == [
        ("77.70", "2.30", "bank_charges", "manual")]
    proc = run(["unapply", str(tx), "--reason", "wrong invoice"], cli_env, tmp_path)
    assert proc.returncode == 0 and "reopened INV-10422" in proc.stdout
    queue = json.loads(run(["exceptions", "--json"], cli_env, tmp_path).stdout)
    assert [(x["transaction_id"], x["reason"]) for x in queue] == [(tx, "manual_unapply")]
    proc = run(["dismiss", str(tx), "--reason", "refund to a supplier"], cli_env, tmp_path)
    assert proc.returncode == 0
    assert json.loads(run(["exceptions", "--json"], cli_env, tmp_path).stdout) == []
    statuses = [a["status"] for a in json.loads(run(["applications", "--json"], cli_env, tmp_path).stdout)]
    assert statuses.count("reversed") == 1


def test_overlong_or_nul_arguments_are_refused_with_a_message_not_a_traceback(rt, cli_env, tmp_path) -> None:
    # PostgreSQL refuses text longer than its column (or with NUL) with an error: every such
    # argument is refused first, with the limit named (exit 2, or 1 for a malformed option).
    _book(rt)
    proc = run(["ingest", str(_statement(tmp_path)), "--json"], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    apps = json.loads(run(["applications", "--json"], cli_env, tmp_path).stdout)
    tx = str(apps[0]["transaction_id"])
    for args, code, says in [
        (["unapply", tx, "--reason", "x" * 300], 2, "at most 256 characters"),
        (["unapply", tx, "--reason", "wrong", "--actor", "a" * 200], 1, "--actor has 1 to 120"),
        (["apply", tx, "INV-10422=1.00", "--write-off", "INV-10422=0.50", "--reason", "r" * 80], 2,
         "at most 64 characters"),
        (["apikey", "create", "k" * 200, "--scope", "ar:read"], 2, "a key name has 1 to 128"),
    ]:
        proc = run(args, cli_env, tmp_path)
        assert proc.returncode == code and says in proc.stderr, (args[:2], proc.returncode, proc.stderr)
        assert "Traceback" not in proc.stderr
    # nothing was changed by the refusals
    assert json.loads(run(["applications", "--json"], cli_env, tmp_path).stdout) == apps
