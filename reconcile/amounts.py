"""How a payment amount can settle invoices: exact, discounted, fees, partial, combined.

Why separate: this is where money is split, so it is kept small, exact (Decimal in, Decimal
out; integer minor units inside the subset search) and free of any scoring opinion. A
`Plan` says how the cash would be applied and what kind of fit it is; the scorer decides
how much to trust it.

Subset search ("one payment, N invoices") is an exact, bounded depth-first search, not a
greedy fill (reconcile.subsets): at most `max_size` invoices per subset. Node budgets (per
search, and a pool shared by the run, see `Budget`) keep a customer with hundreds of open
invoices from stalling a run. It reports up to three solutions (two are enough to call a
payment ambiguous) and whether it searched everything.

Short amounts: within the fee tolerance (an absolute amount per currency) they are bank
charges, written off, unless the shortfall is exactly an early-payment discount (earned:
granted; expired: cash only and review, never a fee); one named invoice paid in part is a
partial payment; anything else short is a short-pay suggestion for review (unreferenced:
only if it covers at least half an invoice).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from core.money import exponent
from core.terms import last_discount_day
from reconcile.model import MatchSettings, OpenInvoice
from reconcile.subsets import MAX_SOLUTIONS, MITM_STATES, NODE_BUDGET, find_subsets, meet_in_the_middle

ZERO = Decimal(0)
# DFS node budgets (MatchSettings has no field for them). Measured on the labelled benchmark
# day: subsets that are then applied need a median of 23 nodes (max ~3.4k); what burns nodes
# is failing searches in 40-invoice windows, which end in review anyway (NODE_BUDGET: per search).
SEARCH_FLOOR = 500  # per search even when the run's pool is spent: easy cases still solve
RUN_NODES_BASE, RUN_NODES_PER_PAYMENT = 2_000_000, 300  # the pool shared by a run's searches
WRITE_OFF_REASON = "bank_charges"
# An over-payment of named invoices may apply (flagged) while at most half of it is left on
# account: the payer said what it pays, and a person looks at the rest either way. Beyond
# that most of the cash is unexplained (the issue's "poor subset with most of the money on
# account"): a person finds what else it pays.
OVER_COVER_SHARE = 2
SHORT_PAY_SHARE = 2  # an unreferenced payment is a short-pay suggestion if it is >= 1/2 of the invoice


class Fit(StrEnum):
    EXACT = "exact"  # open amount(s) paid in full
    DISCOUNT = "discount"  # paid in full less an earned early-payment discount
    STRUCTURED = "structured"  # structured remittance amounts, each settling its invoice
    STRUCTURED_PARTIAL = "structured_partial"  # structured amounts, some invoices stay open
    WRITE_OFF = "write_off"  # short by bank charges within tolerance
    OVER = "over"  # everything named paid, money left on account
    PARTIAL = "partial"  # one invoice, paid in part
    SHORT = "short"  # short beyond tolerance (suggestion only)
    DISCOUNT_EXPIRED = "discount_expired"  # discount taken after its window: cash only, rest stays open


SETTLING = frozenset({Fit.EXACT, Fit.DISCOUNT, Fit.STRUCTURED, Fit.WRITE_OFF})


@dataclass(slots=True)
class Budget:
    """Subset-search nodes left in this run. Shared, so that a customer with thousands of
    open invoices and many unreferenced payments costs a bounded share; once it is spent each
    search still gets SEARCH_FLOOR nodes, so the run stays linear and easy cases still solve."""

    left: int
    # Also per run: each invoice's early-payment discount for a payment date and grace days
    # (before the open-amount check), by invoice object — the invoice kept, so its id stays its.
    discounts: dict[tuple[int, date, int], tuple[OpenInvoice, Discount | None]] = field(
        default_factory=dict, compare=False, repr=False)
    discount_bases: dict[int, tuple[OpenInvoice, tuple[date, Decimal] | None]] = field(
        default_factory=dict, compare=False, repr=False)  # ... and whatever the payment date

    @classmethod
    def for_run(cls, payments: int) -> Budget:
        return cls(RUN_NODES_BASE + RUN_NODES_PER_PAYMENT * payments)


@dataclass(frozen=True, slots=True)
class Item:
    """An invoice with its open amount at this point of the run."""

    invoice: OpenInvoice
    open: Decimal


@dataclass(frozen=True, slots=True)
class Line:
    invoice: OpenInvoice
    applied: Decimal
    discount: Decimal = ZERO
    write_off: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Plan:
    fit: Fit
    lines: tuple[Line, ...]
    unapplied: Decimal
    reasons: tuple[str, ...]
    subset: bool = False  # chosen by subset search among more invoices
    exhaustive: bool = True  # the search saw every eligible invoice, within budget
    solutions: int = 1  # equally good subsets found (>1: ambiguous)
    good_cover: bool = True  # False: an over-payment leaving most of the cash unexplained (never auto)


@dataclass(frozen=True, slots=True)
class Discount:
    amount: Decimal
    percent: Decimal
    deadline: date
    last_day: date  # deadline plus grace days
    earned: bool

    def reason(self, number: str, paid: date) -> str:
        pct = format(self.percent.normalize(), "f")
        if not self.earned:
            return (f"{pct}% discount on {number} taken after its window (paid {paid}, "
                    f"window to {self.deadline})")
        grace = f", within {(self.last_day - self.deadline).days} grace days" if paid > self.deadline else ""
        return f"{pct}% discount earned on {number} (paid {paid}, window to {self.deadline}{grace})"


def fmt(amount: Decimal, currency: str) -> str:
    return f"{amount.quantize(_quantum(currency)):f} {currency}"


@lru_cache(maxsize=256)
def _quantum(currency: str) -> Decimal:
    """The currency's minor unit (0.01 for EUR)."""
    return Decimal(1).scaleb(-exponent(currency))


