"""The two labelled days (two_days.py) through remit's real database path, and their score.

    play(days, reviewer=True) -> Played       every step on a fresh SQLite database
    learned(days, played) -> Score            day two of the payers the reviewer applied by hand
    rematched(days, played) -> Score          on-account money after the invoice import

The steps, each through the function the product uses for it:
  1. the opening book: `workflows.invoices.import_invoices` of a CSV (reconcile.invoice_rows.parse_book)
  2. day one: a camt.053 (iso20022.writer) through `Ingestor.ingest_path`, then
     `workflows.pipeline.match_settled(today=AS_OF)`
  3. the reviewer (a person, REVIEWER) applies each unknown-payer payment in review to the
     invoice it pays: `workflows.cash.apply_by_hand`, what `remit apply`, the API and the
     workbench call — remit learns the payer's account and name there
  4. the AR system's next export (new invoices only, no customer columns: the stored accounts
     and aliases stay): `import_invoices`, which re-matches money on account (`_rematch` →
     `pipeline.rematch_opened`; its "today" is the wall clock, as in production)
  5. day two: another camt.053, `match_settled(today=AS_OF + 1)`
After every step the invariants are read back from the database (`invariants`).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.two_days import DAY2, Alloc, Case, TwoDays
from core.money import D, from_minor
from core.records import Entry, EntryStatus, Statement, Transaction
from ledger.models import Application, AuditEvent, BankEntry, BankTransaction, Invoice, ReviewItem

REVIEWER = "anna.keller@example.com"  # the person applying by hand
MATCHER = "system"  # matching runs (ingest, sweep)
AR_IMPORT = "ar-sync"  # the invoice exports
_OURS = {"EUR": "DE89370400440532013000", "USD": "US-OPERATING-4471"}
STEPS = ("book", "day1", "review", "import", "day2")


@dataclass
class Played:
    live: dict[str, dict[str, frozenset[Alloc]]] = field(default_factory=dict)  # step -> bank ref -> allocs
    status: dict[str, dict[str, str]] = field(default_factory=dict)  # step -> bank ref -> match status
    hand_applied: set[str] = field(default_factory=set)  # bank refs the reviewer applied
    rematch_summary: dict[str, Any] | None = None
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)  # step -> bank ref -> open review reason
    learned_payers: int = 0  # customers with an account or alias learned from a payment
    problems: list[str] = field(default_factory=list)  # invariant breaks, "step: what"
    seconds: float = 0.0


# -- files ------------------------------------------------------------------------------------


def book_csv(customers: list[Cust], invoices: list[Inv], *, customer_columns: bool) -> bytes:
    """The AR system's export: every invoice with its customer; the first export also with
    the customers' accounts (a later one without: absent columns keep what is stored)."""
    names = {c.id: c for c in customers}
    head = ["invoice_number", "customer_id", "customer_name", "currency", "amount", "open_amount",
            "issue_date", "due_date", "terms"] + (["customer_accounts"] if customer_columns else [])
    lines = [",".join(head)]
    for inv in invoices:
        cust = names[inv.customer_id]
        due = inv.terms_obj.net_due(inv.issue)
        row = [inv.number, cust.id, f'"{cust.name}"', inv.currency, str(from_minor(inv.amount, inv.currency)),
               str(from_minor(inv.open, inv.currency)), inv.issue.isoformat(), due.isoformat() if due else "",
               f'"{inv.terms}"']
        if customer_columns:
            row.append(";".join(cust.accounts))
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def camt053(cases: list[Case], day: date) -> bytes:
    """One booked camt.053 statement per currency holding these payments."""
    from iso20022.writer import write_camt053

    by_currency: dict[str, list[Entry]] = defaultdict(list)
    for case in cases:
        p = case.payment
        tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=p.end_to_end_id,
                         counterparty_name=p.payer_name, counterparty_account=p.payer_account,
                         remittance=p.remittance, references=p.references, invoices=p.invoices)
        by_currency[p.currency].append(Entry(
            amount=p.amount, currency=p.currency, direction=p.direction, status=EntryStatus.BOOKED,
            booking_date=day, value_date=p.value_date, bank_reference=p.bank_reference, kind=p.kind,
            transactions=(tx,)))
    statements = []
    for currency, entries in sorted(by_currency.items()):
        opening = D("250000.00")  # camt.053 needs balances; closing is opening + the credits
        closing = opening + sum((e.amount for e in entries), D(0))
        statements.append(Statement(id=f"TWODAYS-{currency}-{day:%Y%m%d}", account=_OURS[currency], currency=currency,
                                    opening_balance=opening, closing_balance=closing, from_date=day, to_date=day,
                                    entries=tuple(entries)))
    return write_camt053(statements)


