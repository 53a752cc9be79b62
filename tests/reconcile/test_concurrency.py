"""Several real `remit` processes on one PostgreSQL: the invariants one process gives.

Five `remit ingest` (statements, an intraday notification repeating bookings of two of them,
a file of reversals) and three `remit match` start at once on one database, as two
`remit serve`/`worker` instances and a cron would. Afterwards: each booking is stored once,
no payment has more cash applied than it carries, no invoice more than it is owed, no applied
payment sits in review for a reason that contradicts its application, and nothing is left
unmatched.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from ledger.db import engine_for, transaction
from ledger.models import BankEntry, Customer, Invoice
from tests.factories import E, camt
from tests.reconcile.invariants import violations

pytestmark = pytest.mark.postgres

CUSTOMERS = 40
INVOICES_PER_CUSTOMER = 6


@pytest.fixture
def pg_url(pg_database: str) -> str:
    from tests.conftest import TABLES

    with engine_for(pg_database).begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    return pg_database


def _book(url: str) -> dict[str, tuple[str, int]]:
    """Invoices: number -> (customer name, amount in cents)."""
    rng = random.Random(7)
    book = {}
    with transaction(engine_for(url)) as s:
        for c in range(CUSTOMERS):
            name = f"Customer {c:02d} Trading GmbH"
            s.execute(insert(Customer).values(id=f"C{c:02d}", name=name))
            for i in range(INVOICES_PER_CUSTOMER):
                number, cents = f"INV-{c:02d}{i:02d}", rng.randrange(5_000, 500_000)
                s.execute(insert(Invoice).values(number=number, customer_id=f"C{c:02d}", currency="EUR",
                                                 amount_minor=cents, open_minor=cents, issue_date=date(2026, 11, 1)))
                book[number] = (name, cents)
    return book


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _files(book: dict[str, tuple[str, int]], folder: Path) -> tuple[list[Path], int]:
    """Bank files whose payments overlap on invoices (races on the same rows); and how many
    distinct bookings they hold."""
    rng = random.Random(11)
    numbers = sorted(book)
    statements: list[list[E]] = [[] for _ in range(4)]
    for n in range(240):
        number = rng.choice(numbers)  # several payments may name one invoice: only one may pay it
        name, cents = book[number]
        kind = n % 6
        if kind == 4:  # two invoices of one customer in one payment
            second = number[:-2] + f"{(int(number[-2:]) + 1) % INVOICES_PER_CUSTOMER:02d}"
            entry = E(_money(cents + book[second][1]), ref=f"R{n}", e2e=f"E{n}", name=name,
                      text=[f"{number} {second}"])
        elif kind == 5:  # no reference: amount and payer only
            entry = E(_money(cents), ref=f"R{n}", e2e=f"E{n}", name=name)
        else:
            entry = E(_money(cents), ref=f"R{n}", e2e=f"E{n}", name=name, text=[f"Invoice {number}"])
        statements[n % 4].append(entry)
    paths = []
    for i, entries in enumerate(statements):
        paths.append(folder / f"stmt-{i}.xml")
        paths[-1].write_bytes(camt("053", entries, stmt_id=f"S{i}"))
    # Intraday notification: bookings the evening statements 0 and 1 report again.
    repeated = statements[0][:20] + statements[1][:20]
    paths.append(folder / "intraday.xml")
    paths[-1].write_bytes(camt("054", repeated, stmt_id="N1"))
    # The bank takes back a dozen payments of statement 2 (same end-to-end ids).
    reversals = [E(e.amount, ref=f"RV-{e.ref}", e2e=e.e2e, direction="DBIT", reversal=True, date="2026-11-21")
                 for e in statements[2][:12]]
    paths.append(folder / "reversals.xml")
    paths[-1].write_bytes(camt("053", reversals, stmt_id="RV"))
    return paths, 240 + len(reversals)


def test_concurrent_ingest_and_match_keep_every_invariant(pg_url: str, tmp_path: Path) -> None:
    book = _book(pg_url)
    files, bookings = _files(book, tmp_path)
    env = {**os.environ, "REMIT_DATABASE_URL": pg_url, "REMIT_ARCHIVE_DIR": str(tmp_path / "archive")}
    remit = [sys.executable, "-m", "cli"]
    commands = [[*remit, "ingest", str(f), "--json"] for f in files]
    commands += [[*remit, "match", "--json"], [*remit, "match", "--json"],
                 [*remit, "match", "--include-review", "--json"]]
    random.Random(3).shuffle(commands)
    procs = [subprocess.Popen(c, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in commands]
    outputs = [(c, *p.communicate(timeout=300), p.returncode) for c, p in zip(commands, procs)]
    for command, out, err, code in outputs:
        assert code == 0, f"{command[3:]} exited {code}: {err[-2000:]}"
        assert "Traceback" not in err, err

    assert violations(engine_for(pg_url)) == []
    with transaction(engine_for(pg_url)) as s:
        assert s.scalar(select(func.count()).select_from(BankEntry)) == bookings
        assert s.scalar(select(func.count(func.distinct(BankEntry.bank_reference)))) == bookings
