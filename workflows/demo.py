"""`remit demo`: the main job on the embedded default (a fresh SQLite file, the demo month).

Imports the demo invoice book (fixtures/demo/invoices.csv: EUR and USD customers) and ingests
the demo month's bank files in arrival order (fixtures/demo/bank, written by
benchmarks/generate_demo.py: EUR camt.053/054, USD BAI2, NACHA and lockbox), matching and
applying cash after each file; sends one file a second time; at the month's end imports three
customers' direct-debit mandates (fixtures/demo/mandates.csv) and collects what they owe
(`remit collect`: a pain.008 and a NACHA file, pending until the bank answers); and prints
what happened: files per format, then the headline per currency (received, applied on its
own, on account, in review, returned — never adding EUR and USD), the AR review queue by
reason, what is not receivables work, the direct debits sent, collections per currency, and
the commands to look further.

The database is the one every later `remit` command in the folder uses: the SQLite file of
REMIT_DATABASE_URL's default (`remit.db` in the working directory), unless `--database` names
another (then the demo prints the REMIT_DATABASE_URL to use). A database that holds anything
but a previous demo is never overwritten.

In workflows/: it drives the pipeline end to end, each step in its own transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.errors import Conflict
from core.labels import label
from core.money import display_amount, from_minor
from core.settings import Settings
from ingest.service import IngestResult
from ledger.db import engine_for
from ledger.models import BankEntry, BankTransaction, ReviewItem
from reconcile import queue_kinds
from reconcile.headline import headline
from workflows.direct_debit import collect, import_mandates
from workflows.invoices import import_invoices
from workflows.pipeline import ingest_path
from workflows.runtime import Runtime, fixtures_dir, runtime

FALLBACK = Path("remit-demo.db")  # when REMIT_DATABASE_URL is not a SQLite file
MONTH_END = date(2026, 11, 30)  # the demo month's last day: its direct debits are collected then
# The demo company as a direct-debit originator (the SEPA test creditor identifier).
ORIGINATOR = {
    "sepa_creditor_id": "DE98ZZZ09999999999", "sepa_creditor_name": "Remit Demo GmbH",
    "sepa_creditor_iban": "DE02120300000000202051", "sepa_creditor_bic": "BYLADEM1001",
    "ach_origin": "1121042882", "ach_company_id": "1121042882", "ach_company_name": "REMIT DEMO INC",
    "ach_odfi": "121042882",
}


@dataclass(frozen=True)
class DemoTarget:
    """Where the demo writes, and whether later commands find it without being told."""

    database: Path
    url: str
    is_default: bool  # the database `remit` commands in this folder use already


def demo_target(database: Path | None, settings: Settings) -> DemoTarget:
    """The SQLite file of the configured database (default `remit.db` in the working
    directory), or `database` when given, or remit-demo.db when the configured database is
    not a SQLite file (a PostgreSQL server is never the demo's)."""
    configured = _sqlite_path(settings.database_url)
    path = database or configured or FALLBACK
    url = f"sqlite:///{path.resolve()}"
    return DemoTarget(path, url, configured is not None and configured.resolve() == path.resolve())


def _sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unreadable URL is not a SQLite file either
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def refuse_foreign(database: Path) -> None:
    """The demo starts afresh: it deletes the file. Only a file a previous demo wrote (every
    bank file in it came from the demo, or it holds nothing at all) may go."""
    if not database.exists() or database.stat().st_size == 0:
        return
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "bank_files" not in tables:
                return
            foreign = db.execute("SELECT count(*) FROM bank_files WHERE source != 'demo'").fetchone()[0]
            demo = db.execute("SELECT count(*) FROM bank_files WHERE source = 'demo'").fetchone()[0]
            book = db.execute("SELECT count(*) FROM invoices").fetchone()[0] if "invoices" in tables else 0
    except sqlite3.DatabaseError as error:
        raise Conflict(f"{database} is not a remit database ({error}): not overwritten") from error
    if foreign or (not demo and book):
        raise Conflict(f"{database} holds data that is not the demo's ({foreign} bank files, {book} invoices): "
                       "not overwritten; run the demo elsewhere or with --database demo.db")


def _fresh(database: Path) -> Settings:
    refuse_foreign(database)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    archive = database.with_name(database.stem + "-archive")
    shutil.rmtree(archive, ignore_errors=True)
    shutil.rmtree(_debits_dir(database), ignore_errors=True)
    engine_for.cache_clear()
    return Settings(database_url=f"sqlite:///{database.resolve()}", archive_dir=archive, inbox_dir=None,
                    **ORIGINATOR)


def _debits_dir(database: Path) -> Path:
    return database.with_name(database.stem + "-direct-debits")


def demo_files(root: Path) -> list[Path]:
    """The demo month's bank files in arrival order (their names sort so). The public sample
    files under fixtures/samples are conformance material (tests/parsers), not the demo's
    story: third-party test payers would only fill the review queue."""
    return sorted(p for p in (root / "demo" / "bank").glob("*") if p.is_file())


def run_demo(database: Path | None = None, console: Console | None = None,
             settings: Settings | None = None) -> tuple[Runtime, list[IngestResult]]:
    # Wide enough for the tables when piped (rich assumes 80 columns without a terminal).
    console = console or Console(width=max(120, Console().width))
    target = demo_target(database, settings or Settings())
    rt = runtime(_fresh(target.database), migrate=True)
    root = fixtures_dir()
    files = demo_files(root)
    if not files:
        raise SystemExit(f"no demo files under {root}")
    book = _import_invoices(rt, root / "demo" / "invoices.csv")
    results = [ingest_path(rt, p, source="demo", actor="demo") for p in files]
    # The bank sends the last evening statement again (a retried SFTP drop): nothing doubles.
    again = next((p for p in reversed(files) if p.name.endswith(".camt053.xml")), files[-1])
    results.append(ingest_path(rt, again, source="demo", actor="demo"))
    console.print(f"invoice book: {book}")
    _files_summary(console, rt, results)
    with rt.unit_of_work() as session:
        heads = headline(session)
    _headline(console, heads)
    _cash_summary(console, rt)
    _direct_debits(console, rt, root / "demo" / "mandates.csv", _debits_dir(target.database))
    _collections_summary(console, rt)
    _next_steps(console, target)
    return rt, results


def _import_invoices(rt: Runtime, path: Path) -> str:
    from reconcile.invoice_rows import parse_book

    book = parse_book(path.read_bytes(), path.name)
    result = import_invoices(rt, book, file=path.name, actor="demo")
    return f"{path.name}: {result.created} invoices imported, {len(result.errors)} rejected rows"


def _money(h: dict[str, Any], amount: str | None) -> str:
    """An amount of the currency's column: separators and decimals as everywhere else."""
    return display_amount(amount, h["currency"], show_currency=False)


def _count(h: dict[str, Any], key: str, n: str = "payments") -> str:
    return f"{h[key][n]}  {_money(h, h[key]['amount'])}"


HEADLINE_ROWS = (
    ("payments received", lambda h: _count(h, "received")),
    ("applied automatically", lambda h: f"{h['applied_auto']['payments']} ({h['auto_rate'] or '-'} %)  "
                                        f"{_money(h, h['applied_auto']['amount'])}"),
    ("applied by a person", lambda h: _count(h, "applied_manual")),
    ("discounts taken", lambda h: _money(h, h["discounts"])),
    ("bank charges written off", lambda h: _money(h, h["written_off"])),
    ("left on account", lambda h: _money(h, h["on_account"])),
    ("in review (not applied)", lambda h: _count(h, "in_review")),
    ("returned by the bank", lambda h: _count(h, "returned")),
    ("not matched yet", lambda h: _count(h, "unmatched")),
    ("not receivables (outgoing, sent back)", lambda h: _count(h, "not_receivable", "bookings")),
)


def _headline(console: Console, heads: list[dict[str, Any]]) -> None:
    """Per currency, side by side: amounts of two currencies are never added up."""
    table = Table(title="cash received and applied, per currency (payments, amount)")
    table.add_column("")
    for h in heads:
        table.add_column(h["currency"], justify="right")
    for label, cell in HEADLINE_ROWS:
        table.add_row(label, *(cell(h) for h in heads))
    console.print(table)
    paid = sum(h["received"]["payments"] - h["returned"]["payments"] for h in heads)
    auto = sum(h["applied_auto"]["payments"] for h in heads)
    if paid:  # payment counts add up across currencies; amounts never do
        console.print(f"auto-applied: {auto} of {paid} payments ({100 * auto / paid:.1f} %), "
                      "returned payments left out")


def _cash_summary(console: Console, rt: Runtime) -> None:
    """The AR queue by reason (a few examples with their best suggestion), then what is in
    review but not receivables work (reconcile.queue_kinds)."""
    receivable = queue_kinds.is_receivable()
    with rt.unit_of_work() as session:
        rows = session.execute(
            select(ReviewItem.reason, receivable, func.count())
            .join(BankTransaction, BankTransaction.id == ReviewItem.transaction_id)
            .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .where(ReviewItem.status == "open").group_by(ReviewItem.reason, receivable)
        ).all()
        open_items = session.execute(
            select(ReviewItem, BankTransaction).join(BankTransaction, BankTransaction.id == ReviewItem.transaction_id)
            .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .where(ReviewItem.status == "open", receivable).order_by(ReviewItem.id)
        ).all()
    queue = Counter({reason: n for reason, is_ar, n in rows if is_ar})
    other = Counter({reason: n for reason, is_ar, n in rows if not is_ar})
    console.print("AR review queue (`remit exceptions`): "
                  + (", ".join(f"{reason} {n}" for reason, n in sorted(queue.items(), key=lambda kv: (-kv[1], kv[0])))
                     or "empty"))
    shown: set[str] = set()
    for item, tx in open_items:
        if item.reason in shown:
            continue
        shown.add(item.reason)
        amount = display_amount(None if tx.amount_minor is None else from_minor(tx.amount_minor, tx.currency), tx.currency)
        best = item.candidates[0] if item.candidates else None
        hint = (f"; suggested {', '.join(best['invoice_numbers'])} (score {best['score']})" if best else "")
        console.print(f"  #{tx.id} {label('review_reason', item.reason)}: {amount} from {tx.counterparty_name or 'unknown payer'}{hint}")
    console.print("not receivables, kept for treasury (`remit exceptions --kind other`): "
                  + (", ".join(f"{reason} {n}" for reason, n in sorted(other.items())) or "none")
                  + "; outgoing payments are never review items: they stay in the payments list as "
                    "`ignored` (workbench Payments, GET /api/v1/payments?status=ignored)")


def _direct_debits(console: Console, rt: Runtime, mandates: Path, out: Path) -> None:
    """The customers who signed a mandate are debited for what they owe at the month's end:
    the files a bank would take, and the invoices pending until it answers."""
    imported = import_mandates(rt, mandates.read_bytes(), file=mandates.name, actor="demo")
    files, _skipped = collect(rt, as_of=MONTH_END, out=out, actor="demo")
    sent = "; ".join(f"{f['format']}: {f['entries']} debit{'s' if f['entries'] != 1 else ''} "
                     f"{display_amount(f['total'], f['currency'])}"
                     for f in files) or "nothing due"
    console.print(f"direct debits (`remit collect --as-of {MONTH_END}`): {imported.created} mandates; {sent}; "
                  f"files in {out}/, invoices pending until the bank reports (no reminders meanwhile)",
                  soft_wrap=True)


def _collections_summary(console: Console, rt: Runtime) -> None:
    """What is not paid, per currency, as of today (the book's invoices paid before the
    month count as settled on import), and the reminders due today (a dry run: the demo sends
    nothing)."""
    from receivables import ar_history, reminders

    as_of = ar_history.today()
    with rt.unit_of_work() as session:
        m = ar_history.metrics_report(session, as_of=as_of)
        due = Counter(d.step.name for d in reminders.decide(session, as_of))
    for currency, f in sorted(m["by_currency"].items()):
        aging = ", ".join(f"{bucket} {display_amount(amount, currency, show_currency=False)}"
                          for bucket, amount in f["aging"].items())
        console.print(f"receivables {currency} (as of {m['as_of']}, {m['period_days']} days): "
                      f"AR {display_amount(f['ar_total'], currency)}, "
                      f"DSO {f['dso']}, best possible {f['best_possible_dso']}, CEI {f['cei']}; aging {aging}")
    console.print("reminders due today (`remit reminders run --dry-run --json`): "
                  + (", ".join(f"{step} {n}" for step, n in sorted(due.items())) or "none"))


def _files_summary(console: Console, rt: Runtime, results: list[IngestResult]) -> None:
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
    for r in results:
        if r.status == "rejected":
            console.print(f"[yellow]rejected[/yellow] {r.error}")
    again = results[-1]
    console.print(
        f"re-sent {again.file}: {again.status}"
        + (f" (same bytes as file #{again.duplicate_of}, nothing applied twice)" if again.duplicate_of else "")
    )


def _next_steps(console: Console, target: DemoTarget) -> None:
    # Never wrapped: both lines are copied into a shell.
    console.print(f"database: {target.database} ({target.url})", soft_wrap=True)
    if not target.is_default:
        console.print(f"  the `remit` commands below need: export REMIT_DATABASE_URL={target.url}", soft_wrap=True)
    if os.environ.get("REMIT_DEMO_QUIET") is not None:
        return
    console.print(
        "next:\n"
        "  remit exceptions                  the AR review queue (--json; --kind other: outgoing, sent back)\n"
        "  remit applications --json         every cash application with its confidence and reasons\n"
        "  remit metrics                     DSO, CEI, aging and the cash-application rates\n"
        "  remit apply TX INV=AMOUNT         apply a payment from the queue by hand\n"
        "  remit demo --serve                the same month in the workbench (http://127.0.0.1:8000/)"
    )