@lru_cache(maxsize=1 << 14)  # a value depends on the number only, never on its exponent
def minor(amount: Decimal, currency: str) -> int | None:
    """Exact integer minor units, None if the amount has sub-minor digits."""
    scaled = amount.scaleb(exponent(currency))
    integral = scaled.to_integral_value()
    return int(integral) if scaled == integral else None


def discount_for(item: Item, paid: date, grace_days: int, budget: Budget | None = None) -> Discount | None:
    """The early-payment discount still available on an invoice, earned or not.
    `budget`: the run's, whose memo saves working out the same invoice's terms again."""
    inv = item.invoice
    terms = inv.terms
    if terms is None or terms.discount_percent is None:
        return None
    if budget is None:
        disc = _discount(inv, paid, grace_days)
    else:
        key = (id(inv), paid, grace_days)
        hit = budget.discounts.get(key)
        if hit is not None and hit[0] is inv:
            disc = hit[1]
        else:
            base = budget.discount_bases.get(key[0])
            if base is None or base[0] is not inv:
                base = budget.discount_bases[key[0]] = (inv, _discount_base(inv))
            disc = _discount_on(base[1], terms.discount_percent, paid, grace_days)
            budget.discounts[key] = (inv, disc)
    return disc if disc is not None and disc.amount < item.open else None


def _discount(inv: OpenInvoice, paid: date, grace_days: int) -> Discount | None:
    """`discount_for` before the check against the open amount (which changes in a run)."""
    terms = inv.terms
    if terms is None or terms.discount_percent is None:
        return None
    return _discount_on(_discount_base(inv), terms.discount_percent, paid, grace_days)


def _discount_base(inv: OpenInvoice) -> tuple[date, Decimal] | None:
    """(deadline, amount still to grant) of an invoice whose terms have a discount percent."""
    terms = inv.terms
    assert terms is not None
    deadline = terms.discount_deadline(inv.issue_date)
    if deadline is None:
        return None
    amount = terms.discount_amount(inv.amount, inv.currency) - inv.discount_taken
    return (deadline, amount) if amount > ZERO else None