# -- reading the database -----------------------------------------------------------------------


def snapshot(session: Session) -> tuple[dict[str, frozenset[Alloc]], dict[str, str]]:
    """Live allocations and match status of every stored payment, by bank reference."""
    live: dict[str, set[Alloc]] = defaultdict(set)
    for ref, number, applied, discount, write_off in session.execute(
        select(BankEntry.bank_reference, Invoice.number, Application.applied_minor, Application.discount_minor,
               Application.write_off_minor)
        .join(BankTransaction, BankTransaction.id == Application.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .join(Invoice, Invoice.id == Application.invoice_id)
        .where(Application.status == "applied")
    ):
        live[ref].add((number, applied, discount, write_off))
    status = dict(session.execute(select(BankEntry.bank_reference, BankTransaction.match_status)
                                  .join(BankEntry, BankEntry.id == BankTransaction.entry_id)).all())
    return {k: frozenset(v) for k, v in live.items()}, status


def invariants(session: Session, opened: dict[str, int]) -> list[str]:
    """What must hold after every step, read from the database:
    - per payment: applied = its live applications, 0 ≤ applied ≤ amount;
    - per invoice: 0 ≤ open = open as imported − cash, discount and write-off of its live applications;
    - one audit event per money change naming who made it: exactly one `application.created`
      per application (its actor), one `application.reversed` per reversal (its reverser),
      one `invoice.created` per imported invoice; none pointing at nothing."""
    out: list[str] = []
    applied_by_tx: Counter[int] = Counter()
    settled_by_inv: Counter[int] = Counter()
    apps = session.execute(select(Application.id, Application.transaction_id, Application.invoice_id,
                                  Application.applied_minor, Application.discount_minor, Application.write_off_minor,
                                  Application.status, Application.actor, Application.reversed_by)).all()
    for app in apps:
        if app.status == "applied":
            applied_by_tx[app.transaction_id] += app.applied_minor
            settled_by_inv[app.invoice_id] += app.applied_minor + app.discount_minor + app.write_off_minor
    for tx_id, amount, applied, ref in session.execute(
            select(BankTransaction.id, BankTransaction.amount_minor, BankTransaction.applied_minor,
                   BankEntry.bank_reference).join(BankEntry, BankEntry.id == BankTransaction.entry_id)):
        if applied != applied_by_tx[tx_id] or applied < 0 or applied > (amount or 0):
            out.append(f"payment {ref}: applied {applied}, live applications {applied_by_tx[tx_id]}, amount {amount}")
    for inv_id, number, open_minor in session.execute(select(Invoice.id, Invoice.number, Invoice.open_minor)):
        want = opened.get(number, 0) - settled_by_inv[inv_id]
        if open_minor < 0 or open_minor != want:
            out.append(f"invoice {number}: open {open_minor}, imported open less applications {want}")
    events: dict[tuple[str, str], list[str]] = defaultdict(list)
    for action, entity_id, actor in session.execute(
            select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.actor)
            .where(AuditEvent.action.in_(("application.created", "application.reversed", "invoice.created")))):
        events[(action, entity_id)].append(actor)
    for app in apps:
        created = events.pop(("application.created", str(app.id)), [])
        if created != [app.actor] or not app.actor:
            out.append(f"application #{app.id} by {app.actor!r}: created events by {created}")
        if app.status == "reversed":
            reversed_ = events.pop(("application.reversed", str(app.id)), [])
            if reversed_ != [app.reversed_by]:
                out.append(f"application #{app.id} reversed by {app.reversed_by!r}: events by {reversed_}")
    for number in opened:
        created = events.pop(("invoice.created", number), [])
        if created != [AR_IMPORT]:
            out.append(f"invoice {number}: invoice.created events by {created}")
    out += [f"audit event {action} {entity} points at nothing" for action, entity in events]
    return out


