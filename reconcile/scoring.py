"""Evidence -> an integer score 0..100 with reasons a reviewer can read.

Why separate: the weights are the policy. They live in one table so they can be read,
argued about and tuned without touching the search code.

The score is the sum of three parts, clamped to 0..100:

  customer   payer account 40 · known name/alias (equal after normalization) 40 ·
             fuzzy name 20..32 (scaled from name_min_score to 99; a score of 100, e.g. a
             cut name equal to the customer's name prefix, counts like a known name) ·
             shared account 15 · ambiguous name 10 · payer name merely resembling the
             invoice's customer 10 · payer identified as a *different* customer -20
  reference  (all allocated invoices named) structured item / valid RF 62 · text 60 ·
             PO 40 · one-edit 35 only when the customer is identified and the amount settles
             the invoice, else 15; -15 when only some allocated invoices are named;
             -10 when the payment names other open invoices of the customer it leaves out
  amount     with a reference: settles exactly / with earned discount / structured 30,
             within fee tolerance 25, structured partial 22, expired discount 20,
             partial or over-payment 5, short 0.
             amount only: exact or earned discount 50 (subset: 50 if the search was
             exhaustive and at most 4 invoices, 40 for more, 35 if not exhaustive),
             fee tolerance 35, expired discount 40, short 10; -30 if the payment names
             other invoices (of this customer, or settling another customer's), -20 if
             another payment of the run names this invoice.
  subsets    -10 when other combinations fit as well (they tie: ambiguous).

With auto_threshold 90 this gives: exact reference + exact amount applies even from an
unknown payer (60+30, the third-party case); a one-edit reference needs an identified
customer (35+30+>=25); an amount alone needs the payer's account or known name (40+50,
and for a combination at most four invoices, unique in an exhaustive search); an amount with
no customer evidence at most 50; a referenced partial payment applies only with strong
customer evidence (60+5+>=25: account, known name, or a fuzzy name of about 93+).
Expired discounts, short-pays and anything without customer or reference evidence are
capped below the auto threshold: they are never applied automatically.

The 0..100 score is what reviewers see and what is stored as confidence. It saturates: an
exact fit and an over-payment of the same named invoice both reach 100. So the engine
decides on what does not saturate (issue 12): the uncapped sum (`Assessment.raw`, never
above the auto threshold when the score is held below it) for ranking and the margin, and
an evidence vector (`Strength`) for the ties the points cannot break.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconcile.amounts import SETTLING, Fit, Plan
from reconcile.customers import CustomerHit, Method
from reconcile.model import MatchSettings
from reconcile.references import SOURCE_RANK, Source

CUSTOMER_POINTS = {
    Method.ACCOUNT: 40,
    Method.ALIAS: 40,
    Method.ACCOUNT_SHARED: 15,
    Method.NAME_AMBIGUOUS: 10,
}
FUZZY_NAME_MIN, FUZZY_NAME_MAX = 20, 32
RESEMBLES = 10
CONFLICT = -20

REFERENCE_POINTS = {
    Source.STRUCTURED: 62,
    Source.RF: 62,
    Source.CREDITOR_REF: 60,
    Source.TEXT: 60,
    Source.PO: 40,
    Source.FUZZY: 35,
}
FUZZY_UNCONFIRMED = 15
PARTLY_NAMED = -15
LEAVES_OUT_NAMED = -10

WITH_REFERENCE = {
    Fit.EXACT: 30, Fit.DISCOUNT: 30, Fit.STRUCTURED: 30, Fit.WRITE_OFF: 25,
    Fit.STRUCTURED_PARTIAL: 22, Fit.DISCOUNT_EXPIRED: 20, Fit.PARTIAL: 5, Fit.OVER: 5, Fit.SHORT: 0,
}
AMOUNT_ONLY = {
    Fit.EXACT: 50, Fit.DISCOUNT: 50, Fit.DISCOUNT_EXPIRED: 40, Fit.WRITE_OFF: 35, Fit.SHORT: 10,
    Fit.OVER: 0, Fit.PARTIAL: 0, Fit.STRUCTURED: 0, Fit.STRUCTURED_PARTIAL: 0,
}
SUBSET_NOT_EXHAUSTIVE = 35
LARGE_SUBSET = 4  # more invoices than this in an unreferenced combination: easily a coincidence
LARGE_SUBSET_POINTS = 40
OTHER_SOLUTIONS = -10  # another combination fits just as well
NAMES_OTHERS = -30
NAMED_BY_ANOTHER = -20
NEVER_AUTO = frozenset({Fit.SHORT})
# An expired discount is applied as cash only (like a referenced partial payment), and only
# on an exact reference to that one invoice from a payer we identified.
EXACT_SOURCES = frozenset({Source.STRUCTURED, Source.RF, Source.CREDITOR_REF, Source.TEXT})


@dataclass(frozen=True, slots=True)
class CustomerEvidence:
    points: int
    reason: str | None
    identified: bool  # the payer evidence points at this customer (uniquely)


NO_CUSTOMER = CustomerEvidence(0, None, False)


def customer_evidence(hit: CustomerHit | None, settings: MatchSettings) -> CustomerEvidence:
    """Points for the payer evidence about one candidate customer."""
    if hit is None:
        return NO_CUSTOMER
    if hit.method is Method.NAME and hit.score >= 100:
        # Every character equal after normalization, e.g. a name the bank cut at 35 characters.
        return CustomerEvidence(CUSTOMER_POINTS[Method.ALIAS], hit.reason, True)
    if hit.method is Method.NAME:
        span = max(1, 100 - settings.name_min_score)
        extra = (max(0, hit.score - settings.name_min_score) * (FUZZY_NAME_MAX - FUZZY_NAME_MIN)) // span
        return CustomerEvidence(FUZZY_NAME_MIN + extra, hit.reason, True)
    identified = hit.method in (Method.ACCOUNT, Method.ALIAS)
    return CustomerEvidence(CUSTOMER_POINTS[hit.method], hit.reason, identified)


def resembling(score: int, shown: str, customer_id: str) -> CustomerEvidence:
    reason = f"payer name resembles '{shown}' of customer {customer_id} ({score})"
    return CustomerEvidence(RESEMBLES, reason, False)


def conflicting(payer: CustomerHit, customer_id: str) -> CustomerEvidence:
    return CustomerEvidence(CONFLICT, f"payer looks like customer {payer.customer_id}, not {customer_id} "
                            f"({payer.reason})", False)


@dataclass(slots=True)
class Evidence:
    """Everything known about one candidate allocation."""

    plan: Plan
    customer: CustomerEvidence
    sources: dict[int, Source] = field(default_factory=dict)  # invoice id -> reference source
    ref_reasons: list[str] = field(default_factory=list)
    leaves_out_named: int = 0  # named open invoices of this customer not in the plan
    named_elsewhere: bool = False  # amount only, but the payment names other invoices
    named_by_another: list[str] = field(default_factory=list)  # invoice numbers


# How well the amount fits, best first: settles everything > within the fee tolerance >
# settles with a caveat (cash only) > leaves money or an invoice open > short.
FIT_RANK = {
    Fit.EXACT: 4, Fit.DISCOUNT: 4, Fit.STRUCTURED: 4, Fit.WRITE_OFF: 3, Fit.DISCOUNT_EXPIRED: 2,
    Fit.STRUCTURED_PARTIAL: 1, Fit.PARTIAL: 1, Fit.OVER: 1, Fit.SHORT: 0,
}


MAX_GUESSED = 2  # unnamed invoices a plan may add and still win by dominance


@dataclass(frozen=True, slots=True)
class Strength:
    """The evidence of one candidate as a vector, each part higher = better, compared
    lexicographically for ranking (most telling first) and part by part for dominance."""

    reference: int  # points of the weakest named source in the plan (0: amount only)
    customer: int  # payer evidence points (negative: looks like another customer)
    fit: int  # FIT_RANK
    unique: int  # 1: no other combination fits as well, the search saw everything
    clean: int  # minus the named invoices it leaves out and the claims against it
    guessed: int = 0  # invoices in the plan the payment does not name (found by amount alone)

    def dominates(self, other: Strength) -> bool:
        """At least as strong in every part and stronger in one: `other` has nothing for it
        that this one lacks. A plan that adds more than MAX_GUESSED unnamed invoices to what
        the payment names dominates nothing: picking six of twenty similar invoices by their
        sum is a search result for a person to confirm, not evidence."""
        if self.guessed > MAX_GUESSED:
            return False
        mine, theirs = self.vector(), other.vector()
        return all(a >= b for a, b in zip(mine, theirs)) and mine != theirs

    def vector(self) -> tuple[int, ...]:
        return (self.reference, self.customer, self.fit, self.unique, self.clean)


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int  # 0..100: shown to reviewers, stored as confidence
    raw: int  # uncapped points, for ranking and the margin
    strength: Strength
    reasons: tuple[str, ...]


def score(e: Evidence, settings: MatchSettings) -> tuple[int, tuple[str, ...]]:
    a = assess(e, settings)
    return a.score, a.reasons


def assess(e: Evidence, settings: MatchSettings) -> Assessment:
    reasons: list[str] = []
    total = 0
    named = [e.sources[line.invoice.id] for line in e.plan.lines if line.invoice.id in e.sources]
    if e.customer.reason:
        reasons.append(e.customer.reason)
    total += e.customer.points
    if named:
        total += _reference_points(e, named)
        reasons += e.ref_reasons
        total += WITH_REFERENCE[e.plan.fit]
    else:
        total += _amount_only_points(e, reasons)
    reasons += e.plan.reasons
    if e.plan.subset and e.plan.solutions > 1:
        total += OTHER_SOLUTIONS
        reasons.append(f"{e.plan.solutions - 1} other combination(s) fit as well")
    if e.leaves_out_named and named:
        total += LEAVES_OUT_NAMED
        reasons.append(f"the payment also names {e.leaves_out_named} other open invoice(s) of this customer")
    raw = total
    if _never_auto(e, named):
        raw = min(raw, settings.auto_threshold - 1)  # ranks below anything that may apply
    return Assessment(max(0, min(100, raw)), raw, _strength(e, named), tuple(reasons))


def _strength(e: Evidence, named: list[Source]) -> Strength:
    reference = min((REFERENCE_POINTS[s] for s in named), default=0)
    if Source.FUZZY in named and not (e.customer.identified and e.plan.fit in SETTLING):
        reference = FUZZY_UNCONFIRMED
    plan = e.plan
    unique = int(plan.solutions <= 1 and plan.exhaustive)
    clean = -(e.leaves_out_named + int(e.named_elsewhere) + len(e.named_by_another))
    guessed = len(plan.lines) - len(named)
    return Strength(reference, e.customer.points, FIT_RANK[plan.fit], unique, clean, guessed)


def _reference_points(e: Evidence, named: list[Source]) -> int:
    weakest = max(named, key=SOURCE_RANK.__getitem__)
    points = REFERENCE_POINTS[weakest]
    if weakest is Source.FUZZY and not (e.customer.identified and e.plan.fit in SETTLING):
        points = FUZZY_UNCONFIRMED
    if len(named) < len(e.plan.lines):
        points += PARTLY_NAMED
    return points


def _amount_only_points(e: Evidence, reasons: list[str]) -> int:
    plan = e.plan
    points = AMOUNT_ONLY[plan.fit]
    if plan.subset and not plan.exhaustive and plan.fit in (Fit.EXACT, Fit.DISCOUNT):
        points = SUBSET_NOT_EXHAUSTIVE
        reasons.append("subset search did not see every open invoice of the customer")
    elif plan.subset and len(plan.lines) > LARGE_SUBSET:
        points = LARGE_SUBSET_POINTS
        reasons.append(f"a combination of {len(plan.lines)} invoices without remittance "
                       f"is easily a coincidence")
    if e.named_elsewhere:
        points += NAMES_OTHERS
        reasons.append("the remittance names other invoices, not this one")
    if e.named_by_another:
        points += NAMED_BY_ANOTHER
        reasons.append(f"{', '.join(e.named_by_another)} named by another payment of this run")
    return points


def _never_auto(e: Evidence, named: list[Source]) -> bool:
    if e.plan.fit in NEVER_AUTO:
        return True
    if e.plan.fit is Fit.DISCOUNT_EXPIRED and not (
        len(e.plan.lines) == 1 and e.customer.identified and EXACT_SOURCES.intersection(named)
    ):
        return True
    if not named and not e.customer.identified:
        return True  # an amount alone, or with a vague name, is a coincidence until proven
    return Source.FUZZY in named and not e.customer.identified
