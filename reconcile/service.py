"""Matching runs: pending bank transactions → decisions → applications and review items.

    match_pending(session, actor=..., settings=..., today=...) -> MatchSummary
    decide(session, today=..., settings=...) -> RunPlan          # reads only (--dry-run)

The job or command owns the transaction (this never commits). One run, linear in its size:

1. **Serialize.** The run holds the match lock (ledger/locks.py) for its transaction: runs
   in any number of processes queue one behind the other, and each sees what the previous
   one committed.
2. **Read and lock the payments**: those still unmatched (and, on request, in review), the
   returns among them and those still waiting for their original — row-locked by id as soon
   as they are read (payments, then invoices: the order every writer uses, so runs and
   reviewers never deadlock). One that changed in between (a reviewer) is left unmatched for
   the next run (`MatchSummary.deferred`), a return together with its original. Then the
   invoice book, and the invoices the returns reopen, locked.
3. **Decide** in memory: returns find their originals (reconcile/returns.py), which are then
   never matched; the pure engine decides the rest, in turn, against the book as the returns
   leave it (reconcile.engine.match_in_turn).
4. **Lock and write in chunks** while the engine goes on: each chunk's decisions lock the
   invoices they apply to (those not yet held; one another transaction holds is skipped, not
   waited for — a run holding earlier chunks' invoices never waits) and compare them with
   what was read. A decision that relied on an invoice that changed meanwhile is left for
   the next run, and so is every later decision touching what it touched (the engine spent
   the invoices in turn). The rest is recorded in one `Postings` batch and written in set
   statements behind the engine (ledger.write_behind): applications, invoice balances, outbox
   and audit events, review items, payment statuses — each payment and invoice row updated
   once at the end.

Re-running is idempotent: only payments still unmatched (and, on request, those in review)
are considered, and a decision is written only against the state it was made on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from core.forked import batches, batches_in_child
from core.gc_pause import collector_paused
from ledger.locks import hold_match_lock
from ledger.repositories import invoices as invoice_repo
from ledger.write_behind import WriteBehind
from reconcile import loader, returns
from reconcile.loader import PaymentRow
from reconcile.model import Action, Decision, MatchSettings, OpenInvoice, Payment, ReviewReason
from reconcile.postings import (
    ApplicationError,
    InvoiceState,
    LiveApplication,
    PaymentState,
    Postings,
    live_applications,
    lock_invoices,
    lock_payments,
)
from reconcile.rematch import remainders

# Called in the run's transaction with the ids of the invoices that got cash and the actor:
# how layers above reconcile (payment plans) follow what the matcher applied.
AfterApply = Callable[[Session, set[int], str], object]

Snapshot = invoice_repo.InvoiceSnapshot
WRITE_CHUNK = 5_000  # decisions per write: the server writes one chunk while the engine decides the next
ENGINE_PROCESS_MIN = 2_000  # payments from which the engine runs in a child process (below, forking and pickling cost more than they save)


@dataclass
class MatchSummary:
    applied: int = 0
    review: int = 0
    ignored: int = 0
    returned: int = 0
    deferred: int = 0  # payments left unmatched: something they relied on changed meanwhile
    errors: list[str] = field(default_factory=list)
    # Remittance advices linked to their payment before the matcher ran (reconcile/advice.py;
    # the payments they applied or sent to review are counted in applied and review too).
    advices: int = 0

    def as_json(self) -> dict[str, object]:
        return {"applied": self.applied, "review": self.review, "ignored": self.ignored,
                "returned": self.returned, "deferred": self.deferred, "errors": self.errors,
                "advices": self.advices}


@dataclass
class RunPlan:
    """What one run decided, before anything is written."""

    payments: dict[int, PaymentRow]  # every row read, by id
    invoices: dict[int, Snapshot]  # the book as read (before the returns' reversals)
    returns: list[returns.ReturnPlan]
    reversals: dict[int, list[LiveApplication]]  # original payment id -> its live applications
    no_amount: list[PaymentRow]
    decisions: list[Decision]  # all of them (decide); a run that writes streams them instead
    # A run that writes: the payments it holds locked, the invoices the returns reopen (locked)
    # and those of them that changed since the book was read.
    locked: dict[int, PaymentState] | None = None
    locked_invoices: dict[int, InvoiceState] = field(default_factory=dict)
    moved_invoices: set[int] = field(default_factory=set)
    today: date | None = None  # the run's date (the window of the customers' payment history)


def decide(
    session: Session,
    *,
    today: date,
    settings: MatchSettings | None = None,
    transaction_ids: Sequence[int] | None = None,
    include_review: bool = False,
    skip: Collection[int] = (),
) -> RunPlan:
    """Read and decide; writes nothing."""
    run, matchable = _read(session, today=today, transaction_ids=transaction_ids, include_review=include_review,
                           skip=skip)
    run.decisions = list(_engine(session, run, matchable, settings)())
    return run


def match_pending(
    session: Session,
    *,
    actor: str,
    today: date,
    settings: MatchSettings | None = None,
    transaction_ids: Sequence[int] | None = None,
    include_review: bool = False,
    after_apply: AfterApply | None = None,
    rematch: bool = False,
    skip: Collection[int] = (),
) -> MatchSummary:
    """rematch (reconcile/rematch.py): these `transaction_ids` only, in review or applied with
    money left on account; each is matched for what is left of it, and only applications are
    written (a payment the engine would send to review stays exactly as it was).
    skip: payments decided earlier in the caller's transaction (by their remittance advice),
    never decided again by the engine."""
    with collector_paused():
        return _match(session, actor=actor, today=today, settings=settings, transaction_ids=transaction_ids,
                      include_review=include_review, after_apply=after_apply, rematch=rematch, skip=skip)


def _match(session: Session, *, actor: str, today: date, settings: MatchSettings | None,
           transaction_ids: Sequence[int] | None, include_review: bool, after_apply: AfterApply | None,
           rematch: bool = False, skip: Collection[int] = ()) -> MatchSummary:
    hold_match_lock(session)
    summary = MatchSummary()
    run, matchable = _read(session, today=today, transaction_ids=transaction_ids, include_review=include_review,
                           summary=summary, rematch=rematch, skip=skip)
    if run.locked is None:
        return summary
    postings = Postings(session, payments=run.locked, invoices=run.locked_invoices,
                        live=live_applications(session, [i for i, p in run.locked.items() if p.applied_minor > 0]))
    summary.returned += returns.write(postings, run.returns, run.reversals, actor=actor)
    for row in run.no_amount:
        postings.set_status(row.id, "review")
        postings.open_review(row.id, reason=ReviewReason.NO_AMOUNT.value, candidates=[], actor=actor,
                             explanation="The bank reported this transaction inside a batch without its own amount.")
        summary.review += 1
    # Decisions come from the engine in turn and are written in chunks: the server writes one
    # chunk (ledger.write_behind) while the engine decides the next.
    session.flush()
    tainted = set(run.moved_invoices)
    with WriteBehind(session) as writer:
        for chunk in _decision_batches(session, run, matchable, settings):
            writer.drain()  # the connection is free again: lock what this chunk applies to
            tainted |= _lock_invoices(postings, run, chunk)
            kept = []
            for decision in chunk:  # in the engine's order, which spent the invoices in turn
                touched = _touched(decision)
                if touched & tainted:  # relied on what moved, or on what a deferred decision touched
                    tainted |= touched
                    summary.deferred += 1
                else:
                    kept.append(decision)
            # Recorded by payment id, as the payments were read: the review queue lists a
            # run's items in that order (balances end the same in any order: amounts only fall).
            for decision in sorted(kept, key=lambda d: d.payment_id):
                _write(postings, decision, actor=actor, summary=summary, apply_only=rematch)
            postings.flush(writer)
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


def _read(session: Session, *, today: date, transaction_ids: Sequence[int] | None, include_review: bool,
          summary: MatchSummary | None = None, rematch: bool = False,
          skip: Collection[int] = ()) -> tuple[RunPlan, list[Payment]]:
    """The run's payments, returns and book, and the payments for the engine. With a summary
    (a run that writes), the payments are row-locked as soon as they are read (by id, the
    order every writer uses), those that changed in between are left for the next run, and
    so are the invoices the returns reopen."""
    statuses = ["unmatched", "review"] if include_review else ["unmatched"]
    if rematch:  # money on account: in review, or applied with some of it left
        statuses = ["review", "applied"]
    rows = loader.load_payments(session, statuses, transaction_ids)
    if skip:
        rows = [r for r in rows if r.id not in skip]
    if rematch:
        rows = [r for r in rows if r.amount_minor is not None and r.applied_minor < r.amount_minor]
    payments = {r.id: r for r in [*rows, *loader.unresolved_returns(session)]}
    # A return still waiting for its original is left alone (no new version) until it comes.
    return_plans = [p for p in returns.plan(session, [r for r in payments.values() if r.is_return])
                    if p.original is not None or p.ret.match_status == "unmatched"]
    for p in return_plans:
        if p.original is not None:
            payments.setdefault(p.original.id, p.original)
    locked: dict[int, PaymentState] | None = None
    if summary is not None:
        locked = lock_payments(session, payments)
        moved = {i for i, r in payments.items()
                 if i not in locked or (locked[i].match_status, locked[i].version) != r.seen}
        considered = {r.id for r in rows}
        for p in return_plans:  # a return and its original go together
            pair = {p.ret.id} | ({p.original.id} if p.original is not None else set())
            considered |= pair
            if pair & moved:
                moved |= pair
        summary.deferred += len(moved & considered)
        rows = [r for r in rows if r.id not in moved]
        return_plans = [p for p in return_plans if p.ret.id not in moved]
        locked = {i: state for i, state in locked.items() if i not in moved}
    returned = {p.original.id for p in return_plans if p.original is not None}
    reversals: dict[int, list[LiveApplication]] = defaultdict(list)
    for app in live_applications(session, returned):
        reversals[app.transaction_id].append(app)
    pending = [r for r in rows if not r.is_return and r.id not in returned]
    no_amount = [r for r in pending if r.amount_minor is None]
    matchable = [p for r in pending if (p := loader.to_payment(r)) is not None]
    settled: set[int] = set()
    if rematch:
        matchable, settled = remainders(session, matchable, {r.id: r for r in pending})
    reopened = {a.invoice_id for apps in reversals.values() for a in apps}
    book = loader.load_book(session, today=today, also=reopened | settled) if matchable or reversals else {}
    run = RunPlan(payments, book, return_plans, dict(reversals), no_amount, [], today=today)
    if locked is not None and (no_amount or matchable or return_plans):
        run.locked, run.locked_invoices = locked, lock_invoices(session, reopened)
        run.moved_invoices = _moved(reopened, run.locked_invoices, book)
    return run, matchable


def _engine(session: Session, run: RunPlan, matchable: list[Payment],
            settings: MatchSettings | None) -> Callable[[], Iterator[Decision]]:
    """The engine's decisions, in the order it makes them, against the book as the returns
    leave it: what it needs from the database is read now; calling the result decides."""
    if not matchable:
        return lambda: iter(())
    from reconcile.engine import (
        match_in_turn,  # the pure engine, loaded only when there is work for it
    )

    customers, plans = loader.load_customers(session, today=run.today), loader.load_plans(session)
    book, reversals = run.invoices, run.reversals
    return lambda: match_in_turn(matchable, customers, _as_returns_leave_it(book, reversals),
                                 settings or MatchSettings(), plans)


def _decision_batches(session: Session, run: RunPlan, matchable: list[Payment],
                      settings: MatchSettings | None) -> Iterator[list[Decision]]:
    """Chunks of decisions; a large run's are made in a forked child (core.forked), on the
    other core, while this process writes the chunks before."""
    decide_all = _engine(session, run, matchable, settings)
    if len(matchable) < ENGINE_PROCESS_MIN:
        return batches(decide_all(), WRITE_CHUNK)
    return batches_in_child(decide_all, size=WRITE_CHUNK)


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


def _lock_invoices(postings: Postings, run: RunPlan, chunk: list[Decision]) -> set[int]:
    """Lock the invoices this chunk applies to that the run holds no lock on yet; those that
    changed since the book was read — or that another transaction holds right now (skipped,
    never waited for: a run holding earlier chunks' invoices must not wait in another order)
    — are returned as moved."""
    wanted = {a.invoice_id for d in chunk if d.action is Action.APPLY and d.applied is not None
              for a in d.applied.allocations} - postings.invoices.keys()
    if not wanted:
        return set()
    locked = lock_invoices(postings.session, wanted, skip_locked=True)
    moved = _moved(wanted, locked, run.invoices)
    postings.invoices.update({i: state for i, state in locked.items() if i not in moved})
    return moved


def _moved(ids: set[int], locked: dict[int, InvoiceState], read: dict[int, Snapshot]) -> set[int]:
    """Of these invoices, those not locked (gone, or held elsewhere) or changed since read."""
    return {i for i in ids if i not in locked or _changed(locked[i], read.get(i))}


def _changed(locked: object, read: Snapshot | None) -> bool:
    if read is None:
        return True
    return (locked.open_minor, locked.discount_minor, locked.written_off_minor, locked.status,  # type: ignore[attr-defined]
            locked.amount_minor, locked.currency, locked.customer_id) != (  # type: ignore[attr-defined]
        read.open_minor, read.discount_minor, read.written_off_minor, read.status, read.amount_minor,
        read.currency, read.customer_id)


# -- write -----------------------------------------------------------------------------------


def _write(postings: Postings, decision: Decision, *, actor: str, summary: MatchSummary,
           apply_only: bool = False) -> None:
    tx_id = decision.payment_id
    if apply_only and decision.action is not Action.APPLY:
        summary.review += 1  # left as it was: in review, or applied with the rest on account
        return
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
            if apply_only:
                summary.review += 1
                return
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
