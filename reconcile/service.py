"""Matching runs: pending bank transactions → decisions → applications and review items.

    match_pending(session, actor=..., settings=..., today=...) -> MatchSummary
    decide(session, today=..., settings=...) -> RunPlan          # reads only (--dry-run)

The job or command owns the transaction (this never commits). One run, linear in its size:

1. **Serialize.** The run holds the match lock (ledger/locks.py) for its transaction: runs
   in any number of processes queue one behind the other, and each sees what the previous
   one committed.
2. **Read** plain rows: the payments still unmatched (and, on request, in review), the
   returns among them and those still waiting for their original, the invoice book.
3. **Decide** in memory: returns find their originals (reconcile/returns.py), which are then
   never matched; the pure engine (reconcile.engine.match) decides the rest against the book
   as the returns leave it.
4. **Lock once, ordered**: every payment the run will change (by id), then every invoice
   (by id) — the order every writer uses, so runs and reviewers never deadlock — and compare
   them with what was read. A payment or invoice that changed meanwhile (a reviewer, an
   invoice import) drops the decisions that relied on it, and those that relied on what they
   touched; their payments stay unmatched for the next run (`MatchSummary.deferred`).
5. **Write in sets** through one `Postings` batch: applications, invoice balances, outbox
   and audit events, review items, payment statuses — a few statements, whatever the size.

Re-running is idempotent: only payments still unmatched (and, on request, those in review)
are considered, and a decision is written only against the state it was made on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from core.gc_pause import collector_paused
from ledger.locks import hold_match_lock
from ledger.repositories import invoices as invoice_repo
from ledger.write_behind import WriteBehind
from reconcile import loader, returns
from reconcile.loader import PaymentRow
from reconcile.model import Action, Decision, MatchSettings, OpenInvoice, ReviewReason
from reconcile.postings import (
    ApplicationError,
    LiveApplication,
    Postings,
    live_applications,
    lock_invoices,
    lock_payments,
)

# Called in the run's transaction with the ids of the invoices that got cash and the actor:
# how layers above reconcile (payment plans) follow what the matcher applied.
AfterApply = Callable[[Session, set[int], str], object]

Snapshot = invoice_repo.InvoiceSnapshot
WRITE_CHUNK = 5_000  # decisions per write: the server writes one chunk while the next is recorded


@dataclass
class MatchSummary:
    applied: int = 0
    review: int = 0
    ignored: int = 0
    returned: int = 0
    deferred: int = 0  # payments left unmatched: something they relied on changed meanwhile
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"applied": self.applied, "review": self.review, "ignored": self.ignored,
                "returned": self.returned, "deferred": self.deferred, "errors": self.errors}


@dataclass
class RunPlan:
    """What one run decided, before anything is written."""

    payments: dict[int, PaymentRow]  # every row read, by id
    invoices: dict[int, Snapshot]  # the book as read (before the returns' reversals)
    returns: list[returns.ReturnPlan]
    reversals: dict[int, list[LiveApplication]]  # original payment id -> its live applications
    no_amount: list[PaymentRow]
    decisions: list[Decision]


def decide(
    session: Session,
    *,
    today: date,
    settings: MatchSettings | None = None,
    transaction_ids: Sequence[int] | None = None,
    include_review: bool = False,
) -> RunPlan:
    """Read and decide; writes nothing."""
    statuses = ["unmatched", "review"] if include_review else ["unmatched"]
    rows = loader.load_payments(session, statuses, transaction_ids)
    payments = {r.id: r for r in [*rows, *loader.unresolved_returns(session)]}
    # A return still waiting for its original is left alone (no new version) until it comes.
    return_plans = [p for p in returns.plan(session, [r for r in payments.values() if r.is_return])
                    if p.original is not None or p.ret.match_status == "unmatched"]
    for p in return_plans:
        if p.original is not None:
            payments.setdefault(p.original.id, p.original)
    returned = {p.original.id for p in return_plans if p.original is not None}
    reversals: dict[int, list[LiveApplication]] = defaultdict(list)
    for app in live_applications(session, returned):
        reversals[app.transaction_id].append(app)
    pending = [r for r in rows if not r.is_return and r.id not in returned]
    no_amount = [r for r in pending if r.amount_minor is None]
    matchable = [p for r in pending if (p := loader.to_payment(r)) is not None]
    book = loader.load_book(session, today=today, also=[a.invoice_id for apps in reversals.values() for a in apps]) \
        if matchable or reversals else {}
    decisions: list[Decision] = []
    if matchable:
        from reconcile.engine import match  # the pure engine, loaded only when there is work for it

        decisions = match(matchable, loader.load_customers(session), _as_returns_leave_it(book, reversals),
                          settings or MatchSettings(), loader.load_plans(session))
    return RunPlan(payments, book, return_plans, dict(reversals), no_amount, decisions)


def match_pending(
    session: Session,
    *,
    actor: str,
    today: date,
    settings: MatchSettings | None = None,
    transaction_ids: Sequence[int] | None = None,
    include_review: bool = False,
    after_apply: AfterApply | None = None,
) -> MatchSummary:
    with collector_paused():
        return _match(session, actor=actor, today=today, settings=settings, transaction_ids=transaction_ids,
                      include_review=include_review, after_apply=after_apply)


def _match(session: Session, *, actor: str, today: date, settings: MatchSettings | None,
           transaction_ids: Sequence[int] | None, include_review: bool, after_apply: AfterApply | None) -> MatchSummary:
    hold_match_lock(session)
    run = decide(session, today=today, settings=settings, transaction_ids=transaction_ids,
                 include_review=include_review)
    summary = MatchSummary()
    postings = _lock(session, run, summary)
    if postings is None:
        return summary
    summary.returned += returns.write(postings, run.returns, run.reversals, actor=actor)
    for row in run.no_amount:
        if row.id not in postings.payments:
            continue
        postings.set_status(row.id, "review")
        postings.open_review(row.id, reason=ReviewReason.NO_AMOUNT.value, candidates=[], actor=actor,
                             explanation="The bank reported this transaction inside a batch without its own amount.")
        summary.review += 1
    # Decisions are written in chunks behind the recording of the next ones (ledger.write_behind).
    session.flush()
    with WriteBehind(session) as writer:
        for n, decision in enumerate(run.decisions, start=1):
            if decision.payment_id in postings.payments:
                _write(postings, decision, actor=actor, summary=summary)
            if n % WRITE_CHUNK == 0:
                postings.flush(writer, states=False)
        postings.flush(writer)
    postings.expire()
    if postings.touched_invoices and after_apply is not None:
        after_apply(session, set(postings.touched_invoices), actor)
    return summary


def dry_run_json(run: RunPlan) -> list[dict[str, object]]:
    """`remit match --dry-run --json`: one object per payment the run would change, by id."""
    out: list[dict[str, object]] = []
    for p in run.returns:
        out.append({"transaction_id": p.ret.id, "action": "return", "invoice_numbers": [],
                    "original_id": p.original.id if p.original else None, "score": None,
                    "reason": "returned_payment", "explanation": p.unresolved or f"undoes payment #{p.original.id}"})  # type: ignore[union-attr]
    for r in run.no_amount:
        out.append({"transaction_id": r.id, "action": "review", "invoice_numbers": [], "score": None,
                    "reason": "no_amount", "explanation": "no amount of its own"})
    for d in run.decisions:
        best = d.applied or (d.suggestions[0] if d.suggestions else None)
        out.append({"transaction_id": d.payment_id, "action": d.action.value,
                    "invoice_numbers": list(best.invoice_numbers) if best else [],
                    "score": best.score if best else None,
                    "reason": d.reason.value if d.reason else None, "explanation": d.explanation})
    return sorted(out, key=lambda o: o["transaction_id"])  # type: ignore[arg-type,return-value]


# -- read ----------------------------------------------------------------------------------


def _as_returns_leave_it(book: dict[int, Snapshot], reversals: dict[int, list[LiveApplication]]) -> list[OpenInvoice]:
    """The engine's book once the returns in this run have reopened their invoices."""
    adjusted = dict(book)
    for apps in reversals.values():
        for a in apps:
            inv = adjusted[a.invoice_id]
            adjusted[a.invoice_id] = inv._replace(
                open_minor=inv.open_minor + a.applied_minor + a.discount_minor + a.write_off_minor,
                discount_minor=inv.discount_minor - a.discount_minor,
                written_off_minor=inv.written_off_minor - a.write_off_minor, status="open")
    return [loader.to_open_invoice(r) for r in adjusted.values()]


