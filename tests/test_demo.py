"""`remit demo`, the main job: the demo month on the database every later command in the
folder uses, then the contract commands on that same database, without being told where."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from workflows.runtime import fixtures_dir

REVIEW_KINDS = ("short_pay", "no_customer", "ambiguous", "returned_payment", "over_payment", "discount_expired",
                "duplicate_payment", "unknown_reference")
# A payment: a booked credit that is not a return; auto: it has a live automatic application.
PAYMENTS = """
    SELECT coalesce(t.currency, e.currency) AS ccy, count(*),
           sum(EXISTS (SELECT 1 FROM applications a WHERE a.transaction_id = t.id
                       AND a.status = 'applied' AND a.method = 'auto')),
           sum(t.amount_minor)
    FROM bank_transactions t JOIN bank_entries e ON e.id = t.entry_id
    WHERE e.direction = 'credit' AND e.status = 'booked' AND t.return_reason IS NULL AND NOT e.reversal
      AND t.match_status != 'returned'
    GROUP BY ccy ORDER BY ccy"""


def _env() -> dict[str, str]:
    """The user's shell: no REMIT_DATABASE_URL (the embedded default applies)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("REMIT_") or k == "REMIT_FIXTURES_DIR"}


def remit(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=cwd, env=env or _env(), capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    proc = remit(["demo"], folder)
    assert proc.returncode == 0, proc.stderr
    return folder, proc.stdout


def test_the_demo_month_applies_most_cash_and_shows_each_review_kind(demo: tuple[Path, str]) -> None:
    folder, out = demo
    db = sqlite3.connect(folder / "remit.db")  # the default database of the folder
    assert db.execute("SELECT count(*) FROM invoices").fetchone()[0] >= 300
    assert {c for (c,) in db.execute("SELECT DISTINCT currency FROM invoices")} == {"EUR", "USD"}
    rows = db.execute(PAYMENTS).fetchall()
    assert [r[0] for r in rows] == ["EUR", "USD"]
    for ccy, payments, auto, _ in rows:
        assert payments >= 40 and auto / payments >= 0.85, (ccy, auto, payments)
    reasons = Counter(r for (r,) in db.execute("SELECT reason FROM review_items WHERE status = 'open'"))
    assert all(1 <= reasons[kind] <= 2 for kind in REVIEW_KINDS), reasons
    # the return undid an automatic application and reopened its invoice
    undone = db.execute("SELECT i.open_minor, i.amount_minor FROM applications a JOIN invoices i ON i.id = a.invoice_id"
                        " WHERE a.status = 'reversed'").fetchall()
    assert len(undone) == 1 and undone[0][0] == undone[0][1]
    # the intraday camt.054 and the evening camt.053 report the same bookings: stored once
    assert db.execute("SELECT count(*), count(DISTINCT bank_reference) FROM bank_entries").fetchone()[0] == \
        db.execute("SELECT count(DISTINCT bank_reference) FROM bank_entries").fetchone()[0]
    assert "duplicate (same bytes as file #" in out  # the last statement sent again: nothing doubles
    assert "fixtures/samples" not in out and "AUD" not in out  # third-party samples are not the demo


def test_the_month_ends_with_direct_debits_pending_and_their_invoices_not_dunned(demo: tuple[Path, str]) -> None:
    folder, out = demo
    db = sqlite3.connect(folder / "remit.db")
    pending = db.execute("SELECT c.scheme, c.currency, i.customer_id, i.due_date, c.amount_minor, i.open_minor"
                         " FROM collections c JOIN invoices i ON i.id = c.invoice_id WHERE c.status = 'pending'"
                         ).fetchall()
    assert {(scheme, ccy) for scheme, ccy, *_ in pending} == {("sepa", "EUR"), ("ach", "USD")}
    assert {customer for _, _, customer, *_ in pending} == {"C-2004", "C-2014", "C-5012"}
    assert all(due <= "2026-11-30" and amount == open_ for *_, due, amount, open_ in pending)
    files = sorted(p.name for p in (folder / "remit-direct-debits").iterdir())
    assert [name.rsplit(".", 1)[-1] for name in files] == ["ach", "xml"]
    line = next(x for x in out.splitlines() if x.startswith("direct debits"))
    assert f"pain.008: {sum(1 for s, *_ in pending if s == 'sepa')} debits" in line and "3 mandates" in line
    # The collected invoices get no reminder while their debits are pending.
    proc = remit(["reminders", "run", "--dry-run", "--json"], folder)
    assert proc.returncode == 0, proc.stderr
    reminded = {r["invoice_number"] for r in json.loads(proc.stdout)}
    collected = {n for (n,) in db.execute("SELECT i.number FROM collections c JOIN invoices i ON i.id = c.invoice_id")}
    assert reminded and not (reminded & collected)


def test_the_headline_is_per_currency_and_adds_up(demo: tuple[Path, str]) -> None:
    folder, out = demo
    db = sqlite3.connect(folder / "remit.db")
    lines = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
             for line in out.splitlines() if line.startswith("│")}
    assert "payments received" in lines
    for column, (ccy, payments, auto, minor) in enumerate(db.execute(PAYMENTS).fetchall()):
        returned = db.execute(
            "SELECT count(*), coalesce(sum(t.amount_minor), 0) FROM bank_transactions t JOIN bank_entries e"
            " ON e.id = t.entry_id WHERE t.match_status = 'returned' AND e.direction = 'credit'"
            " AND t.return_reason IS NULL AND NOT e.reversal"
            " AND coalesce(t.currency, e.currency) = ?", (ccy,)).fetchone()
        received = Decimal(minor + returned[1]) / 100
        assert lines["payments received"][column].split() == [str(payments + returned[0]), f"{received:,.2f}"]
        assert lines["applied automatically"][column].startswith(f"{auto} (")
        cells = {k: Decimal(v[column].split()[-1].replace(",", "")) for k, v in lines.items()
                 if k != "payments received"}
        parts = (cells["applied automatically"] + cells["applied by a person"] + cells["left on account"]
                 + cells["in review (not applied)"] + cells["returned by the bank"] + cells["not matched yet"])
        assert parts == received, ccy  # every unit of cash received is somewhere, in its own currency
    assert "remit exceptions" in out and "REMIT_DATABASE_URL=" not in out  # the default: nothing to export


