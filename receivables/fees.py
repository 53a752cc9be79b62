"""Late fees, pure: an overdue invoice's balance and the fees already charged in, the fee items
due as of a date out. No database, clock or settings (receivables/fee_job.py does the I/O).

Two modes (REMIT_LATE_FEE_MODE; `none` charges nothing):

- `finance_charge`: simple interest at a monthly rate (e.g. 1.5 %) on the overdue, undisputed
  balance, charged once per *full* monthly period after the due date + grace days. Period k
  covers the days after anchor + (k-1) months up to and including anchor + k months, where
  anchor = due date + grace days; a period is charged once its last day has passed (its end
  is on or before the as-of date; as-of days count as elapsed, as for days past due in
  `remit metrics`). A partial period is never charged. Each charge is at least the minimum
  (when there is a balance at all), and the invoice's fees together never exceed the cap.
  Simple, not compound: fees are never part of the base (they are not in the open amount).
- `eu` (Directive 2011/7/EU): interest at reference rate + 8 points a year on the overdue,
  undisputed balance, per day (actual/365), billed in the same monthly periods; plus a one-off
  fixed compensation (40 EUR) per invoice once it is overdue. The compensation is EUR-only:
  the Directive states it in euro and remit has no exchange rates (documented choice); the
  interest applies to every currency. Minimum and cap are finance-charge settings; the EU
  amounts are statutory and are not capped.

The base of a period is the balance when the period is charged (the job runs daily, so the
day after the period ends): remit does not reconstruct day-by-day balances of the past.
Amounts round half up to the currency's minor unit.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.money import D, exponent, format_amount, from_minor, minor_text

MODES = ("none", "finance_charge", "eu")
FINANCE_CHARGE = "finance_charge"
LATE_INTEREST = "late_interest"
LATE_COMPENSATION = "late_compensation"
EU_POINTS = D("8")  # the Directive's margin over the reference rate, in percentage points
DAYS_IN_YEAR = 365
MAX_PERIODS = 600  # 50 years of catch-up: a bound, never reached by a real book


@dataclass(frozen=True, slots=True)
class FeePolicy:
    mode: str = "none"
    monthly_rate: Decimal = Decimal("1.5")  # percent per month (finance_charge)
    grace_days: int = 0
    minimum: Decimal = Decimal(0)  # per charge, in the invoice's currency (finance_charge)
    cap: Decimal | None = None  # per invoice, all its fees together (finance_charge)
    reference_rate: Decimal = Decimal("2.15")  # % a year (eu): ECB main refinancing rate
    compensation: Decimal = Decimal("40.00")  # EUR, once per invoice (eu)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown late fee mode {self.mode!r}; one of {', '.join(MODES)}")
        if self.grace_days < 0 or self.monthly_rate < 0 or self.minimum < 0:
            raise ValueError("late fee rate, grace days and minimum must not be negative")
        if self.cap is not None and self.cap < 0:
            raise ValueError("the late fee cap must not be negative")


@dataclass(frozen=True, slots=True)
class OverdueInvoice:
    invoice_id: int
    currency: str
    due_date: date | None
    status: str
    open_minor: int
    disputed_minor: int = 0  # open disputes: held from fees


@dataclass(frozen=True, slots=True)
class PriorFee:
    """A fee item already charged on the invoice (void ones are left out by the caller)."""

    kind: str
    period_end: date
    amount_minor: int


@dataclass(frozen=True, slots=True)
class FeeCharge:
    invoice_id: int
    kind: str
    currency: str
    base_minor: int
    rate: str | None  # decimal text: % per month (finance charge) or % per year (EU interest)
    period_start: date
    period_end: date
    amount_minor: int
    explanation: str


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def round_minor(amount: Decimal, currency: str) -> int:
    """An amount in major units to integer minor units, half up."""
    return int(amount.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _money(minor: int, currency: str) -> str:
    return f"{minor_text(minor, currency)} {currency}"


def periods(anchor: date, as_of: date, after: date | None) -> list[tuple[date, date]]:
    """Full monthly periods (first day, last day) after `anchor`, ended by `as_of`, and
    starting after `after` (the last period already charged), oldest first."""
    out = []
    for k in range(1, MAX_PERIODS + 1):
        start, end = add_months(anchor, k - 1) + timedelta(days=1), add_months(anchor, k)
        if end > as_of:
            break
        if after is None or start > after:
            out.append((start, end))
    return out


def base_minor(invoice: OverdueInvoice) -> int:
    """The overdue balance fees are charged on: open minus disputed, never below zero."""
    return max(invoice.open_minor - invoice.disputed_minor, 0)


def _last_end(prior: Iterable[PriorFee], kind: str) -> date | None:
    ends = [p.period_end for p in prior if p.kind == kind]
    return max(ends) if ends else None


def _chargeable(invoice: OverdueInvoice, policy: FeePolicy, as_of: date) -> bool:
    return (
        policy.mode != "none"
        and invoice.status == "open"
        and invoice.open_minor > 0
        and invoice.due_date is not None
        and as_of > invoice.due_date + timedelta(days=policy.grace_days)
    )


def finance_charges(
    invoice: OverdueInvoice, policy: FeePolicy, as_of: date, prior: Sequence[PriorFee] = ()
) -> list[FeeCharge]:
    if not _chargeable(invoice, policy, as_of) or invoice.due_date is None:
        return []
    base = base_minor(invoice)
    if base == 0:
        return []  # everything still open is disputed
    ccy = invoice.currency
    anchor = invoice.due_date + timedelta(days=policy.grace_days)
    minimum = round_minor(policy.minimum, ccy)
    room = (
        None
        if policy.cap is None
        else round_minor(policy.cap, ccy) - sum(p.amount_minor for p in prior)
    )
    rate = policy.monthly_rate
    out = []
    for start, end in periods(anchor, as_of, _last_end(prior, FINANCE_CHARGE)):
        interest = round_minor(from_minor(base, ccy) * rate / 100, ccy)
        amount = max(interest, minimum)
        why = f"{format_amount(rate)}% of {_money(base, ccy)} for {start}..{end}"
        if amount > interest:
            why += f" (minimum charge {_money(minimum, ccy)})"
        if room is not None:
            if room <= 0:
                break
            if amount > room:
                amount = room
                why += f" (capped: {_money(round_minor(policy.cap or 0, ccy), ccy)} per invoice)"
            room -= amount
        if amount <= 0:
            continue
        out.append(
            FeeCharge(
                invoice.invoice_id,
                FINANCE_CHARGE,
                ccy,
                base,
                format_amount(rate),
                start,
                end,
                amount,
                why,
            )
        )
    return out


def eu_charges(
    invoice: OverdueInvoice, policy: FeePolicy, as_of: date, prior: Sequence[PriorFee] = ()
) -> list[FeeCharge]:
    if not _chargeable(invoice, policy, as_of) or invoice.due_date is None:
        return []
    base = base_minor(invoice)
    if base == 0:
        return []
    ccy = invoice.currency
    anchor = invoice.due_date + timedelta(days=policy.grace_days)
    annual = policy.reference_rate + EU_POINTS
    out = []
    if (
        ccy == "EUR"
        and policy.compensation > 0
        and not any(p.kind == LATE_COMPENSATION for p in prior)
    ):
        first_late = invoice.due_date + timedelta(days=1)
        amount = round_minor(policy.compensation, ccy)
        out.append(
            FeeCharge(
                invoice.invoice_id,
                LATE_COMPENSATION,
                ccy,
                base,
                None,
                first_late,
                first_late,
                amount,
                f"fixed compensation for recovery costs, {_money(amount, ccy)} "
                "(Directive 2011/7/EU art. 6)",
            )
        )
    for start, end in periods(anchor, as_of, _last_end(prior, LATE_INTEREST)):
        days = (end - start).days + 1
        amount = round_minor(from_minor(base, ccy) * annual / 100 * days / DAYS_IN_YEAR, ccy)
        if amount <= 0:
            continue
        out.append(
            FeeCharge(
                invoice.invoice_id,
                LATE_INTEREST,
                ccy,
                base,
                format_amount(annual),
                start,
                end,
                amount,
                f"{format_amount(annual)}% a year (reference "
                f"{format_amount(policy.reference_rate)} + 8) on {_money(base, ccy)} for {days} days ({start}..{end}, actual/365)",
            )
        )
    return out


def charges(
    invoice: OverdueInvoice, policy: FeePolicy, as_of: date, prior: Sequence[PriorFee] = ()
) -> list[FeeCharge]:
    """The fee items due on this invoice as of the date, not yet in `prior`."""
    if policy.mode == "finance_charge":
        return finance_charges(invoice, policy, as_of, prior)
    if policy.mode == "eu":
        return eu_charges(invoice, policy, as_of, prior)
    return []
