"""receivables.analytics: every formula against hand-computed examples (no database)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from receivables import analytics as A

AS_OF = date(2026, 3, 31)


def test_dso_simple_best_possible_and_add() -> None:
    # 540 open, 650 sold over 90 days: 540 / 650 x 90 = 74.769... days.
    dso = A.dso_simple(540, 650, 90)
    assert A.days(dso) == "74.8"
    best = A.best_possible_dso(150, 650, 90)  # 150 / 650 x 90 = 20.769...
    assert A.days(best) == "20.8"
    assert A.average_days_delinquent(dso, best) == Decimal(54)  # 390 / 650 x 90, exactly
    assert A.dso_simple(100, 0, 90) is None  # nothing sold: no DSO, not a division error
    assert A.average_days_delinquent(None, best) is None


def test_countback_walks_back_month_by_month() -> None:
    # AR 1000; months back: 400 sold in 30 days, 500 in 31, 600 in 30.
    # 1000 - 400 = 600 (30 d), 600 - 500 = 100 (61 d), 100 / 600 x 30 = 5 -> 66 days.
    assert A.dso_countback(1000, [(30, 400), (31, 500), (30, 600)]) == Decimal(66)
    # AR within the first month: 200 / 400 x 30 = 15.
    assert A.dso_countback(200, [(30, 400)]) == Decimal(15)
    # A month without sales adds all its days.
    assert A.dso_countback(300, [(30, 0), (31, 600)]) == Decimal("45.5")
    assert A.dso_countback(0, []) == 0
    assert A.dso_countback(1000, [(30, 400)]) is None  # history runs out: not explained


def test_cei_turnover_and_collection_period() -> None:
    # begin 150, sales 650, end 540, end current 150:
    # (150 + 650 - 540) / (150 + 650 - 150) x 100 = 260 / 650 x 100 = 40.
    assert A.cei(150, 650, 540, 150) == Decimal(40)
    assert A.cei(0, 0, 0, 0) is None
    # turnover 650 / ((150 + 540) / 2) = 650 / 345 = 1.8840...
    assert A.ratio(A.turnover(650, 150, 540)) == "1.88"
    assert A.turnover(10, 0, 0) is None
    # average collection period 90 / 1.884 = 90 x 345 / 650 = 47.769...
    assert A.days(A.average_collection_period(90, 650, 150, 540)) == "47.8"
    assert A.average_collection_period(90, 0, 150, 540) is None


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_aging_bucket_edges(days: int, bucket: str) -> None:
    assert A.aging_bucket(days) == bucket


def test_rounding_is_half_up_to_a_tenth() -> None:
    assert A.days(Decimal("72.95")) == "73.0"
    assert A.days(Decimal("72.949")) == "72.9"
    assert A.days(Decimal("-0.05")) == "-0.1"
    assert A.ratio(Decimal("1.005")) == "1.01"
    assert A.days(None) is None


def test_match_rate_and_review_backlog() -> None:
    assert A.match_rate(4, 3) == Decimal(75)
    assert A.percent(A.match_rate(3, 1)) == "33.3"
    assert A.match_rate(0, 0) is None
    day1 = datetime(2026, 3, 1, 10, tzinfo=UTC)
    day2 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    items = [(day1, day2), (day2, None)]
    end_day1 = datetime(2026, 3, 2, tzinfo=UTC)
    end_day2 = datetime(2026, 3, 3, tzinfo=UTC)
    assert A.review_backlog(items, end_day1) == 1  # the first, resolved the next morning
    assert A.review_backlog(items, end_day2) == 1  # the second, still open
    before_midnight = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    assert A.review_backlog([(day1, before_midnight)], end_day1) == 0
    assert A.review_backlog([(day1, end_day1)], end_day1) == 1  # resolved the next day


def test_calendars() -> None:
    assert A.minus_months(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert A.minus_months(date(2026, 1, 15), 2) == date(2025, 11, 15)
    assert A.month_slices(AS_OF, 2) == [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
    ]
    assert A.month_slices(date(2026, 3, 15), 1) == [(date(2026, 2, 16), date(2026, 3, 15))]
    # 2026-11-04 is a Wednesday: ISO weeks end on Sundays.
    assert A.buckets(date(2026, 11, 4), date(2026, 11, 20), "week") == [
        (date(2026, 11, 4), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 20)),
    ]
    assert A.buckets(date(2026, 1, 20), date(2026, 3, 5), "month") == [
        (date(2026, 1, 20), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 5)),
    ]
    assert len(A.buckets(date(2026, 1, 1), date(2026, 1, 3), "day")) == 3


def _book() -> A.Book:
    """Minor units. I1 part-paid, I2 paid, I3 paid then reversed, I4 current, I5 very late."""
    inv = A.InvoiceFact
    invoices = [
        inv(1, "C1", 100000, date(2025, 12, 1), date(2025, 12, 31)),
        inv(2, "C1", 200000, date(2026, 1, 10), date(2026, 2, 9)),
        inv(3, "C2", 300000, date(2026, 2, 15), date(2026, 3, 17)),
        inv(4, "C2", 150000, date(2026, 3, 20), date(2026, 4, 19)),
        inv(5, "C3", 50000, date(2025, 10, 1), date(2025, 10, 31)),
    ]
    settlements = [
        A.Settlement(1, 60000, date(2026, 1, 15)),
        A.Settlement(2, 200000, date(2026, 2, 20)),
        A.Settlement(3, 100000, date(2026, 3, 5), reversed_on=date(2026, 3, 20)),
    ]
    return A.Book(invoices, settlements)


def test_book_figures_by_hand() -> None:
    book = _book()
    f = book.figures(AS_OF, 90)  # the period is 2026-01-01 .. 2026-03-31
    assert f.begin_ar == 150000  # at 2025-12-31: I1 100000 + I5 50000
    assert f.sales == 650000  # I2 + I3 + I4
    assert f.end_ar == 540000  # I1 40000 + I3 300000 (payment reversed) + I4 + I5
    assert f.current_ar == 150000  # I4 only: due 2026-04-19
    assert f.aging == {
        "current": 150000,
        "1-30": 300000,  # I3, 14 days past due
        "31-60": 0,
        "61-90": 40000,  # I1, exactly 90 days past due
        "90+": 50000,  # I5, 151 days
    }
    assert A.days(f.dso) == "74.8"
    assert A.days(f.best_possible_dso) == "20.8"
    assert A.days(f.add) == "54.0"
    assert A.percent(f.cei) == "40.0"
    assert A.ratio(f.turnover) == "1.88"
    assert A.days(f.average_collection_period) == "47.8"
    # Countback: March sold 150000 (31 d), February 300000 (28 d): 540000 - 450000 = 90000
    # left, January sold 200000 over 31 days: 59 + 90000 / 200000 x 31 = 72.95 -> 73.0.
    assert f.dso_countback == Decimal("72.95")
    assert A.days(f.dso_countback) == "73.0"


def test_book_history_points() -> None:
    book = _book()
    # While the I3 payment stood (5 .. 19 March) I3 had 200000 open.
    assert book.ar_at(date(2026, 3, 10)) == 40000 + 200000 + 50000
    assert book.ar_at(date(2026, 3, 20)) == 40000 + 300000 + 150000 + 50000
    assert book.ar_at(date(2025, 9, 30)) == 0  # before the first invoice
    assert book.sales(date(2026, 2, 1), date(2026, 2, 28)) == 300000


def test_empty_book_gives_zeros_and_nulls() -> None:
    f = A.Book([], []).figures(AS_OF, 30)
    assert (f.end_ar, f.sales, f.dso, f.cei, f.turnover) == (0, 0, None, None, None)
    assert f.dso_countback == 0


def test_skipping_settled_invoices_changes_no_figure() -> None:
    """AR and aging read only invoices not settled for good: the same as reading them all."""
    rng = random.Random(5)
    base = date(2025, 1, 1)
    invoices, settlements = [], []
    for i in range(300):
        issue = base + timedelta(days=rng.randrange(300))
        amount = rng.randrange(1, 50) * 100
        invoices.append(A.InvoiceFact(i, f"C{i % 7}", amount, issue, issue + timedelta(days=30)))
        for _ in range(rng.randrange(3)):
            on = issue + timedelta(days=rng.randrange(-5, 120))
            back = on + timedelta(days=rng.randrange(1, 40)) if rng.random() < 0.2 else None
            settlements.append(A.Settlement(i, rng.randrange(1, 40) * 100, on, back))
    book = A.Book(invoices, settlements)
    for offset in range(0, 460, 23):
        day = base + timedelta(days=offset)
        every = [book.open_at(i, day) for i in book.issued_by(day)]
        assert book.ar_at(day) == sum(every)
        assert sum(book.aging_at(day).values()) == sum(every)
