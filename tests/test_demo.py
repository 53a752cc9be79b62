"""`remit demo`, the main job, on a fresh SQLite file: the demo days end to end."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def test_demo_ingests_matches_and_applies_the_demo_days(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "cli", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "remit demo: bank files ingested" in proc.stdout and "cash applied" in proc.stdout
    assert "duplicate (same bytes as file #2, nothing applied twice)" in proc.stdout
    # what is not paid yet: AR metrics and the reminders a run would send today
    assert "receivables (" in proc.stdout and "DSO " in proc.stdout and "CEI " in proc.stdout
    assert "reminders due today" in proc.stdout
    db = sqlite3.connect(tmp_path / "remit-demo.db")
    # Day 1: 3 bookings in the intraday camt.054, 5 in the evening camt.053, 3 of them the same.
    day1 = db.execute(
        "SELECT bank_reference, amount_minor, status FROM bank_entries"
        " WHERE bank_reference LIKE '20261120-%' ORDER BY 1"
    ).fetchall()
    assert day1 == [
        ("20261120-0001", 125000, "booked"), ("20261120-0002", 98000, "booked"), ("20261120-0003", 441000, "booked"),
        ("20261120-0004", 31025, "booked"), ("20261120-0005", 7240, "booked"),
    ]
    apps = db.execute(
        "SELECT i.number, a.applied_minor, a.discount_minor, a.write_off_minor, a.write_off_reason, a.status"
        " FROM applications a JOIN invoices i ON i.id = a.invoice_id ORDER BY a.id"
    ).fetchall()
    by_invoice = {row[0]: row[1:] for row in apps}
    assert by_invoice["RF18539007547034"] == (441000, 9000, 0, None, "applied")  # 2/10 net 30 earned
    assert by_invoice["INV-10430"] == (31025, 0, 250, "bank_charges", "applied")  # 2.50 fee short-pay
    assert by_invoice["INV-10421"][-1] == "reversed"  # day 2: the Northwind payment came back (AC04)
    assert {by_invoice["INV-10422"][0], by_invoice["INV-10423"][0]} == {62000, 36000}  # one payment, two invoices
    assert db.execute("SELECT open_minor, status FROM invoices WHERE number = 'INV-10421'").fetchone() == (125000, "open")
    reasons = {r for (r,) in db.execute("SELECT reason FROM review_items WHERE status = 'open'")}
    assert {"returned_payment", "over_payment"} <= reasons
    # running it again starts from a fresh database with the same outcome
    again = subprocess.run([sys.executable, "-m", "cli", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert sqlite3.connect(tmp_path / "remit-demo.db").execute("SELECT count(*) FROM applications").fetchone() == (len(apps),)


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
