"""The database path end to end (issue 10): `remit invoices import` of the book, then
`remit ingest --json` of a camt.053 that pays it (parse, store, match, apply, commit), as a
treasury team runs them — real subprocesses, fresh databases — on SQLite and PostgreSQL.

For M payments (full: 1k, 2k, 5k, 10k, 20k, 50k, 100k; quick: 1k, 2k, 4k) the book holds
~5×M open invoices and the day is the labelled accuracy mix plus returns
(`generate_pipeline.py`). One table, one line per backend and size: invoices in the book,
import seconds, ingest seconds, payments/s, the growth exponent of the ingest time between
consecutive sizes (log(t2/t1) / log(M2/M1): 1.0 is linear, 2.0 quadratic) and the share of
the M payments applied without a person (from the database), beside the share the labels say
a correct engine may apply — so speed is never bought by skipping work. Then
`remit invoices import` alone of a 100k and a 500k book (quick: 10k), first import and an
unchanged re-import.

Goals (PostgreSQL, 2 cores): 20k payments against 100k invoices ingested in ≤ 30 s; 100k
against 500k in ≤ 60 s; 100k invoices imported in ≤ 15 s (the 500k import near-linear).
A command over the time cap (REMIT_BENCH_PIPELINE_CAP, default 300 s) is killed and that
backend's larger sizes are skipped with a note, so a full run stays bounded.

    python -m benchmarks.bench_pipeline [--quick]
    REMIT_BENCH_PIPELINE_SIZES=1000,5000 REMIT_BENCH_PIPELINE_IMPORT_SIZES=100000 \\
        python -m benchmarks.run --only pipeline

PostgreSQL: REMIT_BENCH_POSTGRES_URL (default the local `test` server); the database
`remit_bench_pipeline` is created afresh for every size and dropped at the end.
REMIT_BENCH_PIPELINE_BACKENDS=sqlite or =postgresql runs one backend only.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from benchmarks import ROOT, Row
from benchmarks.pg import PG_ADMIN_URL, drop_database, fresh_database

FULL_SIZES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
QUICK_SIZES = (1_000, 2_000, 4_000)
FULL_IMPORT_SIZES = (100_000, 500_000)
QUICK_IMPORT_SIZES = (10_000,)
PG_DB = "remit_bench_pipeline"
BACKENDS = ("SQLite", "PostgreSQL")
# Goals, PostgreSQL on 2 cores: ingest seconds at (payments) and import seconds at (invoices).
INGEST_GOALS = {20_000: 30.0, 100_000: 60.0}
IMPORT_GOAL = (100_000, 15.0)
LINEAR_GROWTH = 1.2  # the largest import's growth exponent over the one before: near-linear


def _env_sizes(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    text = os.environ.get(name)
    if not text:
        return default
    return tuple(n for n in (int(x) for x in text.split(",") if x.strip()) if n > 0)  # "0": none


def _cap() -> float:
    return float(os.environ.get("REMIT_BENCH_PIPELINE_CAP", "300"))


# --- running `remit` ------------------------------------------------------------------------


class DbCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving one database, read from /proc every
    0.2 s while a command runs (a local server only; a backend's last 0.2 s may be missed).
    On a shared machine wall time says little: remit's CPU plus this is the work done."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database, self.done, self.ticks = database, threading.Event(), {}  # type: ignore[var-annotated]

    def run(self) -> None:
        import psycopg

        with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            while not self.done.wait(0.2):
                for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)):
                    with contextlib.suppress(OSError, ValueError, IndexError):
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                        self.ticks[pid] = max(self.ticks.get(pid, 0), int(fields[11]) + int(fields[12]))

    def seconds(self) -> float | None:
        self.done.set()
        self.join()
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK") if self.ticks else None


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system of the remit process
    db_cpu: float | None  # of the PostgreSQL backends serving it (None: SQLite, or not measurable)
    rss_mb: float
    code: int | None  # None: killed at the time cap
    out: str
    err: str

    def cpu_text(self) -> str:
        """remit's CPU seconds, plus the database backends' when measured: "8.1+2.0"."""
        return f"{self.cpu:.1f}" + ("" if self.db_cpu is None else f"+{self.db_cpu:.1f}")

    def json(self) -> dict[str, Any]:
        """The command's --json output: one object (maybe indented), or one per line."""
        try:
            return json.loads(self.out)
        except ValueError:
            lines = [line for line in self.out.splitlines() if line.startswith("{")]
            return json.loads(lines[-1]) if lines else {}


