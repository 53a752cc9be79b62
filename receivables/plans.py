"""Payment plans, the pure part: instalment schedules, validation, and how cash credits them.

    equal_schedule(total, currency, count, first_due, every) -> [ScheduledInstalment]
    explicit_schedule(amounts, dates) -> [ScheduledInstalment]
    validate_plan(invoices, schedule, customer_id=...) -> (currency, total)
    waterfall(amounts, credited) -> paid per instalment
    missed(instalments, grace_days, as_of) -> seqs past due + grace and not fully paid

Why a waterfall: cash is applied to the plan's *invoices* (so invoice open amounts stay the
only truth, changed through reconcile/apply.py); an instalment is paid by whatever the plan's
invoices lost in open amount since the plan started (total of the schedule minus their open
amounts now), credited to instalments in order. So a payment quoting an invoice of the plan
counts as much as one quoting the plan, a reversal un-pays the latest instalments again, and
no per-application bookkeeping can drift from the ledger.

No I/O, no clock: the service layer (receivables/plan_service.py) reads and writes rows.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.errors import Invalid
from core.money import exponent, from_minor, to_minor

MAX_INSTALMENTS = 120  # ten years of monthly instalments: more is a typo
MAX_GRACE_DAYS = 365
ZERO = Decimal(0)
_EVERY = re.compile(r"^(?:(\d{1,3})\s*)?(d|day|days|w|week|weeks|m|month|months)$")


class PlanError(Invalid):
    """A plan that cannot be made as asked (bad input: the API answers 422)."""


class PlanConflict(PlanError):
    """A plan that collides with the state of the book (an invoice already in a plan, ...): 409."""

    status_code = 409


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    seq: int  # 1-based
    due_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Every:
    """The spacing of instalments: every N days, or every N calendar months."""

    count: int
    unit: str  # "day" | "month"

    def nth(self, first: date, k: int) -> date:
        """The k-th due date (k = 0 is `first`). Months keep first's day, clamped to month end
        (31 Jan, 28 Feb, 31 Mar), so one short month does not shift every later instalment."""
        if self.unit == "day":
            return first + timedelta(days=self.count * k)
        months = first.month - 1 + self.count * k
        year, month = first.year + months // 12, months % 12 + 1
        return date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def parse_every(text: str) -> Every:
    """'month', '2m', '14d', '2w', 'week' -> Every."""
    m = _EVERY.match(text.strip().lower())
    if not m:
        raise PlanError(f"--every must be like 'month', '14d' or '2w', not {text!r}")
    count = int(m.group(1) or 1)
    if count < 1:
        raise PlanError("the interval between instalments must be at least one day")
    unit = m.group(2)[0]
    if unit == "w":
        return Every(count * 7, "day")
    return Every(count, "day" if unit == "d" else "month")


def equal_schedule(
    total: Decimal, currency: str, count: int, first_due: date, every: Every
) -> list[ScheduledInstalment]:
    """`count` equal instalments in the currency's minor units; the remainder (the cents the
    split cannot share out) goes on the last one, so the sum is exactly `total`."""
    if not 1 <= count <= MAX_INSTALMENTS:
        raise PlanError(f"instalments must be between 1 and {MAX_INSTALMENTS}, not {count}")
    minor = to_minor(total, currency)
    if minor < count:
        raise PlanError(f"{total} {currency} cannot be split into {count} instalments")
    base = minor // count
    amounts = [base] * (count - 1) + [minor - base * (count - 1)]
    try:
        dates = [every.nth(first_due, k) for k in range(count)]
    except (ValueError, OverflowError):  # past year 9999
        raise PlanError("the schedule runs past the last date there is") from None
    return [
        ScheduledInstalment(k + 1, d, from_minor(a, currency))
        for k, (a, d) in enumerate(zip(amounts, dates))
    ]


def explicit_schedule(
    amounts: Sequence[Decimal], dates: Sequence[date], currency: str
) -> list[ScheduledInstalment]:
    """Instalments as given: positive amounts in the currency's precision, due dates strictly
    increasing (two instalments due the same day are one instalment)."""
    if len(amounts) != len(dates):
        raise PlanError(f"{len(amounts)} amounts but {len(dates)} due dates")
    if not 1 <= len(amounts) <= MAX_INSTALMENTS:
        raise PlanError(f"instalments must be between 1 and {MAX_INSTALMENTS}")
    places = Decimal(1).scaleb(-exponent(currency))
    for amount in amounts:
        if amount <= ZERO or amount != amount.quantize(places):
            raise PlanError(f"instalment amount {amount} is not a positive {currency} amount")
    if any(b <= a for a, b in itertools.pairwise(dates)):
        raise PlanError("instalment due dates must be strictly increasing")
    return [ScheduledInstalment(k + 1, d, a) for k, (a, d) in enumerate(zip(amounts, dates))]


@dataclass(frozen=True, slots=True)
class PlanInvoice:
    """What validation needs to know about an invoice put in a plan."""

    id: int
    number: str
    customer_id: str
    currency: str
    open_amount: Decimal
    status: str  # open | paid | void
    active_plan: str | None = None  # reference of the active plan it is already in


def validate_plan(invoices: Sequence[PlanInvoice], customer_id: str) -> tuple[str, Decimal]:
    """(currency, total open) of a plan's invoices, or PlanError/PlanConflict saying why not."""
    if not invoices:
        raise PlanError("a plan needs at least one invoice")
    if len({inv.id for inv in invoices}) != len(invoices):
        raise PlanError("an invoice is listed twice")
    for inv in invoices:
        if inv.customer_id != customer_id:
            raise PlanError(
                f"invoice {inv.number} belongs to customer {inv.customer_id}, not {customer_id}"
            )
    currencies = sorted({inv.currency for inv in invoices})
    if len(currencies) > 1:
        raise PlanError(f"a plan's invoices share one currency, not {', '.join(currencies)}")
    for inv in invoices:
        if inv.active_plan is not None:
            raise PlanConflict(f"invoice {inv.number} is already in active plan {inv.active_plan}")
        if inv.status != "open" or inv.open_amount <= ZERO:
            raise PlanConflict(f"invoice {inv.number} is not open")
    return currencies[0], sum((inv.open_amount for inv in invoices), ZERO)


def check_schedule(schedule: Sequence[ScheduledInstalment], total: Decimal, currency: str) -> None:
    scheduled = sum((s.amount for s in schedule), ZERO)
    if scheduled != total:
        raise PlanError(
            f"the instalments add up to {scheduled} {currency}, but the invoices' "
            f"open amounts to {total} {currency}"
        )


def waterfall(amounts: Sequence[int], credited: int) -> list[int]:
    """Paid per instalment (minor units) when `credited` has been paid on the plan so far:
    the earliest instalments first; anything beyond the schedule is not an instalment's."""
    left = max(0, credited)
    paid = []
    for amount in amounts:
        take = min(amount, left)
        paid.append(take)
        left -= take
    return paid


@dataclass(frozen=True, slots=True)
class InstalmentState:
    seq: int
    due_date: date
    amount: int  # minor units
    paid: int


def missed(instalments: Sequence[InstalmentState], grace_days: int, as_of: date) -> list[int]:
    """Seqs of instalments not fully paid although due + grace days lies before as_of."""
    last_day = timedelta(days=grace_days)
    return [i.seq for i in instalments if i.paid < i.amount and i.due_date + last_day < as_of]


def label(reference: str, seq: int, count: int) -> str:
    """How reasons and reminders name an instalment: 'plan PLAN-7 instalment 2 of 4'."""
    return f"plan {reference} instalment {seq} of {count}"