def _discount_on(base: tuple[date, Decimal] | None, percent: Decimal, paid: date, grace_days: int) -> Discount | None:
    if base is None:
        return None
    deadline, amount = base
    last_day = last_discount_day(deadline, grace_days)  # the rule dunning offers, plus grace days
    return Discount(amount, percent, deadline, last_day, paid <= last_day)


def within_tolerance(short: Decimal, currency: str, settings: MatchSettings, *, cash: Decimal) -> bool:
    """Bank charges: at most the currency's absolute fee tolerance (a wire's charge is the same
    on 300 as on 30,000), and less than the cash that arrived (9.80 for 20.00 is no charge)."""
    return ZERO < short <= settings.fee_tolerance_for(currency) and short < cash


def _discount_explains(items: Sequence[Item], short: Decimal, paid: date, settings: MatchSettings) -> bool:
    """The shortfall is exactly one invoice's early-payment discount (earned or not): the
    payer took a discount, which is never a bank charge, even when it is below the tolerance
    (an expired one would otherwise be written off: granted after all, under another name)."""
    return any((disc := discount_for(it, paid, settings.discount_grace_days)) is not None
               and disc.amount == short for it in items)


def oldest(items: Iterable[Item]) -> list[Item]:
    """Oldest invoice first (issue date, then number, then id: a total order)."""
    return sorted(items, key=lambda it: (it.invoice.issue_date, it.invoice.number, it.invoice.id))


def _full(items: Sequence[Item]) -> tuple[Line, ...]:
    return tuple(Line(it.invoice, it.open) for it in items)


def _numbers(items: Sequence[Item]) -> str:
    numbers = [it.invoice.number for it in items]
    return numbers[0] if len(numbers) == 1 else f"{len(numbers)} invoices ({', '.join(numbers)})"


def plan_set(items: Sequence[Item], amount: Decimal, currency: str, paid: date,
             settings: MatchSettings, structured: Mapping[int, Decimal] | None = None) -> Plan:
    """How `amount` settles exactly this set of invoices (the ones a payment names)."""
    items = oldest(items)
    total = sum((it.open for it in items), ZERO)
    what = _numbers(items)
    if structured and (plan := _structured(items, amount, currency, paid, settings, structured)):
        return plan
    if total == amount:
        return Plan(Fit.EXACT, _full(items), ZERO, (f"amount equals open amount of {what}",))
    if plan := _discounted(items, amount, paid, settings):
        return plan
    short = total - amount
    if (within_tolerance(short, currency, settings, cash=amount) and not _discount_explains(items, short, paid, settings)
            and (plan := _write_off(items, short, currency, what))):
        return plan
    if short < ZERO:
        return _over(items, amount, -short, currency, what)
    if len(items) == 1:
        return Plan(Fit.PARTIAL, (Line(items[0].invoice, amount),), ZERO,
                    (f"partial payment: {fmt(amount, currency)} of {fmt(total, currency)} open on {what}",))
    return short_plan(items, amount, currency)


def _over(items: Sequence[Item], amount: Decimal, surplus: Decimal, currency: str, what: str) -> Plan:
    """Named invoices paid in full, the rest on account: a good cover (may apply) when the
    invoices take most of the payment, or when the surplus is the same invoices paid a second
    time (one identifiable extra payment). Otherwise most of the cash would sit unexplained on
    account: a person should find what else it pays."""
    reason = f"over-payment: {what} paid in full, {fmt(surplus, currency)} left on account"
    if surplus == amount - surplus:
        return Plan(Fit.OVER, _full(items), surplus,
                    (reason, f"the surplus equals {what} once more: paid twice"))
    if surplus * OVER_COVER_SHARE <= amount:
        return Plan(Fit.OVER, _full(items), surplus, (reason,))
    return Plan(Fit.OVER, _full(items), surplus,
                (reason, f"no good cover: {what} take only {fmt(amount - surplus, currency)} of "
                 f"{fmt(amount, currency)}"), good_cover=False)