def test_later_commands_use_the_demo_database(demo: tuple[Path, str]) -> None:
    folder, _ = demo
    db = sqlite3.connect(folder / "remit.db")
    plain = remit(["exceptions"], folder)
    assert plain.returncode == 0, plain.stderr
    queue = json.loads(remit(["exceptions", "--json"], folder).stdout)
    assert {x["reason"] for x in queue} == set(REVIEW_KINDS)
    assert all(x["kind"] == "receivable" and x["amount"] is not None for x in queue)
    other = json.loads(remit(["exceptions", "--kind", "other", "--json"], folder).stdout)
    assert [(x["reason"], x["currency"]) for x in other] == [("returned_payment", "EUR")]  # our payment sent back
    open_items = db.execute("SELECT count(*) FROM review_items WHERE status = 'open'").fetchone()[0]
    assert len(queue) + len(other) == open_items
    apps = json.loads(remit(["applications", "--json"], folder).stdout)
    assert len(apps) == db.execute("SELECT count(*) FROM applications").fetchone()[0]
    metrics = remit(["metrics", "--json"], folder)
    assert metrics.returncode == 0, metrics.stderr
    assert set(json.loads(metrics.stdout)["by_currency"]) == {"EUR", "USD"}
    files = remit(["files", "--json"], folder)
    assert files.returncode == 0 and len(json.loads(files.stdout)) == len(list((fixtures_dir() / "demo" / "bank").glob("*")))


def test_the_demo_never_overwrites_a_database_holding_other_data(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("invoice_number,customer_id,customer_name,currency,amount,issue_date,due_date\n"
                    "X-1,C1,Real Customer,EUR,10.00,2026-11-01,2026-12-01\n")
    assert remit(["invoices", "import", str(book)], tmp_path).returncode == 0
    proc = remit(["demo"], tmp_path)
    assert proc.returncode == 2 and "not overwritten" in proc.stderr
    assert sqlite3.connect(tmp_path / "remit.db").execute("SELECT number FROM invoices").fetchall() == [("X-1",)]
    # elsewhere it runs, and says what to export for the commands that follow
    other = remit(["demo", "--database", "demo.db"], tmp_path)
    assert other.returncode == 0, other.stderr
    assert f"export REMIT_DATABASE_URL=sqlite:///{(tmp_path / 'demo.db').resolve()}" in other.stdout


def test_the_demo_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    from benchmarks.generate_demo import write

    write(tmp_path)
    committed = fixtures_dir() / "demo"
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (committed / rel).read_bytes(), rel
def test_demo_serve_prints_a_reviewer_key_that_signs_in(tmp_path: Path) -> None:
    import re
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "cli", "demo", "--serve", "--port", str(port)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        key = None
        deadline = time.monotonic() + 120
        while key is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "remit demo --serve ended before printing a key"
            found = re.search(r"demo reviewer key: (rmt_\S+)", line)
            key = found.group(1) if found else None
        assert key is not None
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        queue = httpx.get(f"{base}/api/v1/exceptions", headers={"Authorization": f"Bearer {key}"})
        assert queue.status_code == 200 and queue.json()["items"], queue.text
        signed_in = httpx.post(f"{base}/login", data={"api_key": key})
        # The sign-in form wants its CSRF pair: without it, refused, never a 500.
        assert signed_in.status_code in (400, 403)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
