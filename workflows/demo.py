"""`remit demo`: the main job on the embedded default (fresh SQLite, bundled sample files).

Imports the demo invoice book, ingests the demo day (an intraday camt.054 and the evening
camt.053 that repeats it) and every sample bank file in fixtures/, matching and applying
cash after each file; sends one file a second time; and prints what happened: files per
format, bookings stored once, cash applied (discounts, write-offs), the review queue.

In workflows/: it drives the pipeline end to end, each step in its own transaction.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from core.labels import label
from core.money import display_amount, from_minor
from core.settings import Settings
from ingest.service import IngestResult
from ledger.db import engine_for
from ledger.models import Application, BankEntry, BankTransaction, ReviewItem
from workflows.invoices import import_invoices
from workflows.pipeline import ingest_path
from workflows.runtime import Runtime, fixtures_dir, runtime


def _fresh(database: Path) -> Settings:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    archive = database.with_name(database.stem + "-archive")
    shutil.rmtree(archive, ignore_errors=True)
    url = f"sqlite:///{database.resolve()}"
    engine_for.cache_clear()
    return Settings(database_url=url, archive_dir=archive, inbox_dir=None)


def demo_files(root: Path) -> list[Path]:
    """The demo day first (in arrival order), then the sample corpus, format by format."""
    day = sorted((root / "demo" / "bank").glob("*"))
    samples = sorted(
        p for p in (root / "samples").rglob("*")
        if p.is_file() and not p.name.endswith((".expected.json", ".md"))
    )
    return [p for p in day + samples if p.is_file()]


def run_demo(database: Path, console: Console | None = None) -> tuple[Runtime, list[IngestResult]]:
    # Wide enough for the tables when piped (rich assumes 80 columns without a terminal).
    console = console or Console(width=max(120, Console().width))
    rt = runtime(_fresh(database), migrate=True)
    root = fixtures_dir()
    files = demo_files(root)
    if not files:
        raise SystemExit(f"no demo files under {root}")
    book = _import_invoices(rt, root / "demo" / "invoices.csv")
    results = [ingest_path(rt, p, source="demo", actor="demo") for p in files]
    # The bank sends the evening statement again (a retried SFTP drop): nothing doubles.
    results.append(ingest_path(rt, files[1] if len(files) > 1 else files[0], source="demo", actor="demo"))
    _summary(console, rt, results, database)
    _cash_summary(console, rt, book)
    _collections_summary(console, rt)
    return rt, results


def _import_invoices(rt: Runtime, path: Path) -> str:
    from reconcile.invoice_rows import parse_book

    book = parse_book(path.read_bytes(), path.name)
    result = import_invoices(rt, book, file=path.name, actor="demo")
    return f"{path.name}: {result.created} invoices imported, {len(result.errors)} rejected rows"


def _cash_summary(console: Console, rt: Runtime, book: str) -> None:
    with rt.unit_of_work() as session:
        apps = session.execute(
            select(Application.method, Application.currency, func.count(), func.sum(Application.applied_minor),
                   func.sum(Application.discount_minor), func.sum(Application.write_off_minor))
            .where(Application.status == "applied")
            .group_by(Application.method, Application.currency).order_by(Application.method, Application.currency)
        ).all()
        statuses = dict(session.execute(
            select(BankTransaction.match_status, func.count()).group_by(BankTransaction.match_status)
        ).all())
        queue = session.execute(
            select(ReviewItem.reason, func.count()).where(ReviewItem.status == "open")
            .group_by(ReviewItem.reason).order_by(func.count().desc(), ReviewItem.reason)
        ).all()
        open_items = session.execute(
            select(ReviewItem, BankTransaction).join(BankTransaction, BankTransaction.id == ReviewItem.transaction_id)
            .where(ReviewItem.status == "open").order_by(ReviewItem.id)
        ).all()
        sample = [(item, tx) for item, tx in open_items if item.candidates][:3]
    console.print(f"invoice book: {book}")
    table = Table(title="cash applied")
    for col in ("method", "currency", "applications", "applied", "discounts taken", "written off"):
        table.add_column(col, justify="left" if col in ("method", "currency") else "right")
    for method, currency, count, applied, discount, write_off in apps:
        table.add_row(method, currency, str(count), *(display_amount(from_minor(int(v or 0), currency), currency, show_currency=False)
                        for v in (applied, discount, write_off)))
    console.print(table)
    console.print("bank transactions by outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    console.print("review queue: " + (", ".join(f"{reason} {n}" for reason, n in queue) or "empty"))
    for item, tx in sample:
        best = item.candidates[0]
        console.print(
            f"  #{tx.id} {display_amount(from_minor(tx.amount_minor or 0, tx.currency), tx.currency)} from "
            f"{tx.counterparty_name or 'unknown payer'}: {label('review_reason', item.reason)}; suggested "
            f"{', '.join(best['invoice_numbers'])} (score {best['score']}: {'; '.join(best['reasons'][:2])})"
        )


def _collections_summary(console: Console, rt: Runtime) -> None:
    """What is not paid: AR metrics of the main currency, and the reminders due today (a dry
    run: the demo sends nothing)."""
    from collections import Counter

    from receivables import ar_history, reminders

    today = ar_history.today()
    with rt.unit_of_work() as session:
        m = ar_history.metrics_report(session, as_of=today)
        due = Counter(d.step.name for d in reminders.decide(session, today))
    aging = ", ".join(f"{bucket} {amount}" for bucket, amount in m["aging"].items())
    console.print(
        f"receivables ({m['currency']}, as of {m['as_of']}, {m['period_days']} days): AR {m['ar_total']}, "
        f"DSO {m['dso']}, best possible {m['best_possible_dso']}, CEI {m['cei']}; aging {aging}"
    )
    console.print("reminders due today (`remit reminders run --dry-run --json`): "
                  + (", ".join(f"{step} {n}" for step, n in sorted(due.items())) or "none"))


def _summary(console: Console, rt: Runtime, results: list[IngestResult], database: Path) -> None:
    per_format: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        fmt = r.format or "unrecognised"
        per_format[fmt][r.status] += 1
        per_format[fmt]["entries_new"] += r.entries_new
        per_format[fmt]["entries_duplicate"] += r.entries_duplicate
        per_format[fmt]["transactions"] += r.transactions
        per_format[fmt]["warnings"] += len(r.warnings)

    table = Table(title="remit demo: bank files ingested")
    for col in ("format", "parsed", "duplicate", "rejected", "new bookings", "already known", "transactions", "warnings"):
        table.add_column(col, justify="left" if col == "format" else "right")
    for fmt in sorted(per_format):
        c = per_format[fmt]
        table.add_row(
            fmt, str(c["parsed"]), str(c["duplicate"]), str(c["rejected"]), str(c["entries_new"]),
            str(c["entries_duplicate"]), str(c["transactions"]), str(c["warnings"]),
        )
    console.print(table)

    with rt.unit_of_work() as session:
        credits = session.execute(
            select(BankEntry.currency, func.count(), func.sum(BankEntry.amount_minor))
            .where(BankEntry.direction == "credit", BankEntry.status == "booked")
            .group_by(BankEntry.currency).order_by(BankEntry.currency)
        ).all()
        returns = session.scalar(select(func.count()).where(BankTransaction.return_reason.is_not(None))) or 0
        nocs = session.scalar(select(func.count()).where(BankTransaction.change_code.is_not(None))) or 0
        pending = session.scalar(select(func.count()).where(BankEntry.status != "booked")) or 0

    cash = Table(title="booked credits (cash received), stored once")
    for col in ("currency", "bookings", "amount"):
        cash.add_column(col, justify="right")
    for currency, count, total in credits:
        amount: Decimal = from_minor(int(total or 0), currency)
        cash.add_row(currency, str(count), display_amount(amount, currency, show_currency=False))
    console.print(cash)
    console.print(f"returns (ACH addenda 99 / camt RtrInf / BAI2 returned items): {returns}")
    console.print(f"notifications of change (ACH addenda 98): {nocs}")
    console.print(f"pending or information-only bookings (not cash yet): {pending}")
    for r in results:
        if r.status == "rejected":
            console.print(f"[yellow]rejected[/yellow] {r.error}")
    again = results[-1]
    console.print(
        f"re-sent {again.file}: {again.status}"
        + (f" (same bytes as file #{again.duplicate_of}, nothing applied twice)" if again.duplicate_of else "")
    )
    console.print(f"database: {database} (REMIT_DATABASE_URL=sqlite:///{database.resolve()})")
    if os.environ.get("REMIT_DEMO_QUIET") is None:
        console.print("next: `remit demo --serve` to browse it, `remit files` to list the registry")
