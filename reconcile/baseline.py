"""A deliberately plain matcher, like the open-source ERPs, for the accuracy benchmark.

Why it exists: the benchmark reports remit's engine against this baseline. It does what
Odoo/ERPNext-style rules do (research notes §2-3): exact invoice-number tokens only (no
prefix stripping, no typo tolerance, no RF), else a greedy fill of the oldest open invoices
of the customer found by exact payer account. No fuzzy names, no discounts, no fee
write-offs, no subset search. Same signature and invariants as `reconcile.engine.match`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from core.records import Direction
from reconcile.model import (
    Action,
    Allocation,
    Candidate,
    Customer,
    Decision,
    MatchSettings,
    OpenInvoice,
    Payment,
    ReviewReason,
)

ZERO = Decimal(0)


def match(payments: Iterable[Payment], customers: Sequence[Customer], invoices: Sequence[OpenInvoice],
          settings: MatchSettings = MatchSettings()) -> list[Decision]:
    by_number = {inv.number.upper(): inv for inv in invoices}
    by_customer: dict[str, list[OpenInvoice]] = defaultdict(list)
    for inv in sorted(invoices, key=lambda i: (i.issue_date, i.id)):
        by_customer[inv.customer_id].append(inv)
    by_account = {acc: c.id for c in customers for acc in c.accounts}
    open_: dict[int, Decimal] = {inv.id: inv.open_amount for inv in invoices}
    payments = list(payments)
    decided: dict[int, Decision] = {}
    for i in sorted(range(len(payments)), key=lambda i: (payments[i].value_date, payments[i].id)):
        p = payments[i]
        if p.direction is Direction.DEBIT or p.amount <= ZERO:
            decided[i] = Decision(p.id, Action.IGNORE, explanation="not a receipt")
            continue
        words = {w.upper() for line in (*p.remittance, *p.references) for w in re.split(r"[\s,;]+", line)}
        words |= {d.number.upper() for d in p.invoices}
        named = [by_number[w] for w in sorted(words) if w in by_number]
        named = [inv for inv in named if inv.currency == p.currency and open_[inv.id] > ZERO]
        if named and sum(open_[inv.id] for inv in named) == p.amount:
            picks, reason = named, "invoice number in remittance"
        else:
            cid = by_account.get(p.payer_account or "")
            picks, left = [], p.amount
            for inv in by_customer.get(cid or "", []):  # greedy: oldest first while it fits
                if inv.currency == p.currency and ZERO < open_[inv.id] <= left:
                    picks.append(inv)
                    left -= open_[inv.id]
            reason = "greedy amount match by payer account"
            if left != ZERO:
                picks = []
        if not picks:
            decided[i] = Decision(p.id, Action.REVIEW, reason=ReviewReason.LOW_CONFIDENCE,
                                  explanation="No exact invoice number or amount match.")
            continue
        allocations = tuple(Allocation(inv.id, inv.number, open_[inv.id]) for inv in picks)
        for inv in picks:
            open_[inv.id] = ZERO
        candidate = Candidate(picks[0].customer_id, allocations, 100, (reason,))
        decided[i] = Decision(p.id, Action.APPLY, applied=candidate, explanation=reason)
    return [decided[i] for i in range(len(payments))]