def short_plan(items: Sequence[Item], amount: Decimal, currency: str) -> Plan:
    """A short payment spread oldest first (a suggestion: the reviewer decides)."""
    lines: list[Line] = []
    left = amount
    total = ZERO
    for it in oldest(items):
        total += it.open
        if left > ZERO:
            take = min(left, it.open)
            lines.append(Line(it.invoice, take))
            left -= take
    return Plan(Fit.SHORT, tuple(lines), left,
                (f"short-pay: {fmt(amount, currency)} against {fmt(total, currency)} open, "
                 f"beyond the fee tolerance",))


def _structured(items: Sequence[Item], amount: Decimal, currency: str, paid: date,
                settings: MatchSettings, given: Mapping[int, Decimal]) -> Plan | None:
    """The payer's own split (remittance advice amounts), when it adds up and fits."""
    if any(it.invoice.id not in given for it in items):
        return None
    if sum((given[it.invoice.id] for it in items), ZERO) != amount:
        return None
    lines, reasons, partial = [], [], False
    for it in items:
        paid_here = given[it.invoice.id]
        disc = discount_for(it, paid, settings.discount_grace_days)
        if paid_here <= ZERO or paid_here > it.open:
            return None
        if paid_here == it.open:
            lines.append(Line(it.invoice, paid_here))
        elif disc and disc.earned and paid_here == it.open - disc.amount:
            lines.append(Line(it.invoice, paid_here, discount=disc.amount))
            reasons.append(disc.reason(it.invoice.number, paid))
        else:
            lines.append(Line(it.invoice, paid_here))
            partial = True
            reasons.append(f"remittance pays {fmt(paid_here, currency)} of {fmt(it.open, currency)} "
                           f"open on {it.invoice.number}")
    fit = Fit.STRUCTURED_PARTIAL if partial else Fit.STRUCTURED
    return Plan(fit, tuple(lines), ZERO, ("remittance amounts add up to the payment", *reasons))


def _discounted(items: Sequence[Item], amount: Decimal, paid: date, settings: MatchSettings) -> Plan | None:
    """Full payment less early-payment discounts: earned ones first, then expired ones."""
    discounts = [discount_for(it, paid, settings.discount_grace_days) for it in items]
    if not any(discounts):
        return None
    for earned_only in (True, False):
        lines, reasons, total, expired = [], [], ZERO, False
        for it, disc in zip(items, discounts):
            if disc and (disc.earned or not earned_only):
                # An unearned discount is not granted: the cash is applied, the rest stays open.
                granted = disc.amount if disc.earned else ZERO
                lines.append(Line(it.invoice, it.open - disc.amount, discount=granted))
                reasons.append(disc.reason(it.invoice.number, paid))
                total += it.open - disc.amount
                expired = expired or not disc.earned
            else:
                lines.append(Line(it.invoice, it.open))
                total += it.open
        if total == amount and len(reasons) > 0:
            return Plan(Fit.DISCOUNT_EXPIRED if expired else Fit.DISCOUNT, tuple(lines), ZERO, tuple(reasons))
    return None


def _write_off(items: Sequence[Item], short: Decimal, currency: str, what: str) -> Plan | None:
    # The charge is written off on the largest invoice; None when even that one is smaller
    # than the charge (cash applied must stay positive: that is no bank charge).
    target = max(items, key=lambda it: (it.open, -it.invoice.id))
    if short >= target.open:
        return None
    lines = tuple(Line(it.invoice, it.open - short, write_off=short) if it is target
                  else Line(it.invoice, it.open) for it in items)
    return Plan(Fit.WRITE_OFF, lines, ZERO,
                (f"amount equals open amount of {what} less {fmt(short, currency)}, within the fee "
                 f"tolerance: written off as bank charges",))


# -- amount only (no reference): single invoices, then subsets -------------------------------