# Runs the command and reports its own peak RSS and CPU. A child forked straight from this
# process would count this process's memory (the generated inputs) as its own peak: Linux
# carries the RSS high-water mark of a process across fork and exec.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def remit(args: list[str], url: str, work: Path, cap: float) -> Run:
    """`remit ARGS` in a fresh process against `url`; killed after `cap` seconds."""
    env = {**os.environ, "REMIT_DATABASE_URL": url, "REMIT_ARCHIVE_DIR": str(work / "archive"),
           "PYTHONPATH": str(ROOT)}
    env.pop("REMIT_ENVIRONMENT", None)
    db_cpu = DbCpu(PG_DB) if url.startswith("postgres") else None
    if db_cpu is not None:
        db_cpu.start()
    usage_file = work / "usage.txt"
    usage_file.unlink(missing_ok=True)
    with open(work / "out.txt", "w+") as out, open(work / "err.txt", "w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(usage_file), sys.executable, "-m", "cli", *args],
                                cwd=work, env=env, stdout=out, stderr=err, start_new_session=True)
        # At the cap: the launcher's process group (the launcher and remit), nothing else.
        timer = threading.Timer(cap, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        code = proc.wait()
        seconds = time.perf_counter() - started
        timer.cancel()
        out.seek(0)
        err.seek(0)
        rss_kb, cpu = (float(x) for x in usage_file.read_text().split()) if usage_file.exists() else (0.0, 0.0)
        return Run(seconds, cpu, None if db_cpu is None else db_cpu.seconds(), rss_kb / 1024,
                   None if code < 0 else code, out.read(), err.read()[-800:])


class Database:
    """A fresh, migrated database of one backend (SQLite file or PostgreSQL database)."""

    def __init__(self, backend: str, work: Path) -> None:
        self.backend = backend
        if backend == "SQLite":
            self.url: str | None = f"sqlite:///{work / 'remit.db'}"
        else:
            self.url = fresh_database(PG_DB)
        if self.url is not None:
            from ledger.migrate import upgrade

            upgrade(self.url)  # migration is not what is timed

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func, select

        from ledger.db import make_engine, transaction
        from ledger.models import BankTransaction, Invoice

        assert self.url is not None
        engine = make_engine(self.url)
        try:
            with transaction(engine) as s:
                status = dict(s.execute(select(BankTransaction.match_status, func.count())
                                        .group_by(BankTransaction.match_status)).all())
                invoices = s.scalar(select(func.count()).select_from(Invoice)) or 0
        finally:
            engine.dispose()
        return {"invoices": invoices, "transactions": sum(status.values()), **status}


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Line:
    """One line of the pipeline table."""

    backend: str
    payments: int
    invoices: int = 0
    import_s: float | None = None
    import_cpu: str = ""
    ingest_s: float | None = None
    ingest_cpu: str = ""
    applied: int | None = None
    matchable: int = 0
    rss_mb: tuple[float, float] | None = None  # peak RSS of the import and of the ingest
    growth: float | None = None
    problems: list[str] = field(default_factory=list)
    stop: str = ""  # why this backend's larger sizes were not run


def _pipeline(backend: str, m: int, cap: float) -> Line:
    from benchmarks.generate_pipeline import pipeline_inputs

    data = pipeline_inputs(m)
    line = Line(backend, m, data.invoices, matchable=data.matchable)
    with tempfile.TemporaryDirectory(prefix="remit-pipeline-") as tmp:
        work = Path(tmp)
        db = Database(backend, work)
        if db.url is None:
            line.stop = f"no PostgreSQL at {PG_ADMIN_URL}"
            return line
        imported = remit(["invoices", "import", "--json", str(data.book)], db.url, work, cap)
        if imported.code is None:
            line.stop = f"invoices import over the {cap:.0f} s cap"
            return line
        line.import_s, line.import_cpu = imported.seconds, imported.cpu_text()
        summary = imported.json()
        if imported.code != 0 or summary.get("created") != data.invoices:
            line.problems.append(f"import exit {imported.code}, created {summary.get('created')} of "
                                 f"{data.invoices}: {imported.err.strip()[-300:]}")
            return line
        ingested = remit(["ingest", "--json", str(data.statement)], db.url, work, cap)
        if ingested.code is None:
            line.stop = f"ingest over the {cap:.0f} s cap"
            return line
        line.ingest_s, line.ingest_cpu = ingested.seconds, ingested.cpu_text()
        line.rss_mb = (imported.rss_mb, ingested.rss_mb)
        result = ingested.json()
        counts = db.counts()
        line.applied = counts.get("applied", 0)
        expected = data.payments + data.returns
        if ingested.code != 0 or result.get("status") != "parsed":
            line.problems.append(f"ingest exit {ingested.code}, status {result.get('status')}: "
                                 f"{result.get('error') or ingested.err.strip()[-300:]}")
        if counts["transactions"] != expected:
            line.problems.append(f"{counts['transactions']} transactions stored, {expected} in the file")
        if result.get("applied") not in (None, line.applied):
            line.problems.append(f"ingest says {result.get('applied')} applied, the database {line.applied}")
        if counts.get("unmatched"):
            line.problems.append(f"{counts['unmatched']} payments left unmatched after the run")
    return line


def _goal(line: Line) -> tuple[str, str]:
    """(target text, verdict) of a pipeline line."""
    goal = INGEST_GOALS.get(line.payments) if line.backend == "PostgreSQL" else None
    if line.problems or (line.stop and goal is not None):
        return (f"ingest ≤ {goal:.0f} s" if goal else "—"), "FAIL"
    if goal is None or line.ingest_s is None:
        return "—", "INFO"
    return f"ingest ≤ {goal:.0f} s", "PASS" if line.ingest_s <= goal else "FAIL"


def _growth(lines: list[Line]) -> None:
    for a, b in pairwise(lines):
        if a.ingest_s and b.ingest_s and b.payments != a.payments:
            b.growth = math.log(b.ingest_s / a.ingest_s) / math.log(b.payments / a.payments)


@dataclass
class ImportLine:
    backend: str
    invoices: int
    first_s: float | None = None
    first_cpu: str = ""
    again_s: float | None = None  # the same book re-imported: every row unchanged
    rss_mb: float | None = None
    growth: float | None = None
    problems: list[str] = field(default_factory=list)
    stop: str = ""


def _import_alone(backend: str, n: int, cap: float) -> ImportLine:
    from benchmarks.generate_pipeline import book_only

    book = book_only(n)
    line = ImportLine(backend, n)
    with tempfile.TemporaryDirectory(prefix="remit-import-") as tmp:
        work = Path(tmp)
        db = Database(backend, work)
        if db.url is None:
            line.stop = f"no PostgreSQL at {PG_ADMIN_URL}"
            return line
        first = remit(["invoices", "import", "--json", str(book)], db.url, work, cap)
        if first.code is None:
            line.stop = f"invoices import over the {cap:.0f} s cap"
            return line
        line.first_s, line.first_cpu, line.rss_mb = first.seconds, first.cpu_text(), first.rss_mb
        if first.code != 0 or first.json().get("created") != n:
            line.problems.append(f"exit {first.code}, created {first.json().get('created')}: {first.err[-300:]}")
            return line
        again = remit(["invoices", "import", "--json", str(book)], db.url, work, cap)
        line.again_s = again.seconds
        if again.code != 0 or again.json().get("unchanged") != n:
            line.problems.append(f"re-import exit {again.code}, unchanged {again.json().get('unchanged')}")
        if db.counts()["invoices"] != n:
            line.problems.append("the database does not hold every invoice")
    return line


# --- the table ------------------------------------------------------------------------------


def _s(seconds: float | None, cpu: str = "") -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.1f}" + (f" ({cpu})" if cpu else "")


