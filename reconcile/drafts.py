"""A candidate while the engine builds it (`Draft`), what it says, and the invariants of the
`Candidate` it becomes.

Why apart from engine.py: the engine decides (indexes, canonical order, open amounts); this is
the wording of its decisions (the reason a reference counts, the review reason of a plan's
fit, the sentences a reviewer reads) and the checks every candidate passes. Pure, like the
engine: nothing here reads a database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reconcile.amounts import SETTLING, WRITE_OFF_REASON, ZERO, Fit, Plan, fmt
from reconcile.model import Allocation, Candidate, MatchSettings, OpenInvoice, Payment, ReviewReason
from reconcile.references import Probe, RefHit, Source
from reconcile.scoring import Strength


@dataclass(slots=True)
class Draft:
    customer_id: str | None
    plan: Plan
    score: int
    reasons: tuple[str, ...]
    referenced: bool  # built on a reference (exact or one-edit), not on the amount alone
    conflict: bool = False  # the payer looks like another customer
    raw: int | None = None  # uncapped points (None: only the score is known, e.g. a plan draft)
    strength: Strength | None = None  # the evidence vector (None: not comparable part by part)
    # Every invoice named exactly (structured, RF, text) and the payer's account or exact
    # name is this customer's: nothing left for a person to confirm on a partial payment.
    corroborated: bool = False

    @property
    def points(self) -> int:
        """What ranks and what the margin measures: the uncapped points where known."""
        return self.score if self.raw is None else self.raw

    def sort_key(self) -> tuple[object, ...]:
        # The uncapped points refine the score (it is their clamp), the evidence vector breaks
        # their ties, and the rest only makes the order total.
        lines = self.plan.lines
        strength = () if self.strength is None else tuple(-v for v in self.strength.vector())
        return (-self.score, -self.points, self.plan.fit not in SETTLING, strength,
                min(line.invoice.issue_date for line in lines), tuple(line.invoice.number for line in lines),
                self.customer_id or "")


# -- which of two candidates wins ------------------------------------------------------------


def clear_lead(best: Draft, others: Sequence[Draft], settings: MatchSettings) -> bool:
    """Best beats every other candidate by the margin, on points that do not saturate; or, on
    the same payer evidence, by evidence the other does not match anywhere (dominance: e.g.
    the same named invoice, paid exactly with another open one vs. over-paid). Anything else
    between two candidates this close is a judgement for a person."""
    return all(_leads(best, other, settings) for other in others)


def _leads(best: Draft, other: Draft, settings: MatchSettings) -> bool:
    if best.raw is not None and other.raw is not None:
        lead = best.raw - other.raw
    else:  # a plan draft knows only its capped score: compare like with like
        lead = best.score - other.score
    return lead >= settings.margin or dominates(best, other)


def dominates(best: Draft, runner: Draft) -> bool:
    if best.strength is None or runner.strength is None:
        return False
    # Only between allocations of one customer on identical payer evidence: a stronger name
    # match of another customer by a point or two is no reason to pick it.
    if best.customer_id != runner.customer_id or best.strength.customer != runner.strength.customer:
        return False
    return best.strength.dominates(runner.strength)


def oldest_first(best: Draft, others: Sequence[Draft], settings: MatchSettings, paid_in_order: int) -> str | None:
    """Why best wins a tie evidence cannot break, or None (a person decides): every candidate
    it does not lead is the same customer's, one invoice paid exactly with the same evidence,
    none named by the payment; best's invoice is the oldest; and the customer has paid
    `paid_in_order` (> 0) invoices in issue order (reconcile.history)."""
    if (not paid_in_order or best.customer_id is None or best.referenced or len(best.plan.lines) != 1
            or best.plan.fit is not Fit.EXACT):
        return None
    issued = best.plan.lines[0].invoice.issue_date
    tied = [o for o in others if not _leads(best, o, settings)]
    for other in tied:
        if (other.customer_id != best.customer_id or other.referenced or len(other.plan.lines) != 1
                or other.plan.fit is not Fit.EXACT or other.strength != best.strength
                or other.plan.lines[0].invoice.issue_date <= issued):
            return None
    newer = ", ".join(sorted(o.plan.lines[0].invoice.number for o in tied))
    return (f"the oldest of the customer's invoices of this amount (before {newer}): its last "
            f"{paid_in_order} invoices were paid in issue order")


def preference_reason(best: Draft, runner: Draft, currency: str) -> str:
    """Why best beat a runner-up that scored as high (or nearly): the first telling part."""
    other = f"{_fit_words(runner, currency)} ({numbers_of(runner)})"
    b, r = best.strength, runner.strength
    if b is not None and r is not None:
        if b.reference > r.reference:
            return f"a stronger reference preferred over {other}"
        if b.fit > r.fit:
            return f"{_fit_words(best, currency)} preferred over {other}"
        if b.unique > r.unique:
            return f"the only combination that fits, preferred over {other}"
        if b.clean > r.clean:
            return f"no conflicting remittance, preferred over {other}"
    return f"stronger evidence ({best.points} points uncapped vs {runner.points}) than {other}"


def _fit_words(d: Draft, currency: str) -> str:
    match d.plan.fit:
        case Fit.EXACT | Fit.STRUCTURED:
            return "exact fit"
        case Fit.DISCOUNT:
            return "exact fit less an earned discount"
        case Fit.WRITE_OFF:
            return "fit within the fee tolerance"
        case Fit.OVER:
            return f"over-payment leaving {fmt(d.plan.unapplied, currency)} on account"
        case Fit.DISCOUNT_EXPIRED:
            return "expired discount"
        case Fit.SHORT:
            return "short payment"
        case _:
            return "partial payment"


# -- the invariants of a candidate ------------------------------------------------------------


def candidate_of(p: Payment, d: Draft, open_of: Callable[[OpenInvoice], Decimal]) -> Candidate:
    """The Candidate a draft becomes, checked: one currency, within each invoice's open
    amount (`open_of`: as the run has spent the book so far), the invariants below."""
    allocations = tuple(
        Allocation(line.invoice.id, line.invoice.number, line.applied, line.discount, line.write_off,
                   WRITE_OFF_REASON if line.write_off > ZERO else None)
        for line in d.plan.lines)
    for line in d.plan.lines:
        if line.invoice.currency != p.currency:
            raise AssertionError("allocation across currencies")
        if line.applied + line.discount + line.write_off > open_of(line.invoice):
            raise AssertionError(f"allocation exceeds the open amount of {line.invoice.number}")
    candidate = Candidate(d.customer_id, allocations, d.score, d.reasons, d.plan.unapplied)
    check_candidate(candidate, p.amount)
    return candidate


def check_candidate(candidate: Candidate, amount: Decimal) -> None:
    """Invariants of every candidate (DESIGN.md §4): exact split, nothing negative, distinct."""
    allocations = candidate.allocations
    _invariant(bool(allocations), "a candidate allocates to at least one invoice")
    _invariant(len({a.invoice_id for a in allocations}) == len(allocations),
               "allocations to distinct invoices")
    _invariant(all(a.applied >= ZERO and a.discount >= ZERO and a.write_off >= ZERO for a in allocations),
               "negative allocation")
    _invariant(candidate.unapplied >= ZERO, "negative unapplied amount")
    total = sum((a.applied for a in allocations), ZERO) + candidate.unapplied
    if total != amount:
        raise AssertionError(f"allocations {total} do not add up to the payment {amount}")
    _invariant(0 <= candidate.score <= 100, "score out of range")


def _invariant(condition: bool, message: str) -> None:
    if not condition:  # not `assert`: invariants must hold under python -O too
        raise AssertionError(message)


# -- what a draft says ------------------------------------------------------------------------

REASON_OF_FIT = {
    Fit.DISCOUNT_EXPIRED: ReviewReason.DISCOUNT_EXPIRED, Fit.SHORT: ReviewReason.SHORT_PAY,
    Fit.PARTIAL: ReviewReason.PARTIAL_PAYMENT, Fit.STRUCTURED_PARTIAL: ReviewReason.PARTIAL_PAYMENT,
    Fit.OVER: ReviewReason.OVER_PAYMENT,
}


def hit_reason(hit: RefHit) -> str:
    number = hit.invoice.number
    match hit.source:
        case Source.STRUCTURED:
            return f"invoice {number} named in structured remittance"
        case Source.RF:
            return f"creditor reference {hit.written} (check digits valid) carries invoice {number}"
        case Source.CREDITOR_REF:
            return f"structured reference {hit.written} names invoice {number}"
        case Source.PO:
            return f"PO {hit.written} matches invoice {number}"
        case _:
            return f"invoice {number} named in remittance (exact)"


def fuzzy_reason(inv: OpenInvoice, probe: Probe) -> str:
    return f"invoice {inv.number} ~ '{probe.written}' in remittance (one edit)"


def flag(plan: Plan, corroborated: bool = False) -> ReviewReason | None:
    """Why an applied payment still goes to the review queue, if it does."""
    if plan.unapplied > ZERO:
        return ReviewReason.OVER_PAYMENT
    if plan.fit in (Fit.PARTIAL, Fit.STRUCTURED_PARTIAL):
        # One invoice named exactly (scoring lets nothing weaker apply) and paid in part by a
        # payer whose account or exact name is the customer's: an instalment, nothing to ask.
        if corroborated and len(plan.lines) == 1:
            return None
        return ReviewReason.PARTIAL_PAYMENT
    if plan.fit is Fit.DISCOUNT_EXPIRED:
        return ReviewReason.DISCOUNT_EXPIRED  # applied as cash; collections decide on the rest
    return None


def numbers_of(d: Draft) -> str:
    return ", ".join(line.invoice.number for line in d.plan.lines)


def explain_apply(p: Payment, d: Draft, c: Candidate, preference: str | None = None) -> str:
    """The sentence a reviewer reads; `preference`: why it beat a runner-up that scored as
    high, said even when the reasons before it fill the sentence."""
    text = (f"Applied {fmt(p.amount, p.currency)} to {numbers_of(d)} of customer {d.customer_id} "
            f"(score {d.score}): {'; '.join(d.reasons[:3])}")
    if c.unapplied > ZERO:
        text += f"; {fmt(c.unapplied, p.currency)} left on account"
    elif d.plan.fit in (Fit.PARTIAL, Fit.STRUCTURED_PARTIAL):
        text += "; the invoice stays open for the rest"
        if d.corroborated and len(d.plan.lines) == 1:
            text += " (named exactly, paid by the customer's own account or name)"
    elif d.plan.fit is Fit.DISCOUNT_EXPIRED:
        text += "; the discount was taken after its window, so it was not granted and stays open"
    if preference is not None and preference not in d.reasons[:3]:
        text += f"; {preference}"
    return text + "."


def explain_ambiguous(best: Draft, runner: Draft) -> str:
    return (f"Two candidates are too close to call: {numbers_of(best)} ({best.score}) and "
            f"{numbers_of(runner)} ({runner.score}).")


def explain_fit(p: Payment, d: Draft) -> str:
    amount = fmt(p.amount, p.currency)
    match d.plan.fit:
        case Fit.DISCOUNT_EXPIRED:
            return (f"{amount} equals {numbers_of(d)} less its early-payment discount, but the discount "
                    f"window has passed: apply the cash and leave the unearned discount open?")
        case Fit.SHORT:
            return f"{amount} is short of the open amount of {numbers_of(d)} by more than the fee tolerance."
        case Fit.OVER if not d.plan.good_cover:
            return (f"{amount} pays {numbers_of(d)} in full but would leave {fmt(d.plan.unapplied, p.currency)} "
                    f"on account: no good cover of the payment by open invoices was found; "
                    f"find what else it pays.")
        case Fit.OVER:
            return (f"{amount} pays {numbers_of(d)} in full and leaves {fmt(d.plan.unapplied, p.currency)}; "
                    f"confirm before putting the rest on account.")
        case _:
            return f"{amount} pays only part of {numbers_of(d)}; confirm the partial application."
