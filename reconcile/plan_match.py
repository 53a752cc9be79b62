"""Payment-plan evidence for the matcher (pure): a payment that quotes a plan's reference, or
that an identified customer pays in exactly the amount of their plan's next instalment.

Why apart from engine.py: the engine stays about invoices; this module knows how a plan turns
into an allocation (the plan's invoices, oldest due first, like a reviewer would apply it)
and how much the evidence is worth, on the scorer's scale (reconcile/scoring.py):

  quoted   plan reference 60 (like an invoice number in text) + customer points +
           amount 30 when it ends on an instalment boundary (the next instalment, several,
           or the whole balance), 5 for part of an instalment or more than the balance.
  amount   only for an identified payer, and only when the remittance names none of the
           customer's invoices (a payment quoting INV-9 is INV-9's, whatever the plan):
           customer points + 50 (like an exact open amount) for the next instalment's
           remaining amount exactly.

So the auto threshold and margin decide as for invoices: a quoted plan paid on a boundary
applies even from an unknown payer (60 + 30); an unquoted one needs the payer's account or
known name (40 + 50); an instalment amount that also fits another open invoice of the
customer is ambiguous and goes to review.

Progress is the waterfall of receivables/plans.py: paid = scheduled total - the plan
invoices' open amounts in this run's memory (so two instalments paid in one file are
instalment 1 and instalment 2).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reconcile.amounts import ZERO, Fit, Line, Plan, fmt
from reconcile.model import ActivePlan, OpenInvoice, Payment, PlanInstalment
from reconcile.references import Source
from reconcile.scoring import AMOUNT_ONLY, REFERENCE_POINTS, WITH_REFERENCE, CustomerEvidence

# "PLAN-7", "plan 7", "PLAN007", "RF18 PLAN7"; not "PLAN-7A" nor "PLAN-70" for plan 7.
_QUOTE = re.compile(r"(?<![A-Z0-9])(?:RF\d{2}\s?)?PLAN[-\s/#:]?0*([1-9]\d{0,8})(?![A-Z0-9])")
_KEY = re.compile(r"^PLAN-?0*([1-9]\d{0,8})$")
LEAVES_OUT_NAMED = -10

OpenOf = Callable[[OpenInvoice], Decimal]


def plan_key(reference: str) -> str | None:
    m = _KEY.match(reference.strip().upper())
    return f"PLAN{m.group(1)}" if m else None


class PlanIndex:
    """Active plans by customer and by reference key, with their invoices (built once a run)."""

    def __init__(self, plans: Sequence[ActivePlan], invoices: Sequence[OpenInvoice]) -> None:
        self.by_customer: dict[str, list[ActivePlan]] = defaultdict(list)
        self.by_key: dict[str, ActivePlan] = {}
        self.invoices: dict[int, list[OpenInvoice]] = {}
        wanted = {i for plan in plans for i in plan.invoice_ids}
        # One pass over the book, and none at all without plans (the matcher's common case).
        found = {inv.id: inv for inv in invoices if inv.id in wanted} if wanted else {}
        for plan in sorted(plans, key=lambda p: p.id):
            self.by_customer[plan.customer_id].append(plan)
            if key := plan_key(plan.reference):
                self.by_key[key] = plan
            # Oldest due first: the order a plan's cash settles its invoices. An invoice the
            # run did not load (paid long ago) has nothing open and is left out.
            self.invoices[plan.id] = sorted(
                (found[i] for i in plan.invoice_ids if i in found),
                key=lambda inv: (inv.due_date or inv.issue_date, inv.issue_date, inv.id),
            )

    def __bool__(self) -> bool:
        return bool(self.invoices)

    def quoted(self, p: Payment) -> list[ActivePlan]:
        texts = [
            *p.remittance,
            *p.references,
            *(d.number for d in p.invoices),
            p.end_to_end_id or "",
        ]
        out: dict[int, ActivePlan] = {}
        for text in texts:
            for m in _QUOTE.finditer(text.upper()):
                plan = self.by_key.get(f"PLAN{m.group(1)}")
                if plan is not None:
                    out[plan.id] = plan
        return [out[k] for k in sorted(out)]

    def plan_invoice_ids(self, plan: ActivePlan) -> set[int]:
        return {inv.id for inv in self.invoices[plan.id]}

    def remaining(self, plan: ActivePlan, open_of: OpenOf) -> list[tuple[PlanInstalment, Decimal]]:
        """Each unpaid instalment with what is left of it, earliest first."""
        balance = sum((open_of(inv) for inv in self.invoices[plan.id]), ZERO)
        credited = sum((i.amount for i in plan.instalments), ZERO) - balance
        out = []
        for inst in plan.instalments:
            take = min(inst.amount, max(ZERO, credited))
            credited -= take
            if inst.amount - take > ZERO:
                out.append((inst, inst.amount - take))
        return out

    def next_due(self, plan: ActivePlan, open_of: OpenOf) -> Decimal | None:
        left = self.remaining(plan, open_of)
        return left[0][1] if left else None


@dataclass(frozen=True, slots=True)
class PlanDraft:
    plan: Plan  # the allocation (reconcile.amounts.Plan)
    score: int
    reasons: tuple[str, ...]


def draft(
    index: PlanIndex,
    plan: ActivePlan,
    p: Payment,
    open_of: OpenOf,
    cev: CustomerEvidence,
    *,
    quoted: bool,
    leaves_out_named: bool = False,
) -> PlanDraft | None:
    """The payment applied to the plan's invoices, oldest due first; None if nothing is open."""
    left = index.remaining(plan, open_of)
    if not left:
        return None
    lines, rest = [], p.amount
    for inv in index.invoices[plan.id]:
        o = open_of(inv)
        if o > ZERO and rest > ZERO:
            take = min(o, rest)
            lines.append(Line(inv, take))
            rest -= take
    if not lines:
        return None
    covered, cum, boundary = [], ZERO, False
    for inst, due in left:
        covered.append(inst)
        cum += due
        if cum >= p.amount:
            boundary = cum == p.amount
            break
    fit = Fit.OVER if rest > ZERO else Fit.EXACT if boundary else Fit.PARTIAL
    what = _label(plan, covered, left, p, fit)
    reasons = [what]
    if cev.reason:
        reasons.append(cev.reason)
    if quoted:
        reasons.append(f"plan reference {plan.reference} quoted in remittance")
        points = REFERENCE_POINTS[Source.TEXT] + WITH_REFERENCE[fit]
        if leaves_out_named:
            points += LEAVES_OUT_NAMED
            reasons.append("the payment also names other open invoices of this customer")
    else:
        if fit is not Fit.EXACT or len(covered) != 1:
            return None  # unquoted: the next instalment's exact amount, nothing else
        points = AMOUNT_ONLY[Fit.EXACT]
    if rest > ZERO:
        reasons.append(f"{fmt(rest, p.currency)} more than the plan's open balance")
    total = max(0, min(100, cev.points + points))
    alloc = Plan(fit, tuple(lines), rest, ())
    return PlanDraft(alloc, total, tuple(reasons))


def _label(
    plan: ActivePlan,
    covered: list[PlanInstalment],
    left: list[tuple[PlanInstalment, Decimal]],
    p: Payment,
    fit: Fit,
) -> str:
    count = len(plan.instalments)
    first, last = covered[0], covered[-1]
    seqs = (
        f"instalment {first.seq} of {count}"
        if first is last
        else f"instalments {first.seq}-{last.seq} of {count}"
    )
    due = f"due {first.due_date}"
    if fit is Fit.PARTIAL:
        return (
            f"pays {fmt(p.amount, p.currency)} towards plan {plan.reference} {seqs} "
            f"({fmt(left[0][1], p.currency)} {due})"
        )
    if fit is Fit.OVER:
        return f"pays plan {plan.reference} in full ({seqs}, {due})"
    return f"pays plan {plan.reference} {seqs} ({due})"
