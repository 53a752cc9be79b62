"""Matching accuracy (DESIGN.md §7): remit's engine and a plain baseline on one labelled day.

A labelled synthetic day (benchmarks/accuracy_data.py: quick ~1,500 payments / 300
customers; full ~20,000 payments / 2,000 customers) goes through
`reconcile.engine.match` and `reconcile.baseline.match` (exact-token / greedy). Every
APPLY decision is compared with the payment's label:

  right   auto-applied, and the allocations {(invoice number, applied, discount, write-off)}
          equal the expected set exactly;
  wrong   auto-applied anything else — including ANY automatic application of a payment a
          correct engine must not apply (unknown payer, decoy, duplicate, debit).

Reported per scenario and in total:
  auto-right  right / matchable payments (the invoice-level straight-through rate);
  wrong       wrong / all automatic applications (what treasury has to undo);
  review      payments sent to review / all payments.
Targets (remit): auto-right ≥ 90 %, wrong ≤ 0.5 %, and 0 automatic applications on unknown
payers, decoys, duplicates and debits. The baseline row is INFO.

Duplicate notifications (camt.054 then camt.053 for the same booking) and returns on a later
day need the database path (ingest dedupe + returns service): that part ingests real files
into SQLite and runs `reconcile.service.match_pending` in a transaction of its own, as a job.

Missed and wrong examples (payment, label, decision) are written to
benchmarks/out/accuracy-examples-<size>.md for the engine's author.

    python -m benchmarks.bench_accuracy [--quick] [--seed 1] [--examples 5]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks import OUT, Row
from benchmarks.accuracy_data import (
    MATCHABLE,
    SCENARIO_NAMES,
    UNKNOWN_AND_DECOYS,
    Dataset,
    Label,
    allocations_of,
    generate,
    letters_id,
)

SEED = 1
QUICK = (300, 1_500)  # customers, payments
FULL = (2_000, 20_000)
RIGHT_TARGET = 90.0  # % of matchable payments applied exactly right
WRONG_TARGET = 0.5  # % of automatic applications that are wrong
NOT_MATCHABLE = tuple(name for name in SCENARIO_NAMES if not MATCHABLE[name])
WITH_ALTERNATIVE = ("discount_expired",)  # matchable, with a sanctioned review reason too

MatchFn = Callable[..., list[Any]]


# --- scoring --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Outcomes for one scenario (or the total) under one engine."""

    n: int = 0
    matchable: int = 0
    right: int = 0
    wrong: int = 0
    review: int = 0
    ignored: int = 0
    # Did what the label says: not-matchable → its REVIEW reason / IGNORE; matchable with an
    # expect_reason (expired discount) → right, or review for that reason.
    expected_outcome: int = 0

    def add(self, other: Tally) -> None:
        for name in ("n", "matchable", "right", "wrong", "review", "ignored", "expected_outcome"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def auto(self) -> int:
        return self.right + self.wrong

    @property
    def right_pct(self) -> float | None:
        return 100.0 * self.right / self.matchable if self.matchable else None

    @property
    def wrong_pct(self) -> float | None:
        return 100.0 * self.wrong / self.auto if self.auto else None

    @property
    def review_pct(self) -> float:
        return 100.0 * self.review / self.n if self.n else 0.0


@dataclass
class Outcome:
    """One engine's run over the dataset."""

    engine: str
    seconds: float
    by_scenario: dict[str, Tally]
    total: Tally
    misses: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)  # scenario -> [(index, decision)]
    wrongs: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def not_matchable_auto(self) -> dict[str, int]:
        return {name: self.by_scenario[name].wrong for name in NOT_MATCHABLE}


def classify(label: Label, decision: Any) -> str:
    """One decision against its label: "right", "wrong", "review" or "ignore"."""
    action = getattr(decision.action, "value", decision.action)
    if action == "apply":
        if not label.matchable or decision.applied is None:
            return "wrong"
        return "right" if allocations_of(decision.applied) == label.expected else "wrong"
    return "review" if action == "review" else "ignore"


