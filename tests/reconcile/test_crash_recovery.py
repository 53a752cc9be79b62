"""kill -9 at random moments of a large `remit ingest`: sending the file again ends in exactly
the applications, statuses and review items of a run that was never interrupted.

The kill may land while the file is archived or registered, while its bookings are stored,
between that commit and the matching run (payments stored but unmatched: the re-sent file is
a duplicate, and the matcher still runs), or while the run writes its decisions.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, CustomerAccount, Invoice
from tests.factories import E, camt
from tests.reconcile.invariants import signature, violations

PAYMENTS = 900
KILLS = 3


def _book_and_file(rt, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    entries = []
    with transaction(rt.engine) as s:
        invoices = []
        for c in range(PAYMENTS // 3):
            name = f"Kunde {c:03d} Handels AG"
            s.execute(insert(Customer).values(id=f"K{c:03d}", name=name))
            s.execute(insert(CustomerAccount).values(customer_id=f"K{c:03d}", account=f"DE{c:020d}", source="imported"))
            for i in range(5):
                cents = rng.randrange(2_000, 300_000)
                s.execute(insert(Invoice).values(number=f"RE-{c:03d}-{i}", customer_id=f"K{c:03d}", currency="EUR",
                                                 amount_minor=cents, open_minor=cents, issue_date=date(2026, 11, 2)))
                invoices.append((f"RE-{c:03d}-{i}", c, name, cents))
    for n in range(PAYMENTS):
        number, c, name, cents = rng.choice(invoices)
        shape = n % 5
        amount = f"{cents // 100}.{cents % 100:02d}"
        if shape == 3:  # by account and amount only
            entries.append(E(amount, ref=f"B{n}", e2e=f"E{n}", name=name, account=f"DE{c:020d}"))
        elif shape == 4:  # short by a bank charge
            short = cents - 150
            entries.append(E(f"{short // 100}.{short % 100:02d}", ref=f"B{n}", e2e=f"E{n}", name=name, text=[number]))
        else:
            entries.append(E(amount, ref=f"B{n}", e2e=f"E{n}", name=name, text=[f"Rechnung {number}"]))
    path = folder / "night.xml"
    path.write_bytes(camt("053", entries, stmt_id="NIGHT"))
    return path


def _remit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cli", *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_ingest_sent_again_ends_as_a_clean_run(fresh_runtime, tmp_path: Path) -> None:
    clean = fresh_runtime()
    statement = _book_and_file(clean, tmp_path)

    def env_of(rt) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {**os.environ, "REMIT_DATABASE_URL": rt.settings.database_url,
                "REMIT_ARCHIVE_DIR": str(rt.settings.archive_dir)}

    started = time.monotonic()
    proc = _remit(["ingest", str(statement), "--json"], env_of(clean), tmp_path)
    out, err = proc.communicate(timeout=600)
    took = time.monotonic() - started
    assert proc.returncode == 0, err
    expected = signature(clean.engine)
    assert violations(clean.engine) == []
    assert sum(1 for _, _, _, status in expected["statuses"] if status == "applied") > PAYMENTS // 2

    rng = random.Random(int(os.environ.get("REMIT_CRASH_SEED", "17")))
    for attempt in range(KILLS):
        rt = fresh_runtime()
        _book_and_file(rt, tmp_path)
        # From just after start-up to the end of a clean run: every phase gets its chance.
        delay = rng.uniform(0.3, took)
        victim = _remit(["ingest", str(statement), "--json"], env_of(rt), tmp_path)
        time.sleep(delay)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=60)
        again = _remit(["ingest", str(statement), "--json"], env_of(rt), tmp_path)
        out, err = again.communicate(timeout=600)
        assert again.returncode == 0, f"attempt {attempt} (killed after {delay:.2f}s): {err}"
        assert violations(rt.engine) == [], f"attempt {attempt} (killed after {delay:.2f}s)"
        assert signature(rt.engine) == expected, f"attempt {attempt} (killed after {delay:.2f}s)"