def print_pipeline_table(lines: list[Line], imports: list[ImportLine]) -> None:
    from rich.console import Console
    from rich.table import Table

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    table = Table(title="pipeline: remit invoices import, then remit ingest — seconds wall (CPU seconds of "
                        f"remit + of its PostgreSQL backends); load average now {load}")
    for column in ("backend", "M payments", "invoices", "import s", "ingest s", "payments/s", "growth",
                   "auto-applied", "labelled matchable", "peak RSS", "goal", "verdict"):
        table.add_column(column, justify="left" if column in ("backend", "goal") else "right")
    for line in lines:
        target, verdict = _goal(line)
        rate = f"{line.payments / line.ingest_s:,.0f}" if line.ingest_s and line.applied is not None else "—"
        table.add_row(
            line.backend, f"{line.payments:,}", f"{line.invoices:,}" if line.invoices else "—",
            _s(line.import_s, line.import_cpu),
            _s(line.ingest_s, line.ingest_cpu), rate,
            "—" if line.growth is None else f"{line.growth:.2f}",
            "—" if line.applied is None else f"{line.applied / line.payments:.1%}",
            f"{line.matchable / line.payments:.1%}" if line.matchable else "—",
            "—" if line.rss_mb is None else f"{line.rss_mb[0]:.0f} / {line.rss_mb[1]:.0f} MB", target, verdict)
    for imp in imports:
        target = f"≤ {IMPORT_GOAL[1]:.0f} s" if (imp.backend, imp.invoices) == ("PostgreSQL", IMPORT_GOAL[0]) else "—"
        table.add_row(
            imp.backend, "import alone", f"{imp.invoices:,}", _s(imp.first_s, imp.first_cpu),
            "—" if imp.again_s is None else f"re-import {_s(imp.again_s)}", f"{imp.invoices / imp.first_s:,.0f} inv/s" if imp.first_s else "—",
            "—" if imp.growth is None else f"{imp.growth:.2f}", "—", "—",
            "—" if imp.rss_mb is None else f"{imp.rss_mb:.0f} MB", target, _import_verdict(imp)[1])
    console = Console(width=max(170, Console().width))
    console.print(table)
    for line in lines:
        for note in ([line.stop] if line.stop else []) + line.problems:
            console.print(f"  {line.backend} {line.payments:,} payments: {note}")
    for imp in imports:
        for note in ([imp.stop] if imp.stop else []) + imp.problems:
            console.print(f"  {imp.backend} import of {imp.invoices:,}: {note}")