def amount_only(items: Sequence[Item], amount: Decimal, currency: str, paid: date,
                settings: MatchSettings, *, complete: bool = True,
                budget: Budget | None = None, oldest_first: bool = False) -> list[Plan]:
    """Plans for a payment with no usable reference, among one customer's open invoices.

    `complete`: `items` are all of the customer's open invoices in this currency (else a
    window of them), so a unique subset is really unique. `oldest_first`: `items` are in
    `oldest` order already (the engine keeps a customer's so between payments).
    """
    plans: list[Plan] = []
    items = items if oldest_first else oldest(items)
    for it in items:
        if it.open == amount:
            plans.append(Plan(Fit.EXACT, (Line(it.invoice, it.open),), ZERO,
                              (f"amount equals open amount of {it.invoice.number}",)))
        elif (it.open > amount  # (a discount only lowers the amount: nothing to work out otherwise)
              and (disc := discount_for(it, paid, settings.discount_grace_days, budget))
              and it.open - disc.amount == amount):
            fit = Fit.DISCOUNT if disc.earned else Fit.DISCOUNT_EXPIRED
            granted = disc.amount if disc.earned else ZERO  # never grant an unearned discount
            plans.append(Plan(fit, (Line(it.invoice, amount, discount=granted),), ZERO,
                              (f"amount equals open amount of {it.invoice.number} less discount",
                               disc.reason(it.invoice.number, paid))))
    if any(p.fit in (Fit.EXACT, Fit.DISCOUNT) for p in plans):
        return plans
    for it in items:
        if (it.open > amount and within_tolerance(it.open - amount, currency, settings, cash=amount)
                and not _discount_explains((it,), it.open - amount, paid, settings)
                and (plan := _write_off([it], it.open - amount, currency, it.invoice.number))):
            plans.append(plan)
    plans += subset_plans(items, amount, currency, paid, settings, complete=complete, budget=budget)
    if not plans:
        # A short-pay suggestion only when the payment covers most of an invoice (a deduction);
        # 12.34 against 75.50 is not a short-pay of that invoice, it is nothing we know.
        most = amount * SHORT_PAY_SHARE
        above = [it for it in items if amount < it.open <= most]
        if above:
            nearest = min(above, key=lambda it: (it.open, it.invoice.issue_date, it.invoice.id))
            plans.append(short_plan([nearest], amount, currency))
    return plans


def subset_window(items: Sequence[Item], amount: Decimal, paid: date, max_candidates: int,
                  forced: Sequence[Item] = ()) -> tuple[list[Item], bool]:
    """The invoices a subset may use (nearest by due date to the payment); complete flag."""
    forced_ids = {it.invoice.id for it in forced}
    eligible = [it for it in items if ZERO < it.open <= amount and it.invoice.id not in forced_ids]
    if len(eligible) <= max_candidates:
        return eligible, True
    def distance(it: Item) -> tuple[int, date, int]:
        anchor = it.invoice.due_date or it.invoice.issue_date
        return abs((paid - anchor).days), it.invoice.issue_date, it.invoice.id
    return sorted(eligible, key=distance)[:max_candidates], False