def score(engine: str, data: Dataset, decisions: Sequence[Any], seconds: float) -> Outcome:
    if len(decisions) != len(data.payments):
        raise AssertionError(f"{engine}: {len(decisions)} decisions for {len(data.payments)} payments")
    by_scenario = {name: Tally() for name in SCENARIO_NAMES}
    outcome = Outcome(engine, seconds, by_scenario, Tally())
    for index, (payment, label, decision) in enumerate(zip(data.payments, data.labels, decisions)):
        if decision.payment_id != payment.id:
            raise AssertionError(f"{engine}: decision {index} is for payment {decision.payment_id}, not {payment.id} (input order)")
        tally = by_scenario[label.scenario]
        tally.n += 1
        tally.matchable += label.matchable
        kind = classify(label, decision)
        if kind == "right":
            tally.right += 1
        elif kind == "wrong":
            tally.wrong += 1
            outcome.wrongs.setdefault(label.scenario, []).append((index, decision))
        elif kind == "review":
            tally.review += 1
        else:
            tally.ignored += 1
        if label.matchable and kind != "right" and kind != "wrong":
            outcome.misses.setdefault(label.scenario, []).append((index, decision))
        action = getattr(decision.action, "value", decision.action)
        if not label.matchable and kind != "wrong":
            wanted_action = getattr(label.expect_action, "value", label.expect_action)
            reason_ok = label.expect_reason is None or decision.reason == label.expect_reason
            tally.expected_outcome += action == wanted_action and reason_ok
        elif label.matchable and label.expect_reason is not None:
            tally.expected_outcome += kind == "right" or (action == "review" and decision.reason == label.expect_reason)
    for tally in by_scenario.values():
        outcome.total.add(tally)
    return outcome


def run_engine(name: str, fn: MatchFn, data: Dataset) -> Outcome:
    started = time.perf_counter()
    decisions = fn(list(data.payments), list(data.customers), list(data.invoices))
    seconds = time.perf_counter() - started
    return score(name, data, decisions, seconds)


def load_match(module: str) -> tuple[MatchFn | None, str | None]:
    """(match function, None) or (None, why it is unavailable)."""
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any import failure means "cannot run"
        return None, f"{module} not importable: {type(exc).__name__}: {exc}"
    fn = getattr(mod, "match", None)
    if not callable(fn):
        return None, f"{module} has no match()"
    return fn, None


# --- reporting ------------------------------------------------------------------------------


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def summary_metric(t: Tally) -> str:
    return f"auto-right {_pct(t.right_pct)} · wrong {_pct(t.wrong_pct, 2)} ({t.wrong}) · review {_pct(t.review_pct)}"