def _import_verdict(imp: ImportLine) -> tuple[str, str]:
    if imp.problems or (imp.stop and imp.backend == "PostgreSQL"):
        return "—", "FAIL"
    if imp.first_s is None:
        return "—", "SKIP"
    if (imp.backend, imp.invoices) == ("PostgreSQL", IMPORT_GOAL[0]):
        return f"≤ {IMPORT_GOAL[1]:.0f} s", "PASS" if imp.first_s <= IMPORT_GOAL[1] else "FAIL"
    if imp.backend == "PostgreSQL" and imp.growth is not None:
        return f"growth ≤ {LINEAR_GROWTH}", "PASS" if imp.growth <= LINEAR_GROWTH else "FAIL"
    return "—", "INFO"


# --- entry points ---------------------------------------------------------------------------


def measure(quick: bool) -> tuple[list[Line], list[ImportLine]]:
    sizes = _env_sizes("REMIT_BENCH_PIPELINE_SIZES", QUICK_SIZES if quick else FULL_SIZES)
    import_sizes = _env_sizes("REMIT_BENCH_PIPELINE_IMPORT_SIZES", QUICK_IMPORT_SIZES if quick else FULL_IMPORT_SIZES)
    chosen = os.environ.get("REMIT_BENCH_PIPELINE_BACKENDS", "sqlite,postgresql").lower().split(",")
    backends = [b for b in BACKENDS if b.lower() in chosen]
    cap = _cap()
    lines: list[Line] = []
    imports: list[ImportLine] = []
    try:
        for backend in backends:
            done: list[Line] = []
            stopped = ""
            for m in sizes:
                if stopped:
                    done.append(Line(backend, m, stop=f"not run: {stopped} at a smaller size"))
                    continue
                done.append(_pipeline(backend, m, cap))
                stopped = done[-1].stop
                print(f"pipeline {backend} {m}: import {_s(done[-1].import_s)} s, ingest {_s(done[-1].ingest_s)} s"
                      f"{' — ' + stopped if stopped else ''}", file=sys.stderr, flush=True)
            _growth(done)
            lines.extend(done)
            made: list[ImportLine] = []
            stopped = ""
            for n in import_sizes:
                if stopped:
                    made.append(ImportLine(backend, n, stop=f"not run: {stopped} at a smaller size"))
                    continue
                made.append(_import_alone(backend, n, cap))
                stopped = made[-1].stop
                print(f"import {backend} {n}: {_s(made[-1].first_s)} s", file=sys.stderr, flush=True)
            for a, b in pairwise(made):
                if a.first_s and b.first_s:
                    b.growth = math.log(b.first_s / a.first_s) / math.log(b.invoices / a.invoices)
            imports.extend(made)
    finally:
        if "PostgreSQL" in backends:
            with contextlib.suppress(Exception):  # no server: nothing to drop
                drop_database(PG_DB)
    return lines, imports


