"""AR analytics: pure formulas over plain inputs (no I/O). `receivables.ar_history` reads the
ledger into these inputs; the API, CLI and dashboard format the results.

Amounts are integer minor units of ONE currency (callers split a book by currency: ratios of
sums across currencies mean nothing). Ratios are exact `Decimal`s; `days()`/`percent()`/
`ratio()` round them half-up for display. A division by zero gives None (null in JSON).

Definitions (as of a date D, over a period of N days: the days D-N+1 .. D):
- Open amount of an invoice at D = amount - settlements dated <= D and not reversed by D.
  A settlement is an application's applied + discount + write-off, dated by the payment's
  value date (see ar_history); a reversal counts from the day it happened.
- AR at D = sum of open amounts at D of invoices issued <= D. Begin AR = AR at D-N; end AR =
  AR at D. Current AR = the part of end AR not yet past due (due date >= D).
- Credit sales of the period = sum of the amounts of invoices issued in D-N+1 .. D (all of
  them are on credit: the book only holds invoices; void invoices are left out everywhere).
- Days past due = D - due date; an invoice without a due date is due per its terms, else on
  its issue date (due on receipt) - see ar_history.effective_due.
- DSO (simple) = end AR / credit sales x N.
- DSO (countback) = walk back month by month from D (slices (D-1 month, D], (D-2 months,
  D-1 month], ..., same day of month, clamped to month end): while the AR still to explain
  exceeds a month's sales, subtract that month's sales and add its days; then add the
  fraction remaining AR / that month's sales of its days. An AR the history cannot explain
  gives None.
- Best possible DSO = current AR / credit sales x N. ADD = DSO - best possible DSO (days an
  average invoice is paid late).
- CEI = (begin AR + credit sales - end AR) / (begin AR + credit sales - end current AR) x 100:
  what was collected of what was collectable in the period (100 = everything due was paid).
- AR turnover = credit sales / average AR, average AR = (begin AR + end AR) / 2, over the
  period as given (not annualised: a 90-day turnover of 1.5 is about 6 a year).
- Average collection period = N / turnover = N x average AR / credit sales.
- Aging buckets by days past due: current (<= 0), 1-30, 31-60, 61-90, 90+ (> 90).
- Auto-match rate of a bucket of days = credit payments auto-applied / credit payments x 100.
- Review backlog at the end of a day = review items created by then and not resolved by then.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
MAX_COUNTBACK_MONTHS = 600  # 50 years: an AR older than that is not explained by sales
Step = Literal["day", "week", "month"]

_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceFact:
    id: int
    customer_id: str
    amount: int  # minor units
    issue_date: date
    due_date: date  # effective: the invoice's, or from its terms, or the issue date


@dataclass(frozen=True, slots=True)
class Settlement:
    """Applied + discount + write-off of one application (minor units), and when."""

    invoice_id: int
    amount: int
    on: date
    reversed_on: date | None = None

    def counts_at(self, day: date) -> bool:
        return self.on <= day and (self.reversed_on is None or self.reversed_on > day)


# -- single formulas -------------------------------------------------------------------------


def _div(num: Decimal | int, den: Decimal | int) -> Decimal | None:
    return None if den == 0 else Decimal(num) / Decimal(den)


def dso_simple(end_ar: int, sales: int, days: int) -> Decimal | None:
    q = _div(end_ar, sales)
    return None if q is None else q * days


def best_possible_dso(current_ar: int, sales: int, days: int) -> Decimal | None:
    return dso_simple(current_ar, sales, days)


def average_days_delinquent(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    return None if dso is None or best is None else dso - best


def dso_countback(end_ar: int, slices: Iterable[tuple[int, int]]) -> Decimal | None:
    """`slices`: (days, sales) per month, the most recent first. None if they run out first."""
    if end_ar <= 0:
        return Decimal(0)
    remaining = Decimal(end_ar)
    total = Decimal(0)
    for days, sales in slices:
        if sales > 0 and remaining <= sales:
            return total + remaining / Decimal(sales) * days
        remaining -= max(sales, 0)
        total += days
    return None


def cei(begin_ar: int, sales: int, end_ar: int, end_current_ar: int) -> Decimal | None:
    q = _div(begin_ar + sales - end_ar, begin_ar + sales - end_current_ar)
    return None if q is None else q * 100


def turnover(sales: int, begin_ar: int, end_ar: int) -> Decimal | None:
    return _div(Decimal(sales) * 2, begin_ar + end_ar)


def average_collection_period(days: int, sales: int, begin_ar: int, end_ar: int) -> Decimal | None:
    return _div(Decimal(begin_ar + end_ar) / 2 * days, sales)


def aging_bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


def match_rate(payments: int, auto_applied: int) -> Decimal | None:
    return _div(auto_applied * 100, payments)


def review_backlog(items: Iterable[tuple[datetime, datetime | None]], end: datetime) -> int:
    """Items (created_at, resolved_at) open at `end` (exclusive bound: the next day's start)."""
    return sum(
        1 for created, resolved in items if created < end and (resolved is None or resolved >= end)
    )


# -- rounding for display ----------------------------------------------------------------------


def days(value: Decimal | None) -> str | None:
    """Day figures: 0.1 day, half-up."""
    return None if value is None else str(value.quantize(_TENTH, rounding=ROUND_HALF_UP))


def percent(value: Decimal | None) -> str | None:
    return days(value)


def ratio(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP))


# -- calendars -------------------------------------------------------------------------------


