"""`remit demo`, the main job, on a fresh SQLite file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def test_demo_ingests_the_sample_day_and_corpus_once(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "api", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "remit demo: bank files ingested" in proc.stdout
    assert "duplicate (same bytes as file #2, nothing applied twice)" in proc.stdout
    db = sqlite3.connect(tmp_path / "remit-demo.db")
    # The demo day: 3 bookings in the intraday camt.054, 5 in the evening camt.053, 3 of them the same.
    day = db.execute(
        "SELECT bank_reference, amount_minor, status FROM bank_entries WHERE account = 'DE44500105175407324931' ORDER BY 1"
    ).fetchall()
    assert day == [
        ("20261120-0001", 125000, "booked"), ("20261120-0002", 98000, "booked"), ("20261120-0003", 441000, "booked"),
        ("20261120-0004", 31025, "booked"), ("20261120-0005", 7240, "booked"),
    ]
    statuses = dict(db.execute("SELECT status, count(*) FROM bank_files GROUP BY status").fetchall())
    assert statuses["rejected"] == 2 and statuses["parsed"] > 50
    # running it again starts from a fresh database
    again = subprocess.run([sys.executable, "-m", "api", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert sqlite3.connect(tmp_path / "remit-demo.db").execute("SELECT count(*) FROM bank_files").fetchone() == (db.execute("SELECT count(*) FROM bank_files").fetchone())