# -- the run ------------------------------------------------------------------------------------


def play(days: TwoDays, *, reviewer: bool = True) -> Played:
    """Both days on a fresh database; `reviewer=False`: nobody applies anything by hand."""
    from core.settings import Settings
    from reconcile.invoice_rows import parse_book
    from reconcile.manual import ManualLine
    from workflows.cash import apply_by_hand
    from workflows.invoices import import_invoices
    from workflows.pipeline import match_settled
    from workflows.runtime import runtime

    started = time.perf_counter()
    played = Played()
    opened: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rt = runtime(Settings(database_url=f"sqlite:///{tmp}/remit.db", archive_dir=Path(tmp) / "archive"),
                     migrate=True)

        def check(step: str) -> None:
            with rt.unit_of_work() as s:
                played.live[step], played.status[step] = snapshot(s)
                played.reasons[step] = dict(s.execute(
                    select(BankEntry.bank_reference, ReviewItem.reason)
                    .join(BankTransaction, BankTransaction.entry_id == BankEntry.id)
                    .join(ReviewItem, ReviewItem.transaction_id == BankTransaction.id)
                    .where(ReviewItem.status == "open")).all())
                played.problems.extend(f"{step}: {p}" for p in invariants(s, opened))

        def import_book(name: str, invoices: list[Inv], first: bool) -> Any:
            book = parse_book(book_csv(days.customers, invoices, customer_columns=first), name)
            result = import_invoices(rt, book, file=name, actor=AR_IMPORT)
            if result.errors or book.errors:
                played.problems.append(f"{name}: {(result.errors or book.errors)[:3]}")
            opened.update((i.number, i.open) for i in invoices)
            return result

        def bank_day(name: str, cases: list[Case], day: date) -> None:
            path = Path(tmp) / name
            path.write_bytes(camt053(cases, day))
            result = rt.ingestor(actor=MATCHER).ingest_path(path, source="bench")
            if result.status != "parsed":
                played.problems.append(f"{name}: {result.status} {result.error or ''}")
            match_settled(rt, actor=MATCHER, today=day)

        import_book("book.csv", days.book, True)
        check("book")
        bank_day("day1.camt053.xml", days.day1, days.day1[0].payment.value_date)
        check("day1")
        if reviewer:
            hand = {c.payment.bank_reference: c for c in days.day1 if c.kind == "hand"}
            with rt.unit_of_work() as s:
                waiting = s.execute(select(BankTransaction.id, BankEntry.bank_reference)
                                    .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
                                    .where(BankTransaction.match_status == "review",
                                           BankEntry.bank_reference.in_(sorted(hand)))).all()
            for tx_id, ref in waiting:  # one click each: a unit of work of its own
                lines = [ManualLine(n, from_minor(a, hand[ref].payment.currency)) for n, a, _, _ in hand[ref].expected]
                apply_by_hand(rt, transaction_id=tx_id, lines=lines, actor=REVIEWER)
                played.hand_applied.add(ref)
        check("review")
        played.rematch_summary = import_book("invoices-next.csv", days.later, False).rematched
        check("import")
        bank_day("day2.camt053.xml", days.day2, DAY2)
        check("day2")
        with rt.unit_of_work() as s:
            from ledger.models import CustomerAccount, CustomerAlias

            learned = set(s.scalars(select(CustomerAccount.customer_id).where(CustomerAccount.source == "learned")))
            learned |= set(s.scalars(select(CustomerAlias.customer_id).where(CustomerAlias.source == "learned")))
            played.learned_payers = len(learned)
        rt.engine.dispose()
    played.seconds = time.perf_counter() - started
    return played