def minus_months(day: date, months: int) -> date:
    """The same day `months` earlier, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_slices(as_of: date, count: int) -> list[tuple[date, date]]:
    """(start, end) inclusive of `count` month slices ending at `as_of`, most recent first."""
    out = []
    for k in range(count):
        end = minus_months(as_of, k)
        start = minus_months(as_of, k + 1) + timedelta(days=1)
        out.append((start, end))
    return out


def buckets(start: date, end: date, step: Step) -> list[tuple[date, date]]:
    """Calendar buckets (days, ISO weeks Mon-Sun, months) covering start..end, clipped to it."""
    out: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        if step == "day":
            last = cursor
        elif step == "week":
            last = cursor + timedelta(days=6 - cursor.weekday())
        else:
            last = cursor.replace(day=calendar.monthrange(cursor.year, cursor.month)[1])
        last = min(last, end)
        out.append((cursor, last))
        cursor = last + timedelta(days=1)
    return out


# -- the book --------------------------------------------------------------------------------


@dataclass
class Figures:
    """Every metric of one currency as of a date over a period (raw, unrounded)."""

    as_of: date
    period_days: int
    begin_ar: int
    end_ar: int
    current_ar: int
    sales: int
    dso: Decimal | None
    dso_countback: Decimal | None
    best_possible_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None
    turnover: Decimal | None
    average_collection_period: Decimal | None
    aging: dict[str, int] = field(default_factory=dict)


class Book:
    """Invoices and their settlements of one currency, for AR as of any date."""

    def __init__(self, invoices: Iterable[InvoiceFact], settlements: Iterable[Settlement]) -> None:
        self.invoices = sorted(invoices, key=lambda i: (i.issue_date, i.id))
        self._issue_dates = [i.issue_date for i in self.invoices]
        self._by_invoice: dict[int, list[Settlement]] = defaultdict(list)
        for s in settlements:
            self._by_invoice[s.invoice_id].append(s)
        # Settled for good from its last event on: an invoice closed by a day is skipped for
        # that day, so AR at recent dates reads the few invoices still open, not the history.
        closing = []
        for invoice in self.invoices:
            own = self._by_invoice.get(invoice.id, ())
            settled = sum(s.amount for s in own if s.reversed_on is None)
            closed = date.max
            if own and settled >= invoice.amount:
                closed = max(max(s.on, s.reversed_on or s.on) for s in own)
            closing.append((closed, invoice))
        closing.sort(key=lambda c: (c[0], c[1].issue_date, c[1].id))
        self._closed_on = [c for c, _ in closing]
        self._by_closing = [i for _, i in closing]

    def issued_by(self, day: date) -> Sequence[InvoiceFact]:
        return self.invoices[: bisect_right(self._issue_dates, day)]

    def open_by(self, day: date) -> list[InvoiceFact]:
        """Invoices issued by `day` and not settled for good by then."""
        alive = self._by_closing[bisect_right(self._closed_on, day) :]
        return [i for i in alive if i.issue_date <= day]

    def open_at(self, invoice: InvoiceFact, day: date) -> int:
        settled = sum(s.amount for s in self._by_invoice.get(invoice.id, ()) if s.counts_at(day))
        return max(invoice.amount - settled, 0)

    def ar_at(self, day: date) -> int:
        return sum(self.open_at(i, day) for i in self.open_by(day))

    def sales(self, first: date, last: date) -> int:
        """Amounts of the invoices issued first..last (inclusive)."""
        lo = bisect_right(self._issue_dates, first - timedelta(days=1))
        hi = bisect_right(self._issue_dates, last)
        return sum(i.amount for i in self.invoices[lo:hi])

    def aging_at(self, day: date) -> dict[str, int]:
        out = dict.fromkeys(BUCKETS, 0)
        for invoice in self.open_by(day):
            open_ = self.open_at(invoice, day)
            if open_:
                out[aging_bucket((day - invoice.due_date).days)] += open_
        return out

    def countback(self, as_of: date, end_ar: int) -> Decimal | None:
        earliest = self._issue_dates[0] if self._issue_dates else as_of

        def slices() -> Iterable[tuple[int, int]]:
            for k in range(MAX_COUNTBACK_MONTHS):
                end = minus_months(as_of, k)
                start = minus_months(as_of, k + 1) + timedelta(days=1)
                yield (end - start).days + 1, self.sales(start, end)
                if start <= earliest:
                    return

        return dso_countback(end_ar, slices())

    def figures(self, as_of: date, period_days: int) -> Figures:
        begin_day = as_of - timedelta(days=period_days)
        aging = self.aging_at(as_of)
        end_ar = sum(aging.values())
        current = aging["current"]
        begin_ar = self.ar_at(begin_day)
        sales = self.sales(begin_day + timedelta(days=1), as_of)
        dso = dso_simple(end_ar, sales, period_days)
        best = best_possible_dso(current, sales, period_days)
        return Figures(
            as_of=as_of,
            period_days=period_days,
            begin_ar=begin_ar,
            end_ar=end_ar,
            current_ar=current,
            sales=sales,
            dso=dso,
            dso_countback=self.countback(as_of, end_ar),
            best_possible_dso=best,
            add=average_days_delinquent(dso, best),
            cei=cei(begin_ar, sales, end_ar, current),
            turnover=turnover(sales, begin_ar, end_ar),
            average_collection_period=average_collection_period(
                period_days, sales, begin_ar, end_ar
            ),
            aging=aging,
        )


def default_from(last: date) -> date:
    """The first day of the month 11 months before `last`: 12 calendar months in all."""
    return minus_months(last.replace(day=1), 11)
