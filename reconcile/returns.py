"""Returns and reversals: find the original payment, reverse its applications, flag it.

An ACH return (addenda 99) names the original entry's trace number; a camt return (RtrInf) or
reversal (RvslInd) carries the original end-to-end id; a BAI2 returned item rarely names
anything. The original is the one booked payment (not itself a return) of the same amount
with that transaction or end-to-end id.

Resolved in any order of arrival, as part of the matching run (reconcile/service.py):
  - original and return in one file or run: the original is never matched, only returned;
  - original applied earlier: its applications are reversed (invoices reopen, discounts
    too) in the run's transaction;
  - return first: it waits in review ("original not known here") and is tried again on
    every run — also after a reviewer dismissed it — so the original, when it comes, arrives
    already returned and is never applied.
A returned payment is final (reconcile.postings refuses to apply it) — unless the bank
dishonors the return (ACH R61–R69, the ODFI refusing an untimely or wrong return): the
dishonored return names the same original, and undoes the return — the payment stands again
(unmatched: the next run matches it afresh). A contested dishonor (R71–R77) goes to review:
whose word holds is a person's call. Each resolved return raises a "returned payment" review
item naming what was undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reconcile import loader
from reconcile.loader import PaymentRow
from reconcile.model import ReviewReason
from reconcile.postings import LiveApplication, Postings


@dataclass(frozen=True, slots=True)
class ReturnPlan:
    """What a run will do with one return: undo `original`, or say why it cannot."""

    ret: PaymentRow
    original: PaymentRow | None
    unresolved: str | None = None  # why no original (explanation for the review item)
    dishonor: bool = False  # undoes the original's return, not the original

    @property
    def code(self) -> str:
        return self.ret.return_reason or "reversal"

    def reference(self) -> str | None:
        return self.ret.return_original_reference or self.ret.end_to_end_id


def plan(session: Session, returns: Sequence[PaymentRow]) -> list[ReturnPlan]:
    """One plan per return, in id order; each original undone by one return at most."""
    refs = {r.id: ref for r in returns if (ref := r.return_original_reference or r.end_to_end_id)}
    candidates = loader.originals_by_reference(session, refs.values())
    taken: set[int] = set()
    plans = []
    for r in sorted(returns, key=lambda row: row.id):
        ref = refs.get(r.id)
        found = [o for o in candidates.get(ref, ()) if o.id != r.id and o.amount_minor == r.amount_minor] if ref else []
        found = list({o.id: o for o in found}.values())
        if len(found) != 1:
            why = ("names no original payment" if not ref else
                   f"the original payment {ref} is not known here" if not found else
                   f"{len(found)} payments carry the reference {ref}: which one came back is not clear")
            plans.append(ReturnPlan(r, None, why))
            continue
        original = found[0]
        info = r.return_info or {}
        if info.get("contested_code"):
            plans.append(ReturnPlan(r, None, f"the receiving bank contests ({info['contested_code']}) the dishonor "
                                             f"of its return of {ref}: a person decides whether the payment stands"))
            continue
        if info.get("dishonored_code"):
            if original.match_status != "returned" or original.id in taken:
                plans.append(ReturnPlan(r, None, f"dishonored return ({info['dishonored_code']}) of {ref}, "
                                                 "whose return is not known here"))
                continue
            taken.add(original.id)
            plans.append(ReturnPlan(r, original, dishonor=True))
            continue
        if original.match_status == "returned" or original.id in taken:
            plans.append(ReturnPlan(r, None, f"payment #{original.id} ({ref}) was already returned"))
            continue
        taken.add(original.id)
        plans.append(ReturnPlan(r, original))
    return plans


def write(postings: Postings, plans: Sequence[ReturnPlan], reversals: dict[int, list[LiveApplication]],
          *, actor: str) -> int:
    """Record the plans in the batch; how many returns it settled or flagged."""
    done = 0
    for p in plans:
        ret = p.ret
        if p.original is None:
            postings.set_status(ret.id, "review")
            postings.open_review(ret.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                                 explanation=f"Returned payment ({p.ret.return_reason or 'no reason code'}); "
                                             f"{p.unresolved}.")
            done += 1
            continue
        original = p.original
        if p.dishonor:  # the return is undone: the payment stands again, to be matched afresh
            postings.set_status(original.id, "unmatched")
            postings.set_status(ret.id, "returned")
            code = (ret.return_info or {}).get("dishonored_code")
            postings.open_review(ret.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                                 explanation=f"Dishonored return ({code}): the return of payment #{original.id} "
                                             "is undone; the payment stands again and is matched afresh.")
            done += 1
            continue
        reopened = postings.reverse(original.id, reversals.get(original.id, []), actor=actor,
                                    reason=f"returned: {p.code} (transaction #{ret.id})")
        postings.close_review(original.id, status="resolved", resolution=f"payment returned ({p.code})", actor=actor)
        postings.set_status(original.id, "returned")
        postings.set_status(ret.id, "returned")
        if reopened:
            what = f"applications to {', '.join(reopened)} reversed, invoices reopened."
        elif ret.id < original.id:
            what = "it arrived after its return and was never applied."
        else:
            what = "it had no applications."
        postings.open_review(ret.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                             explanation=f"Payment #{original.id} came back ({p.code}): {what}")
        done += 1
    return done
