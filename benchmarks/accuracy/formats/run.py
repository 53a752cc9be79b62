"""One format end to end: its files into a fresh SQLite database holding the day's book,
through the real Ingestor and `reconcile.service.match_pending`, and every booking's
outcome scored against its payment's label.

Bookings are found by the bank reference the format gave them (`Carried.ref`: camt
AcctSvcrRef, BAI2 bank reference, lockbox item, NACHA trace, OFX FITID). A payment's
outcome: "right" (its live applications {(invoice, applied, discount, write-off)} equal
the label's, cents), "wrong" (anything else applied, or any application of a
not-matchable payment), "review" (nothing applied, in review), "ignore" (nothing applied,
not in review), or "missing" (the parser or ingest did not store the booking).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.accuracy.database import database
from benchmarks.accuracy.formats.carry import Carried, Rendering, evidence_lost
from benchmarks.accuracy_data import Dataset
from core.money import to_minor

Allocations = frozenset[tuple[str, int, int, int]]


@dataclass
class FormatTally:
    """Outcomes of one format (or one of its scenarios)."""

    carried: int = 0
    not_carried: int = 0
    fair: int = 0  # matchable, evidence intact: the auto-right denominator
    right: int = 0
    wrong: int = 0
    review: int = 0
    ignored: int = 0
    missing: int = 0
    lost: int = 0  # matchable, evidence removed by the format
    lost_right: int = 0
    lost_wrong: int = 0
    not_matchable_auto: int = 0

    @property
    def auto(self) -> int:
        return self.right + self.wrong + self.lost_right

    @property
    def right_pct(self) -> float | None:
        return 100.0 * self.right / self.fair if self.fair else None

    @property
    def wrong_pct(self) -> float | None:
        return 100.0 * self.wrong / self.auto if self.auto else None

    @property
    def review_pct(self) -> float:
        return 100.0 * self.review / self.carried if self.carried else 0.0


@dataclass
class FormatResult:
    format: str
    total: FormatTally
    by_scenario: dict[str, FormatTally]
    seconds: float
    problems: list[str] = field(default_factory=list)  # ingest failures, missing bookings
    examples: dict[str, list[str]] = field(default_factory=dict)  # "wrong"/"missed" -> lines
    lost_by: Counter[str] = field(default_factory=Counter)  # which evidence was lost
    applied: dict[str, Allocations] = field(default_factory=dict)  # ref -> live applications


def expected_minor(label: Any, currency: str) -> Allocations:
    return frozenset((n, to_minor(a, currency), to_minor(d, currency), to_minor(w, currency))
                     for n, a, d, w in label.expected or ())


def ingest(engine: Any, tmp: Path, name: str, content: bytes) -> str | None:
    """Ingest one file through the real Ingestor; a problem sentence, or None."""
    from ingest.archive import Archive
    from ingest.service import Ingestor

    path = tmp / name
    path.write_bytes(content)
    result = Ingestor(engine, Archive(tmp / "archive")).ingest_path(path)
    if result.status != "parsed":
        return f"{name}: {result.status} {result.error or ''}".strip()
    return None


def match(engine: Any, today: date) -> None:
    """One matching run as a job does it: the run owns its transaction."""
    from ledger.db import transaction
    from reconcile.service import match_pending

    with transaction(engine) as session:
        match_pending(session, actor="bench-formats", today=today)


def state(engine: Any) -> tuple[dict[str, Allocations], dict[str, str]]:
    """(bank reference -> live applications, bank reference -> match status)."""
    from sqlalchemy import select

    from ledger.db import transaction
    from ledger.models import Application, BankEntry, BankTransaction, Invoice

    with transaction(engine) as s:
        rows = s.execute(
            select(BankEntry.bank_reference, Invoice.number, Application.applied_minor,
                   Application.discount_minor, Application.write_off_minor)
            .join(BankTransaction, BankTransaction.id == Application.transaction_id)
            .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .join(Invoice, Invoice.id == Application.invoice_id)
            .where(Application.status == "applied")
        ).all()
        statuses = dict(s.execute(
            select(BankEntry.bank_reference, BankTransaction.match_status)
            .join(BankTransaction, BankTransaction.entry_id == BankEntry.id)).all())
    applied: dict[str, set[tuple[str, int, int, int]]] = {}
    for ref, number, cash, discount, write_off in rows:
        applied.setdefault(ref, set()).add((number, cash, discount, write_off))
    return {k: frozenset(v) for k, v in applied.items()}, statuses


def _describe(c: Carried, label: Any, got: Allocations | None, status: str | None) -> str:
    p = c.payment
    written = f"name={c.name!r} account={c.account!r} text={list(c.lines)!r}"
    if c.invoices:
        written += f" invoices={[(i.number, str(i.amount)) for i in c.invoices]!r}"
    if c.e2e:
        written += f" e2e={c.e2e!r}"
    expected = sorted(expected_minor(label, p.currency)) if label.matchable else "not matchable"
    return (f"{c.ref} {p.amount} {p.currency} [{label.scenario} {label.variant}] written: {written}; "
            f"label: {expected}; decision: {sorted(got) if got else status}")


def score(data: Dataset, rendering: Rendering, applied: dict[str, Allocations], statuses: dict[str, str],
          result: FormatResult, examples: int = 3) -> None:
    for p, _ in rendering.not_carried:
        result.by_scenario.setdefault(data.label_of(p.id).scenario, FormatTally()).not_carried += 1
        result.total.not_carried += 1
    for c in rendering.carried:
        label = data.label_of(c.payment.id)
        tallies = (result.total, result.by_scenario.setdefault(label.scenario, FormatTally()))
        got, status = applied.get(c.ref), statuses.get(c.ref)
        lost = evidence_lost(label, c)
        if lost:
            result.lost_by[lost] += 1
        for t in tallies:
            t.carried += 1
        if status is None:
            for t in tallies:
                t.missing += 1
            continue
        if got and not label.matchable:
            kind = "wrong"
        elif got:
            kind = "right" if got == expected_minor(label, c.payment.currency) else "wrong"
        else:
            kind = "review" if status == "review" else "ignored"
        for t in tallies:
            if label.matchable and lost:
                t.lost += 1
                t.lost_right += kind == "right"
                t.lost_wrong += kind == "wrong"
                t.wrong += kind == "wrong"  # a confident wrong application is wrong whatever the evidence
            else:
                t.fair += label.matchable
                t.right += kind == "right"
                t.wrong += kind == "wrong"
                t.not_matchable_auto += bool(got) and not label.matchable
            t.review += kind == "review"
            t.ignored += kind == "ignored"
        bucket = "wrong" if kind == "wrong" else "missed" if label.matchable and not lost and kind != "right" else ""
        if bucket:
            key = f"{bucket} {label.scenario}"
            if len(result.examples.setdefault(key, [])) < examples:
                result.examples[key].append(_describe(c, label, got, status))
    missing = result.total.missing
    if missing:
        result.problems.append(f"{missing} bookings not stored (e.g. {next(c.ref for c in rendering.carried if c.ref not in statuses)})")


def run_format(data: Dataset, render: Callable[[Dataset], Rendering],
               after: Callable[[Any, Path, Rendering, FormatResult], None] | None = None) -> FormatResult:
    """Render, ingest, match and score one format; `after` may run a later day on the same
    database (the NACHA returns)."""
    started = time.perf_counter()
    rendering = render(data)
    result = FormatResult(rendering.format, FormatTally(), {}, 0.0)
    with database(data) as (engine, tmp):
        for name, content in rendering.files:
            problem = ingest(engine, tmp, name, content)
            if problem:
                result.problems.append(problem)
        match(engine, data.as_of)
        applied, statuses = state(engine)
        result.applied = applied
        score(data, rendering, applied, statuses, result)
        result.seconds = time.perf_counter() - started
        if after is not None:
            after(engine, tmp, rendering, result)
    return result