# -- lock and check --------------------------------------------------------------------------


def _touched(decision: Decision) -> set[int]:
    """The invoices a decision relied on: those it applies to and those it suggests."""
    candidates = [*([decision.applied] if decision.applied is not None else []), *decision.suggestions]
    return {a.invoice_id for c in candidates for a in c.allocations}


def _lock(session: Session, run: RunPlan, summary: MatchSummary) -> Postings | None:
    """Lock what the run changes (payments, then invoices, by id); drop what moved meanwhile.
    None when there is nothing to write."""
    payment_ids = {r.id for r in run.no_amount} | {d.payment_id for d in run.decisions}
    for p in run.returns:
        payment_ids.add(p.ret.id)
        if p.original is not None:
            payment_ids.add(p.original.id)
    if not payment_ids:
        return None
    payments = lock_payments(session, payment_ids)
    moved_payments = {i for i in payment_ids
                      if i not in payments or (payments[i].match_status, payments[i].version) != run.payments[i].seen}
    invoice_ids = {a.invoice_id for apps in run.reversals.values() for a in apps}
    for d in run.decisions:
        if d.action is Action.APPLY and d.applied is not None:
            invoice_ids |= {a.invoice_id for a in d.applied.allocations}
    invoices = lock_invoices(session, invoice_ids)
    moved_invoices = {i for i in invoice_ids if i not in invoices or _changed(invoices[i], run.invoices.get(i))}
    if moved_payments or moved_invoices:
        _drop(run, moved_payments, moved_invoices, summary)
    kept = {r.id for r in run.no_amount} | {d.payment_id for d in run.decisions}
    kept |= {p.ret.id for p in run.returns} | {p.original.id for p in run.returns if p.original is not None}
    live = live_applications(session, [i for i in kept if payments[i].applied_minor > 0])
    return Postings(session, payments={i: payments[i] for i in kept}, invoices=invoices, live=live)