# -- scores ---------------------------------------------------------------------------------------


@dataclass
class Score:
    n: int = 0  # cases a correct engine must settle ("apply")
    right: int = 0  # of those, exactly right
    wrong: int = 0  # any case: an application it must not have, or not the expected one
    left: int = 0  # cases that must stay as they are, and did
    n_left: int = 0
    by_variant: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def right_pct(self) -> float:
        return 100.0 * self.right / self.n if self.n else 100.0

    def note(self, cls: str, case: Case, got: frozenset[Alloc], why: str = "") -> None:
        self.by_variant[case.variant][cls] += 1
        if cls in ("wrong", "miss") and len(self.examples[f"{cls} {case.variant}"]) < 3:
            p = case.payment
            self.examples[f"{cls} {case.variant}"].append(
                f"{p.bank_reference} {p.amount} {p.currency} payer={p.payer_name!r} acct={p.payer_account} "
                f"text={list(p.remittance)} customer={case.customer_id} want={sorted(case.after or case.expected)} "
                f"got={sorted(got)}" + (f" review={why}" if why else ""))


def _grade(score: Score, case: Case, want: frozenset[Alloc], got: frozenset[Alloc], before: frozenset[Alloc],
           must: str, why: str = "") -> None:
    """must: apply (want is the right end state), review/leave (nothing beyond `before`), may."""
    if must == "apply":
        score.n += 1
        cls = "right" if got == want else "miss" if got == before else "wrong"
        score.right += cls == "right"
    elif must == "may":
        cls = "right" if got == want else "review" if got == before else "wrong"
    else:
        score.n_left += 1
        cls = "left" if got == before else "wrong"
        score.left += cls == "left"
    score.wrong += cls == "wrong"
    score.note(cls, case, got, why)


def learned(days: TwoDays, played: Played, *, only_hand: bool = True) -> Score:
    """Day two of the payers whose day-one payment the reviewer applied by hand (all day-one
    unknown payers when `only_hand` is False, e.g. for the run without a reviewer)."""
    hand_payers = {c.payer for c in days.day1 if c.kind == "hand" and c.payment.bank_reference in played.hand_applied}
    score = Score()
    for case in days.day2:
        if only_hand and case.payer not in hand_payers:
            continue
        got = played.live["day2"].get(case.payment.bank_reference, frozenset())
        _grade(score, case, case.expected, got, frozenset(), case.must,
               played.reasons["day2"].get(case.payment.bank_reference, ""))
    return score


def rematched(days: TwoDays, played: Played) -> Score:
    """On-account money after the import: strong evidence applied exactly, the rest left alone;
    and day two must not move it again."""
    score = Score()
    for case in days.day1:
        if case.kind != "overpay":
            continue
        ref = case.payment.bank_reference
        before = played.live["review"].get(ref, frozenset())
        got = played.live["import"].get(ref, frozenset())
        if before != case.expected:  # day one did not leave the labelled rest on account
            score.note("day-one " + ("review" if not before else "other"), case, before)
        why = "day one " + played.reasons["day1"].get(ref, "-") + ", after import " + played.reasons["import"].get(ref, "-")
        _grade(score, case, case.after or case.expected, got, before, "apply" if case.strong else "leave", why)
        if played.live["day2"].get(ref, frozenset()) != got:
            score.wrong += 1
            score.note("wrong", case, played.live["day2"].get(ref, frozenset()))
    return score
