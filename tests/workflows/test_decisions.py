"""`remit match --dry-run` (DESIGN.md §6): the decisions a run would make, read in a
transaction that is rolled back (workflows.pipeline.decisions): nothing changes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, Invoice
from tests.factories import E, camt
from workflows.pipeline import decisions, match_settled

TODAY = date(2026, 11, 24)


def _book_and_payments(rt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Northwind Traders GmbH"))
        s.execute(insert(Invoice).values(number="INV-10421", customer_id="C1", currency="EUR",
                                         amount_minor=125000, open_minor=125000,
                                         issue_date=date(2026, 11, 1)))
    path = tmp_path / "stmt.xml"
    path.write_bytes(camt("053", [
        E("1250.00", ref="B1", name="Northwind Traders GmbH", text=["Invoice INV-10421"]),
        E("77.70", ref="B2", name="Somebody Unknown", text=["thanks"]),
    ]))
    # Stored, not matched: the file goes through the ingestor alone.
    assert rt.ingestor(actor="test").ingest_path(path, source="test").status == "parsed"


def _state(rt) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        applications = s.scalar(select(func.count()).select_from(Application)) or 0
        statuses = list(s.scalars(
            select(BankTransaction.match_status).order_by(BankTransaction.id)))
    return applications, statuses


def test_the_decisions_change_nothing_and_are_what_the_run_does(rt, tmp_path) -> None:
    _book_and_payments(rt, tmp_path)
    before = _state(rt)
    assert before == (0, ["unmatched", "unmatched"])

    out = decisions(rt, today=TODAY)
    assert [(d["action"], d["invoice_numbers"]) for d in out] == [
        ("apply", ["INV-10421"]), ("review", [])]
    assert _state(rt) == before
    assert decisions(rt, today=TODAY) == out  # read again: the same, nothing was taken

    summary = match_settled(rt, actor="test", today=TODAY)
    assert (summary.applied, summary.review) == (1, 1)
    assert _state(rt) == (1, ["applied", "review"])


def test_remit_match_dry_run_prints_the_decisions(rt, cli_env, tmp_path) -> None:
    _book_and_payments(rt, tmp_path)
    expected = decisions(rt, today=TODAY)

    def remit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", "match", "--dry-run", "--as-of",
                               TODAY.isoformat(), *args], env=cli_env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    proc = remit("--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expected
    proc = remit()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    first = f"#{expected[0]['transaction_id']:<6} apply   INV-10421"
    assert len(lines) == 2 and lines[0].startswith(first)
    assert _state(rt) == (0, ["unmatched", "unmatched"])