def print_scenario_table(data: Dataset, outcomes: list[Outcome], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    table.add_column("scenario")
    table.add_column("n", justify="right")
    for o in outcomes:
        table.add_column(f"{o.engine}\nright", justify="right")
        table.add_column(f"{o.engine}\nwrong", justify="right")
        table.add_column(f"{o.engine}\nreview", justify="right")
        table.add_column(f"{o.engine}\nas labelled", justify="right")
    for name in [*SCENARIO_NAMES, "TOTAL"]:
        cells = [name, f"{(outcomes[0].total if name == 'TOTAL' else outcomes[0].by_scenario[name]).n:,}"]
        for o in outcomes:
            t = o.total if name == "TOTAL" else o.by_scenario[name]
            wrong = f"[bold red]{t.wrong}[/]" if t.wrong else "0"
            shown = name != "TOTAL" and (not MATCHABLE[name] or name in WITH_ALTERNATIVE)
            as_labelled = f"{t.expected_outcome}/{t.n}" if shown else ""
            cells += [_pct(t.right_pct) if t.matchable else "—", wrong, _pct(t.review_pct), as_labelled]
        table.add_row(*cells)
    Console(width=max(160, Console().width)).print(table)


def _fmt_payment(p: Any) -> str:
    parts = [
        f"amount {p.amount} {p.currency}, value {p.value_date}, {p.direction.value}/{p.kind.value}",
        f"payer {p.payer_name!r} account {p.payer_account!r}",
    ]
    if p.remittance:
        parts.append(f"remittance {list(p.remittance)!r}")
    if p.references:
        parts.append(f"references {list(p.references)!r}")
    if p.invoices:
        parts.append("invoices " + ", ".join(f"{i.number}" + (f"={i.amount}" if i.amount is not None else "") for i in p.invoices))
    if p.end_to_end_id and p.end_to_end_id != "NOTPROVIDED":
        parts.append(f"e2e {p.end_to_end_id!r}")
    return "; ".join(parts)


def _fmt_alloc(allocs: Any) -> str:
    return ", ".join(f"{n} applied {a} disc {d} wo {w}" for n, a, d, w in sorted(allocs)) or "(none)"


def _fmt_candidate(c: Any) -> str:
    return f"[{c.customer_id}] {_fmt_alloc(allocations_of(c))}; unapplied {c.unapplied}; score {c.score}; {list(c.reasons)!r}"


def _fmt_decision(d: Any) -> str:
    action = getattr(d.action, "value", d.action)
    reason = getattr(d.reason, "value", d.reason)
    lines = [f"{action}" + (f" ({reason})" if reason else "") + (f" — {d.explanation}" if d.explanation else "")]
    if d.applied is not None:
        lines.append(f"applied: {_fmt_candidate(d.applied)}")
    for i, s in enumerate(d.suggestions[:2]):
        lines.append(f"suggestion {i + 1}: {_fmt_candidate(s)}")
    return "\n    ".join(lines)


def _invoice_context(data: Dataset, label: Label) -> str:
    if not label.expected:
        return ""
    by_number = {i.number: i for i in data.invoices if i.number in {e[0] for e in label.expected}}
    out = []
    for number in sorted(by_number):
        inv = by_number[number]
        customer = next(c for c in data.customers if c.id == inv.customer_id)
        terms = inv.terms.text if inv.terms else "-"
        out.append(
            f"{number}: {customer.id} {customer.name!r} accounts {list(customer.accounts)} · amount {inv.amount} "
            f"open {inv.open_amount} · issued {inv.issue_date} · {terms} · PO {inv.po_number}"
        )
    return "\n    ".join(out)


def write_examples(data: Dataset, outcome: Outcome, per_kind: int, size: str) -> str:
    """Markdown: up to `per_kind` wrong and missed examples per scenario. Returns the path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"accuracy-examples-{outcome.engine}-{size}.md"
    lines = [f"# {outcome.engine}: wrong and missed payments ({size}, seed {data.seed})", ""]
    for name in SCENARIO_NAMES:
        wrongs, misses = outcome.wrongs.get(name, []), outcome.misses.get(name, [])
        if not wrongs and not misses:
            continue
        t = outcome.by_scenario[name]
        lines.append(f"## {name}: {t.wrong} wrong, {len(misses)} missed of {t.n}")
        reasons = Counter(getattr(d.reason, "value", d.reason) or getattr(d.action, "value", d.action) for _, d in misses)
        if reasons:
            lines.append("missed by reason: " + ", ".join(f"{r} {n}" for r, n in reasons.most_common()))
        variants = Counter(data.labels[i].variant.split(":")[0] if name != "ref_freetext" else data.labels[i].variant for i, _ in wrongs + misses)
        lines.append("by variant: " + ", ".join(f"{v} {n}" for v, n in variants.most_common(8)))
        lines.append("")
        for kind, items in (("WRONG", wrongs), ("MISSED", misses)):
            for index, decision in items[:per_kind]:
                p, label = data.payments[index], data.labels[index]
                lines += [
                    f"- **{kind}** payment {p.id} ({label.variant})",
                    f"    payment: {_fmt_payment(p)}",
                    f"    expected: {_fmt_alloc(label.expected) if label.expected else 'no automatic application'}"
                    + (f" / {getattr(label.expect_action, 'value', '')} {getattr(label.expect_reason, 'value', '') or ''}" if not label.matchable else ""),
                ]
                context = _invoice_context(data, label)
                if context:
                    lines.append(f"    invoices: {context}")
                lines.append(f"    decision: {_fmt_decision(decision)}")
        lines.append("")
    path.write_text("\n".join(lines))
    return str(path.relative_to(OUT.parent.parent))


# --- the database part (duplicate notifications, returns) -----------------------------------

Runner = Callable[[Any, Any], None]  # (SQLAlchemy engine, today) -> None: one matching run, committed


def _camt054(camt053: bytes) -> bytes:
    """The same bookings as an intraday camt.054 notification (no balances in a Ntfctn)."""
    import re

    text = camt053.decode("utf-8")
    text = text.replace("camt.053.001.08", "camt.054.001.08").replace("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn")
    text = text.replace("<Stmt>", "<Ntfctn>").replace("</Stmt>", "</Ntfctn>")
    text = re.sub(r"\s*<Bal>.*?</Bal>", "", text, flags=re.S)
    return text.encode("utf-8")


def db_scenario(runner: Runner, seed: int = SEED) -> tuple[str, list[str]]:
    """(metric, problems) of the database path on a small labelled day.

    Day 1: every payment arrives intraday as camt.054, matching runs; the evening camt.053
    repeats the same bookings, matching runs again — no booking may be stored or applied
    twice, and the applications must be the pure engine's on the same data. Day 2: a
    camt.053 returns ten applied payments (RtrInf AC04, same end-to-end id and amount) —
    matching reverses exactly their applications and reopens their invoices.
    """
    import tempfile
    from datetime import timedelta
    from pathlib import Path

    from sqlalchemy import func, select

    from core.money import D, to_minor
    from core.records import Direction, Entry, EntryStatus, ReturnInfo, Statement, Transaction
    from ingest.archive import Archive
    from ingest.service import Ingestor
    from iso20022.writer import write_camt053
    from ledger.db import make_engine, transaction
    from ledger.migrate import upgrade
    from ledger.models import Application, BankEntry, BankTransaction, CustomerAccount, Invoice
    from ledger.models import Customer as CustomerRow

    data = generate(seed, 40, 200)
    problems: list[str] = []
    e2e = {p.id: (p.end_to_end_id if p.end_to_end_id not in (None, "NOTPROVIDED") else letters_id("E2EX", p.id))
           for p in data.payments}
    ours = {"EUR": "DE89370400440532013000", "USD": "US-OPERATING-4471"}

    def statement(day: Any, entries: list[Entry], currency: str, number: int) -> Statement:
        opening = D("250000.00")  # balances are mandatory in camt.053; closing really is opening + entries
        closing = opening + sum((e.amount if e.direction is Direction.CREDIT else -e.amount for e in entries), D(0))
        return Statement(id=f"BENCH-{currency}-{day:%Y%m%d}-{number}", account=ours[currency], currency=currency,
                         opening_balance=opening, closing_balance=closing, from_date=day, to_date=day,
                         entries=tuple(entries))

    def entry_of(p: Any) -> Entry:
        tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=e2e[p.id],
                         counterparty_name=p.payer_name, counterparty_account=p.payer_account,
                         remittance=p.remittance, references=p.references, invoices=p.invoices)
        return Entry(amount=p.amount, currency=p.currency, direction=p.direction, status=EntryStatus.BOOKED,
                     booking_date=data.as_of, value_date=p.value_date, bank_reference=p.bank_reference,
                     kind=p.kind, transactions=(tx,))

    by_currency: dict[str, list[Entry]] = {}
    for p in data.payments:
        by_currency.setdefault(p.currency, []).append(entry_of(p))
    day1 = write_camt053([statement(data.as_of, es, c, 1) for c, es in sorted(by_currency.items())])

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/remit.db"
        upgrade(url)
        engine = make_engine(url)
        with transaction(engine) as s:
            s.add_all(CustomerRow(id=c.id, name=c.name) for c in data.customers)
            s.flush()
            s.add_all(CustomerAccount(customer_id=c.id, account=a, source="imported") for c in data.customers for a in c.accounts)
            s.add_all(
                Invoice(id=i.id, number=i.number, customer_id=i.customer_id, currency=i.currency,
                        amount_minor=to_minor(i.amount, i.currency), open_minor=to_minor(i.open_amount, i.currency),
                        issue_date=i.issue_date, due_date=i.due_date, terms=i.terms.text if i.terms else None,
                        po_number=i.po_number, status="open" if i.open_amount > 0 else "paid")
                for i in data.invoices
            )
        ingestor = Ingestor(engine, Archive(Path(tmp) / "archive"))

        def ingest(name: str, content: bytes) -> Any:
            path = Path(tmp) / name
            path.write_bytes(content)
            result = ingestor.ingest_path(path)
            if result.status != "parsed":
                problems.append(f"{name}: {result.status} {result.error or ''}".strip())
            return result

        def live() -> dict[str, set[tuple[str, int]]]:
            with transaction(engine) as s:
                rows = s.execute(
                    select(BankEntry.bank_reference, Invoice.number, Application.applied_minor)
                    .join(BankTransaction, BankTransaction.id == Application.transaction_id)
                    .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
                    .join(Invoice, Invoice.id == Application.invoice_id)
                    .where(Application.status == "applied")
                ).all()
            out: dict[str, set[tuple[str, int]]] = {}
            for ref, number, applied in rows:
                out.setdefault(ref, set()).add((number, applied))
            return out

        def count(model: Any) -> int:
            with transaction(engine) as s:
                return int(s.scalar(select(func.count()).select_from(model)) or 0)

        first = ingest("day1-intraday.camt054.xml", _camt054(day1))
        if first.format != "camt.054":
            problems.append(f"the intraday file was read as {first.format}, not camt.054")
        runner(engine, data.as_of)
        after_054 = live()
        if not after_054:
            problems.append("nothing was applied on day 1")
        stored = count(BankTransaction)
        second = ingest("day1-eod.camt053.xml", day1)
        runner(engine, data.as_of)
        after_053 = live()
        if count(BankTransaction) != stored or second.transactions:
            problems.append(f"camt.053 stored {count(BankTransaction) - stored} bookings already notified by camt.054")
        if after_053 != after_054:
            problems.append(f"applications changed after the duplicate camt.053 ({len(after_054)} → {len(after_053)} payments applied)")
        if stored != len(data.payments):
            problems.append(f"{stored} bank transactions stored for {len(data.payments)} payments")

        # The DB path must decide like the pure engine on the same data.
        fn, _ = load_match("reconcile.engine")
        pure: dict[str, set[tuple[str, int]]] = {}
        if fn is not None:
            for p, d in zip(data.payments, fn(list(data.payments), list(data.customers), list(data.invoices))):
                if getattr(d.action, "value", d.action) == "apply" and d.applied is not None:
                    pure[p.bank_reference] = {(a.invoice_number, to_minor(a.applied, p.currency)) for a in d.applied.allocations}
            differ = sorted(set(pure) ^ set(after_053) | {k for k in set(pure) & set(after_053) if pure[k] != after_053[k]})
            if differ:
                problems.append(f"{len(differ)} payments applied differently than by the pure engine (e.g. bank ref {differ[0]})")

        # Day 2: ten applied payments come back.
        returned = sorted(after_053)[:10]
        if not returned:
            engine.dispose()
            return f"{stored} bookings · nothing applied", problems
        by_ref = {p.bank_reference: p for p in data.payments}
        with transaction(engine) as s:
            open_before = dict(s.execute(select(Invoice.number, Invoice.open_minor)).all())
        day2 = data.as_of + timedelta(days=1)
        back: dict[str, list[Entry]] = {}
        for n, ref in enumerate(returned, start=1):
            p = by_ref[ref]
            tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=e2e[p.id],
                             counterparty_name=p.payer_name, counterparty_account=p.payer_account,
                             return_info=ReturnInfo("AC04", additional_info="account closed"))
            back.setdefault(p.currency, []).append(Entry(
                amount=p.amount, currency=p.currency, direction=Direction.DEBIT, booking_date=day2, value_date=day2,
                bank_reference=f"RET{day2:%y%m%d}{n:06d}", kind=p.kind, transactions=(tx,)))
        ingest("day2.camt053.xml", write_camt053([statement(day2, es, c, 2) for c, es in sorted(back.items())]))
        runner(engine, day2)
        after_returns = live()
        with transaction(engine) as s:
            open_after = dict(s.execute(select(Invoice.number, Invoice.open_minor)).all())
        still = [ref for ref in returned if ref in after_returns]
        if still:
            problems.append(f"{len(still)} of {len(returned)} returned payments still applied")
        unchanged = {k: v for k, v in after_053.items() if k not in returned}
        if {k: v for k, v in after_returns.items() if k not in returned} != unchanged:
            problems.append("returns changed applications of payments that were not returned")
        for ref in returned:
            for number, applied in after_053[ref]:
                # Reopened by at least the cash applied (discounts and write-offs reopen too).
                if open_after[number] < open_before[number] + applied:
                    problems.append(f"invoice {number} not reopened after the return of {ref}")
        engine.dispose()
    metric = (f"{stored} bookings once (054+053) · {sum(len(v) for v in after_053.values())} applications · "
              f"{len(returned) - len(still)}/{len(returned)} returns reversed")
    return metric, problems


def _match_pending_runner(engine: Any, today: Any) -> None:
    """One matching run as a job does it: the runner owns the transaction."""
    from ledger.db import transaction
    from reconcile.service import match_pending

    with transaction(engine) as session:
        match_pending(session, actor="bench", today=today)


def db_part(runner: Runner | None = None) -> Row:
    """The database path: camt.054 then camt.053 of the same day, returns on day 2."""
    name = "accuracy: DB path (camt.054→053 dupes, returns)"
    target = "each booking stored & applied once; returns reverse"
    runner = runner or _match_pending_runner
    started = time.perf_counter()
    try:
        metric, problems = db_scenario(runner)
    except Exception as exc:  # noqa: BLE001 - report, never hide the other rows
        import traceback

        traceback.print_exc(file=sys.stderr)
        return Row(name, "200 payments", time.perf_counter() - started, "", None, target, "FAIL", f"{type(exc).__name__}: {exc}")
    return Row(name, "200 payments", time.perf_counter() - started, metric, None, target,
               "FAIL" if problems else "PASS", "; ".join(problems[:5]))


# --- benchmark ------------------------------------------------------------------------------


def evaluate(quick: bool, seed: int = SEED) -> tuple[Dataset, dict[str, Outcome | str], float]:
    """The dataset, each engine's outcome (or why it could not run), and generation time."""
    n_customers, n_payments = QUICK if quick else FULL
    started = time.perf_counter()
    data = generate(seed, n_customers, n_payments)
    gen_seconds = time.perf_counter() - started
    results: dict[str, Outcome | str] = {}
    for engine, module in (("remit", "reconcile.engine"), ("baseline", "reconcile.baseline")):
        fn, why = load_match(module)
        results[engine] = run_engine(engine, fn, data) if fn else (why or "unavailable")
    return data, results, gen_seconds


def rows_for(data: Dataset, results: dict[str, Outcome | str], size: str, examples_note: str = "") -> list[Row]:
    rows: list[Row] = []
    label = f"{len(data.payments):,} payments · {len(data.invoices):,} invoices"
    target = f"≥ {RIGHT_TARGET:g}% right, ≤ {WRONG_TARGET:g}% wrong"
    remit = results["remit"]
    if isinstance(remit, str):
        rows.append(Row("accuracy: remit total", label, None, "", None, target, "SKIP", remit))
    else:
        t = remit.total
        problems = []
        if (t.right_pct or 0.0) < RIGHT_TARGET:
            problems.append(f"auto-right {_pct(t.right_pct)} < {RIGHT_TARGET:g}%")
        if (t.wrong_pct or 0.0) > WRONG_TARGET:
            problems.append(f"wrong {_pct(t.wrong_pct, 2)} > {WRONG_TARGET:g}%")
        weak = [
            f"{name} {_pct(remit.by_scenario[name].right_pct, 0)}"
            for name in SCENARIO_NAMES
            if MATCHABLE[name] and (remit.by_scenario[name].right_pct or 0.0) < 80.0
        ]
        note = "; ".join(problems)
        if weak:
            note += ("; " if note else "") + "weak scenarios (< 80% right): " + ", ".join(weak)
        if examples_note:
            note += ("; " if note else "") + f"examples: {examples_note}"
        rows.append(Row("accuracy: remit total", label, remit.seconds, summary_metric(t), None, target,
                        "FAIL" if problems else "PASS", note))
        auto = remit.not_matchable_auto()
        n = sum(remit.by_scenario[s].n for s in NOT_MATCHABLE)
        unknown_decoy = sum(auto[s] for s in UNKNOWN_AND_DECOYS)
        metric = f"{sum(auto.values())} auto of {n} · " + " · ".join(
            f"{s.replace('_noevidence', '')} {auto[s]}/{remit.by_scenario[s].n}" for s in NOT_MATCHABLE
        )
        bad = sum(auto.values())
        rows.append(Row(
            "accuracy: remit on unknown/decoy/dup/debit", f"{n:,} payments", None, metric, None,
            "0 automatic applications", "FAIL" if bad else "PASS",
            f"{bad} automatic application(s), {unknown_decoy} on unknown payers or decoys" if bad else "",
        ))
    base = results["baseline"]
    if isinstance(base, str):
        rows.append(Row("accuracy: baseline (exact token, greedy)", label, None, "", None, "baseline", "SKIP", base))
    else:
        bad = sum(base.not_matchable_auto().values())
        rows.append(Row("accuracy: baseline (exact token, greedy)", label, base.seconds,
                        summary_metric(base.total) + f" · {bad} on not-matchable", None, "baseline", "INFO"))
    rows.append(db_part())
    return rows


def run(quick: bool = False, seed: int = SEED, examples: int = 5, db_runner: Runner | None = None) -> list[Row]:
    """The registry entry point (see benchmarks/run.py)."""
    data, results, _ = evaluate(quick, seed)
    size = "quick" if quick else "full"
    outcomes = [o for o in results.values() if not isinstance(o, str)]
    if outcomes:
        print_scenario_table(data, outcomes, f"accuracy per scenario ({size}: {len(data.payments):,} payments, seed {seed})")
    note = ""
    remit = results["remit"]
    if not isinstance(remit, str) and (remit.wrongs or remit.misses):
        note = write_examples(data, remit, examples, size)
    rows = rows_for(data, results, size, note)
    if db_runner is not None:
        rows[-1] = db_part(db_runner)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_accuracy")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--examples", type=int, default=5, help="wrong/missed examples per scenario in the report file")
    args = parser.parse_args(argv)
    from benchmarks.run import print_table

    rows = run(args.quick, args.seed, args.examples)
    print_table(rows)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

