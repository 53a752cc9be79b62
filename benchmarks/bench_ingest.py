"""End to end: a generated camt.053 ingested (archive, register, parse, dedupe, store, commit)
on SQLite and on PostgreSQL, in a fresh process each. Target: ≤ 60 s for the 100k-entry file
(several TxDtls per batch entry, ≈300 MB).

The stored result is checked, not just timed: entries, transactions and booked credit/debit
totals in the database must equal what the generator wrote.

    python -m benchmarks.bench_ingest [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import ROOT, Row
from benchmarks.bench_parse import _peak_rss_mb, _size_label, ensure_input
from benchmarks.pg import PG_ADMIN_URL, fresh_database

TARGET_SECONDS = 60.0
PG_DB = "remit_bench"


def _child(url: str, archive: str, path: str) -> dict[str, Any]:
    import time

    from sqlalchemy import func, select

    from core.money import from_minor
    from ingest.archive import Archive
    from ingest.service import Ingestor
    from ledger.db import make_engine, transaction
    from ledger.models import BankEntry, BankTransaction

    engine = make_engine(url)
    started = time.perf_counter()
    result = Ingestor(engine, Archive(Path(archive))).ingest_path(Path(path), source="benchmark")
    seconds = time.perf_counter() - started
    with transaction(engine) as s:
        entries = s.scalar(select(func.count()).select_from(BankEntry))
        transactions = s.scalar(select(func.count()).select_from(BankTransaction))
        totals = {
            f"{direction} {currency}": str(from_minor(int(total), currency))
            for direction, currency, total in s.execute(
                select(BankEntry.direction, BankEntry.currency, func.sum(BankEntry.amount_minor))
                .group_by(BankEntry.direction, BankEntry.currency)
            )
        }
    return {
        "status": result.status, "error": result.error, "seconds": seconds, "rss": _peak_rss_mb(),
        "entries": entries, "transactions": transactions, "totals": totals,
    }


def _measure(backend: str, url: str, data: Any, workdir: Path) -> Row:
    from ledger.migrate import upgrade

    upgrade(url)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_ingest", "--child", url, str(workdir / "archive"), str(data.path)],
        cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )
    label = f"ingest camt.053 end to end: {backend}"
    if proc.returncode != 0:
        return Row(label, _size_label(data), None, "", None, f"≤ {TARGET_SECONDS:.0f} s", "FAIL", proc.stderr[-500:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    expected_totals = {k: str(Decimal(v)) for k, v in data.totals.items()}
    problems = []
    if out["status"] != "parsed":
        problems.append(f"status {out['status']}: {out['error']}")
    if (out["entries"], out["transactions"]) != (data.entries, data.transactions):
        problems.append(f"stored {out['entries']} entries / {out['transactions']} tx, generated {data.entries} / {data.transactions}")
    if {k: Decimal(v) for k, v in out["totals"].items()} != {k: Decimal(v) for k, v in expected_totals.items()}:
        problems.append(f"totals {out['totals']} != generated {expected_totals}")
    rate = out["entries"] / out["seconds"] if out["seconds"] else 0
    verdict = "PASS" if not problems and out["seconds"] <= TARGET_SECONDS else "FAIL"
    note = "; ".join(problems) or ("" if verdict == "PASS" else f"{out['seconds']:.1f} s over target")
    return Row(label, _size_label(data), out["seconds"], f"{rate:,.0f} entries/s", out["rss"],
               f"≤ {TARGET_SECONDS:.0f} s, totals exact", verdict, note)


def run(quick: bool = False) -> list[Row]:
    # DESIGN.md §7 / the issue: the 100k-entry camt.053 (≈300 MB at ~3 KB per entry).
    data = ensure_input(5) if quick else ensure_input(entries=100_000)
    rows = []
    with tempfile.TemporaryDirectory(prefix="remit-bench-") as tmp:
        work = Path(tmp)
        rows.append(_measure("SQLite", f"sqlite:///{work / 'bench.db'}", data, work / "sqlite"))
        pg = fresh_database(PG_DB)
        if pg is None:
            rows.append(Row("ingest camt.053 end to end: PostgreSQL", _size_label(data), None, "", None,
                            f"≤ {TARGET_SECONDS:.0f} s", "SKIP", f"no PostgreSQL at {PG_ADMIN_URL}"))
        else:
            rows.append(_measure("PostgreSQL", pg, data, work / "pg"))
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        from benchmarks.run import print_table

        print_table(run(quick="--quick" in sys.argv))
