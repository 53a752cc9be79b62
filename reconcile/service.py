"""Matching runs: pending bank transactions → decisions → applications and review items.

    match_pending(session, actor=..., settings=..., today=...) -> MatchSummary

The job or command owns the transaction (this never commits). One run: returns and
reversals first undo what they name; then the invoice book and the payments are loaded, the
pure engine decides (reconcile.engine.match), and each decision is written: APPLY through
reconcile.apply (invariants checked, audited), REVIEW as one open review item with its
ranked suggestions, IGNORE for what is not receivables. Re-running is idempotent: only
payments still unmatched (and, on request, those in review) are considered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from reconcile import apply, loader, returns
from reconcile.model import Action, Decision, MatchSettings, ReviewReason

# Called in the run's transaction with the ids of the invoices that got cash and the actor:
# how layers above reconcile (payment plans) follow what the matcher applied.
AfterApply = Callable[[Session, set[int], str], object]


@dataclass
class MatchSummary:
    applied: int = 0
    review: int = 0
    ignored: int = 0
    returned: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"applied": self.applied, "review": self.review, "ignored": self.ignored,
                "returned": self.returned, "errors": self.errors}


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
    summary = MatchSummary()
    statuses = ["unmatched", "review"] if include_review else ["unmatched"]
    rows = session.execute(loader.payment_query(statuses, transaction_ids)).all()
    payments = []
    for tx, entry in rows:
        if loader.is_return(tx, entry):
            if tx.match_status == "unmatched":
                returns.process_return(session, tx, entry, actor=actor)
                summary.returned += 1
            continue
        payment = loader.to_payment(tx, entry)
        if payment is None:
            apply.set_match_status(session, tx.id, "review")
            apply.open_review(session, transaction_id=tx.id, reason=ReviewReason.NO_AMOUNT.value,
                              explanation="The bank reported this transaction inside a batch without its own amount.",
                              candidates=[], actor=actor)
            summary.review += 1
            continue
        payments.append(payment)
    if not payments:
        return summary
    from reconcile.engine import match  # the pure engine, loaded only when there is work for it

    decisions = match(payments, loader.load_customers(session), loader.load_invoices(session, today=today),
                      settings or MatchSettings(), loader.load_plans(session))
    for decision in decisions:
        _write(session, decision, actor=actor, summary=summary)
    session.flush()
    applied = {a.invoice_id for d in decisions if d.action is Action.APPLY and d.applied is not None
               for a in d.applied.allocations}
    if applied and after_apply is not None:
        after_apply(session, applied, actor)
    return summary


def _write(session: Session, decision: Decision, *, actor: str, summary: MatchSummary) -> None:
    tx_id = decision.payment_id
    if decision.action is Action.IGNORE:
        apply.set_match_status(session, tx_id, "ignored")
        summary.ignored += 1
        return
    if decision.action is Action.APPLY and decision.applied is not None:
        candidate = decision.applied
        try:
            with session.begin_nested():  # a refused application leaves nothing behind
                apply.apply_allocations(
                    session, transaction_id=tx_id, allocations=candidate.allocations, method="auto",
                    actor=actor, confidence=candidate.score, reasons=candidate.reasons,
                )
        except apply.ApplicationError as error:
            summary.errors.append(f"transaction #{tx_id}: {error}")
            apply.set_match_status(session, tx_id, "review")
            apply.open_review(session, transaction_id=tx_id, reason=ReviewReason.LOW_CONFIDENCE.value,
                              explanation=f"Not applied: {error}", candidates=[candidate], actor=actor)
            summary.review += 1
            return
        summary.applied += 1
        if decision.reason is not None:  # applied but flagged, e.g. an over-payment left on account
            apply.open_review(session, transaction_id=tx_id, reason=decision.reason.value,
                              explanation=decision.explanation, candidates=[candidate], actor=actor)
        else:
            apply.close_review(session, transaction_id=tx_id, status="resolved",
                               resolution="applied automatically on a later run", actor=actor)
        return
    apply.set_match_status(session, tx_id, "review")
    apply.open_review(
        session,
        transaction_id=tx_id,
        reason=(decision.reason or ReviewReason.LOW_CONFIDENCE).value,
        explanation=decision.explanation,
        candidates=decision.suggestions,
        actor=actor,
    )
    summary.review += 1