def rows_of(lines: list[Line], imports: list[ImportLine]) -> list[Row]:
    rows = []
    for line in lines:
        target, verdict = _goal(line)
        if line.stop and not line.problems and verdict != "FAIL":
            verdict = "SKIP"
        metric = (f"import {_s(line.import_s)} s · ingest {_s(line.ingest_s)} s"
                  + (f" · {line.payments / line.ingest_s:,.0f} pay/s" if line.ingest_s and line.applied is not None else "")
                  + ("" if line.growth is None else f" · growth {line.growth:.2f}")
                  + ("" if line.applied is None else f" · applied {line.applied / line.payments:.1%}"
                     f" (labelled {line.matchable / line.payments:.1%})"))
        rows.append(Row(f"pipeline: {line.backend}", f"{line.payments:,} pay / {line.invoices:,} inv" if line.invoices else f"{line.payments:,} pay",
                        line.ingest_s, metric, line.rss_mb[1] if line.rss_mb else None, target, verdict, "; ".join(filter(None, [line.stop, *line.problems]))))
    for imp in imports:
        target, verdict = _import_verdict(imp)
        metric = (f"{imp.invoices / imp.first_s:,.0f} inv/s · re-import {_s(imp.again_s)} s" if imp.first_s else "—") + (
            "" if imp.growth is None else f" · growth {imp.growth:.2f}")
        rows.append(Row(f"invoices import: {imp.backend}", f"{imp.invoices:,} invoices", imp.first_s, metric,
                        imp.rss_mb, target, verdict, "; ".join(filter(None, [imp.stop, *imp.problems]))))
    return rows


def run(quick: bool = False) -> list[Row]:
    lines, imports = measure(quick)
    print_pipeline_table(lines, imports)
    return rows_of(lines, imports)


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