def _changed(locked: object, read: Snapshot | None) -> bool:
    if read is None:
        return True
    return (locked.open_minor, locked.discount_minor, locked.written_off_minor, locked.status,  # type: ignore[attr-defined]
            locked.amount_minor, locked.currency, locked.customer_id) != (  # type: ignore[attr-defined]
        read.open_minor, read.discount_minor, read.written_off_minor, read.status, read.amount_minor,
        read.currency, read.customer_id)


def _drop(run: RunPlan, moved_payments: set[int], moved_invoices: set[int], summary: MatchSummary) -> None:
    """Leave out every decision that relied on a payment or invoice that moved, and, since
    the engine spent each invoice in turn, every decision that relied on what those touched."""
    tainted = set(moved_invoices)
    dropped: set[int] = set()
    for p in run.returns:  # a return reopens its original's invoices: those decisions lean on it
        if p.original is not None and ({p.ret.id, p.original.id} & moved_payments):
            dropped |= {p.ret.id, p.original.id}
            tainted |= {a.invoice_id for a in run.reversals.get(p.original.id, [])}
    by_invoice: dict[int, list[Decision]] = defaultdict(list)
    touched = {d.payment_id: _touched(d) for d in run.decisions}
    for d in run.decisions:
        for i in touched[d.payment_id]:
            by_invoice[i].append(d)
        if d.payment_id in moved_payments:
            dropped.add(d.payment_id)
            tainted |= touched[d.payment_id]
    queue = list(tainted)
    while queue:
        for d in by_invoice.pop(queue.pop(), []):
            if d.payment_id not in dropped:
                dropped.add(d.payment_id)
                new = touched[d.payment_id] - tainted
                tainted |= new
                queue.extend(new)
    dropped |= {r.id for r in run.no_amount if r.id in moved_payments}
    dropped |= {p.ret.id for p in run.returns if p.ret.id in moved_payments}
    run.decisions = [d for d in run.decisions if d.payment_id not in dropped]
    run.no_amount = [r for r in run.no_amount if r.id not in dropped]
    run.returns = [p for p in run.returns if p.ret.id not in dropped]
    summary.deferred += len(dropped)


# -- write -----------------------------------------------------------------------------------


def _write(postings: Postings, decision: Decision, *, actor: str, summary: MatchSummary) -> None:
    tx_id = decision.payment_id
    if decision.action is Action.IGNORE:
        postings.set_status(tx_id, "ignored")
        summary.ignored += 1
        return
    if decision.action is Action.APPLY and decision.applied is not None:
        candidate = decision.applied
        try:
            postings.apply(tx_id, candidate.allocations, method="auto", actor=actor,
                           confidence=candidate.score, reasons=candidate.reasons)
        except ApplicationError as error:
            summary.errors.append(f"transaction #{tx_id}: {error}")
            postings.set_status(tx_id, "review")
            postings.open_review(tx_id, reason=ReviewReason.LOW_CONFIDENCE.value,
                                 explanation=f"Not applied: {error}", candidates=[candidate], actor=actor)
            summary.review += 1
            return
        summary.applied += 1
        if decision.reason is not None:  # applied but flagged, e.g. an over-payment left on account
            postings.open_review(tx_id, reason=decision.reason.value, explanation=decision.explanation,
                                 candidates=[candidate], actor=actor)
        else:
            postings.close_review(tx_id, status="resolved", resolution="applied automatically on a later run",
                                  actor=actor)
        return
    postings.set_status(tx_id, "review")
    postings.open_review(tx_id, reason=(decision.reason or ReviewReason.LOW_CONFIDENCE).value,
                         explanation=decision.explanation, candidates=decision.suggestions, actor=actor)
    summary.review += 1