def subset_plans(items: Sequence[Item], amount: Decimal, currency: str, paid: date,
                 settings: MatchSettings, *, forced: Sequence[Item] = (), complete: bool = True,
                 budget: Budget | None = None) -> list[Plan]:
    """Subsets of `items` (plus all of `forced`) summing exactly to the amount.

    Tries full open amounts, then amounts less earned discounts. Ranked oldest first; more
    than one solution means nothing distinguishes them (each plan carries `solutions`).
    """
    forced_total = sum((it.open for it in forced), ZERO)
    target_amount = amount - forced_total
    slots = settings.subset_max_invoices - len(forced)
    if target_amount <= ZERO or slots < 1:
        return []
    window, whole = subset_window(items, target_amount, paid, settings.subset_max_candidates, forced)
    if len(window) + len(forced) < 2:
        return []
    for with_discount in (False, True):
        values: list[int] = []
        picks: list[tuple[Item, Discount | None]] = []
        for it in window:
            disc = discount_for(it, paid, settings.discount_grace_days, budget) if with_discount else None
            disc = disc if disc and disc.earned else None
            value = minor(it.open - disc.amount if disc else it.open, currency)
            if value is not None and value > 0:
                values.append(value)
                picks.append((it, disc))
        if with_discount and not any(d for _, d in picks):
            break
        target = minor(target_amount, currency)
        if target is None:
            return []
        allowed = NODE_BUDGET if budget is None else max(SEARCH_FLOOR, min(NODE_BUDGET, budget.left))
        found, searched_all, used = find_subsets(values, target, slots, allowed)
        if budget is not None:
            budget.left -= used
        exhaustive = searched_all and whole and complete
        if forced and not with_discount and not (searched_all and whole):
            # An over-payment (named invoices + others): what the budget or the window left
            # open is settled exactly, among all the customer's invoices issued by then.
            cover = _cover_search(items, target, slots, currency, paid, forced, complete, budget)
            if cover is not None:  # else keep what the depth-first search found
                found, picks, exhaustive = cover
        found = [s for s in found if len(s) + len(forced) >= 2]
        if found:
            return _subset_result(found, picks, forced, currency, paid, with_discount, exhaustive)
    return []


def _cover_search(items: Sequence[Item], target: int, slots: int, currency: str, paid: date,
                  forced: Sequence[Item], complete: bool, budget: Budget | None,
                  ) -> tuple[list[tuple[int, ...]], list[tuple[Item, Discount | None]], bool] | None:
    """Meet-in-the-middle over the customer's open invoices (the caller's pool: one customer,
    one currency) that a payment could have meant: not named already, not more than the rest
    of the payment, issued on or before the payment. None when it ran out of states too;
    exhaustive only when nothing was cut."""
    forced_ids = {it.invoice.id for it in forced}
    picks: list[tuple[Item, Discount | None]] = []
    values: list[int] = []
    later = False
    for it in items:
        value = minor(it.open, currency)
        if it.invoice.id in forced_ids or value is None or not 0 < value <= target:
            continue
        if it.invoice.issue_date > paid:
            later = True  # not issued yet when paid: not part of this payment
            continue
        picks.append((it, None))
        values.append(value)
    states = MITM_STATES if budget is None else max(SEARCH_FLOOR, min(MITM_STATES, budget.left))
    found, searched_all, used = meet_in_the_middle(values, target, slots, MAX_SOLUTIONS, states)
    if budget is not None:
        budget.left -= used
    if not searched_all:
        return None
    return found, picks, complete and not later


def _subset_result(found: list[tuple[int, ...]], picks: list[tuple[Item, Discount | None]],
                   forced: Sequence[Item], currency: str, paid: date, with_discount: bool,
                   exhaustive: bool) -> list[Plan]:
    plans = []
    for solution in found:
        chosen = [picks[i] for i in solution] + [(it, None) for it in forced]
        lines, reasons = [], []
        chosen.sort(key=lambda p: (p[0].invoice.issue_date, p[0].invoice.number, p[0].invoice.id))
        for it, disc in chosen:
            if disc:
                lines.append(Line(it.invoice, it.open - disc.amount, discount=disc.amount))
                reasons.append(disc.reason(it.invoice.number, paid))
            else:
                lines.append(Line(it.invoice, it.open))
        what = ", ".join(line.invoice.number for line in lines)
        first = (f"amount equals the sum of {len(lines)} open invoices ({what})"
                 + (" less earned discounts" if with_discount else ""))
        plans.append(Plan(Fit.DISCOUNT if with_discount else Fit.EXACT, tuple(lines), ZERO,
                          (first, *reasons), subset=True, exhaustive=exhaustive, solutions=len(found)))
    plans.sort(key=lambda p: tuple(sorted(line.invoice.issue_date for line in p.lines)))
    return plans
