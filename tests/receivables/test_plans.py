"""receivables.plans: schedules, validation, the waterfall and missed instalments (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.plans import (
    Every,
    InstalmentState,
    PlanConflict,
    PlanError,
    PlanInvoice,
    check_schedule,
    equal_schedule,
    explicit_schedule,
    label,
    missed,
    parse_every,
    validate_plan,
    waterfall,
)

D = Decimal


def test_equal_split_puts_the_rounding_remainder_on_the_last_instalment() -> None:
    s = equal_schedule(D("100.00"), "EUR", 3, date(2026, 1, 31), Every(1, "month"))
    assert [(i.seq, i.due_date, i.amount) for i in s] == [
        (1, date(2026, 1, 31), D("33.33")),
        (2, date(2026, 2, 28), D("33.33")),  # clamped to the month's end ...
        (3, date(2026, 3, 31), D("33.34")),  # ... without shifting the later ones
    ]
    assert sum(i.amount for i in s) == D("100.00")


def test_equal_split_in_a_zero_decimal_currency_and_by_days() -> None:
    s = equal_schedule(D("1000"), "JPY", 3, date(2026, 12, 20), parse_every("14d"))
    assert [i.amount for i in s] == [D("333"), D("333"), D("334")]
    assert [i.due_date for i in s] == [date(2026, 12, 20), date(2027, 1, 3), date(2027, 1, 17)]


def test_every_forms() -> None:
    assert parse_every("month") == Every(1, "month")
    assert parse_every("3m") == Every(3, "month")
    assert parse_every("2w") == Every(14, "day")
    assert parse_every("week") == Every(7, "day")
    assert Every(1, "month").nth(date(2026, 11, 30), 3) == date(2027, 2, 28)
    for bad in ("fortnight", "0d", "-1d", "", "1.5m"):
        with pytest.raises(PlanError):
            parse_every(bad)


def test_equal_split_refuses_what_cannot_be_split() -> None:
    with pytest.raises(PlanError):
        equal_schedule(D("0.02"), "EUR", 3, date(2026, 1, 1), Every(1, "month"))
    with pytest.raises(PlanError):
        equal_schedule(D("10.00"), "EUR", 0, date(2026, 1, 1), Every(1, "month"))
    with pytest.raises(PlanError):
        equal_schedule(D("10000.00"), "EUR", 121, date(2026, 1, 1), Every(1, "month"))


def test_explicit_schedule_and_its_checks() -> None:
    s = explicit_schedule([D("50.00"), D("150.00")], [date(2026, 1, 1), date(2026, 2, 1)], "EUR")
    assert [(i.seq, i.amount) for i in s] == [(1, D("50.00")), (2, D("150.00"))]
    check_schedule(s, D("200.00"), "EUR")
    with pytest.raises(PlanError, match="add up to 200.00 EUR"):
        check_schedule(s, D("200.01"), "EUR")
    with pytest.raises(PlanError, match="strictly increasing"):
        explicit_schedule([D("1"), D("1")], [date(2026, 1, 1), date(2026, 1, 1)], "EUR")
    with pytest.raises(PlanError):
        explicit_schedule([D("1.005")], [date(2026, 1, 1)], "EUR")
    with pytest.raises(PlanError):
        explicit_schedule([D("0")], [date(2026, 1, 1)], "EUR")
    with pytest.raises(PlanError):
        explicit_schedule([D("1")], [], "EUR")


def _inv(
    iid: int,
    *,
    customer: str = "C1",
    currency: str = "EUR",
    open_amount: str = "100.00",
    status: str = "open",
    plan: str | None = None,
) -> PlanInvoice:
    return PlanInvoice(iid, f"INV-{iid}", customer, currency, D(open_amount), status, plan)


def test_validate_sums_open_amounts_of_one_customer_and_currency() -> None:
    assert validate_plan([_inv(1), _inv(2, open_amount="50.50")], "C1") == ("EUR", D("150.50"))
    with pytest.raises(PlanError, match="belongs to customer C2"):
        validate_plan([_inv(1), _inv(2, customer="C2")], "C1")
    with pytest.raises(PlanError, match="one currency"):
        validate_plan([_inv(1), _inv(2, currency="USD")], "C1")
    with pytest.raises(PlanError):
        validate_plan([], "C1")
    with pytest.raises(PlanConflict, match="already in active plan PLAN-3"):
        validate_plan([_inv(1, plan="PLAN-3")], "C1")
    with pytest.raises(PlanConflict, match="not open"):
        validate_plan([_inv(1, open_amount="0.00", status="paid")], "C1")


def test_waterfall_credits_the_earliest_instalments_first() -> None:
    assert waterfall([100, 100, 100], 0) == [0, 0, 0]
    assert waterfall([100, 100, 100], 150) == [100, 50, 0]
    assert waterfall([100, 100, 100], 300) == [100, 100, 100]
    assert waterfall([100, 100, 100], 999) == [100, 100, 100]
    assert waterfall([100, 100], -5) == [0, 0]  # open amounts grew (a rebill): nothing paid


def test_missed_only_after_due_date_plus_grace() -> None:
    insts = [
        InstalmentState(1, date(2026, 1, 10), 100, 100),
        InstalmentState(2, date(2026, 2, 10), 100, 40),
    ]
    assert missed(insts, 5, date(2026, 2, 15)) == []  # the last day of grace
    assert missed(insts, 5, date(2026, 2, 16)) == [2]
    assert missed(insts, 0, date(2026, 2, 11)) == [2]
    assert label("PLAN-7", 2, 4) == "plan PLAN-7 instalment 2 of 4"
