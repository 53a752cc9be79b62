"""Late fee arithmetic, by hand: finance charge (grace, minimum, cap, partial periods,
disputes) and the EU late-payment rule (reference + 8 points, actual/365, 40 EUR)."""

from __future__ import annotations

from datetime import date

import pytest

from core.money import D
from receivables.fees import (
    FINANCE_CHARGE,
    LATE_COMPENSATION,
    LATE_INTEREST,
    FeePolicy,
    OverdueInvoice,
    PriorFee,
    add_months,
    charges,
    periods,
)

FC = FeePolicy(mode="finance_charge", monthly_rate=D("1.5"))
EU = FeePolicy(mode="eu", reference_rate=D("4.00"))


def inv(
    open_minor: int = 100000,
    due: date | None = date(2026, 1, 31),
    *,
    ccy: str = "EUR",
    disputed: int = 0,
    status: str = "open",
) -> OverdueInvoice:
    return OverdueInvoice(1, ccy, due, status, open_minor, disputed)


def amounts(items) -> list[tuple[str, str, str, int]]:  # type: ignore[no-untyped-def]
    return [(c.kind, str(c.period_start), str(c.period_end), c.amount_minor) for c in items]


def test_add_months_clamps_to_the_month_end_from_the_anchor() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)  # not Mar 28
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_full_periods_only() -> None:
    assert periods(date(2026, 1, 31), date(2026, 2, 27), None) == []
    assert periods(date(2026, 1, 31), date(2026, 3, 31), None) == [
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ]
    # Periods after the last one charged only.
    assert periods(date(2026, 1, 31), date(2026, 3, 31), date(2026, 2, 28)) == [
        (date(2026, 3, 1), date(2026, 3, 31))
    ]


def test_finance_charge_per_full_month_simple_interest() -> None:
    # 1,000.00 at 1.5 % a month: 15.00 for February and 15.00 for March; April is partial.
    out = charges(inv(), FC, date(2026, 4, 29))
    assert amounts(out) == [
        (FINANCE_CHARGE, "2026-02-01", "2026-02-28", 1500),
        (FINANCE_CHARGE, "2026-03-01", "2026-03-31", 1500),
    ]
    assert {c.base_minor for c in out} == {100000} and {c.rate for c in out} == {"1.5"}
    assert "1.5% of 1000.00 EUR" in out[0].explanation


def test_a_partial_period_is_not_charged() -> None:
    assert charges(inv(), FC, date(2026, 2, 27)) == []
    assert len(charges(inv(), FC, date(2026, 2, 28))) == 1  # the last day counts as elapsed


def test_grace_days_move_the_periods() -> None:
    policy = FeePolicy(mode="finance_charge", monthly_rate=D("1.5"), grace_days=10)
    due = date(2026, 1, 10)  # anchor Jan 20: first period Jan 21..Feb 20
    assert charges(inv(due=due), policy, date(2026, 1, 20)) == []  # within grace
    assert charges(inv(due=due), policy, date(2026, 2, 19)) == []
    assert amounts(charges(inv(due=due), policy, date(2026, 2, 20))) == [
        (FINANCE_CHARGE, "2026-01-21", "2026-02-20", 1500)
    ]


def test_minimum_per_charge() -> None:
    policy = FeePolicy(mode="finance_charge", monthly_rate=D("1.5"), minimum=D("1.00"))
    # 50.00 x 1.5 % = 0.75, raised to the 1.00 minimum.
    (c,) = charges(inv(5000), policy, date(2026, 2, 28))
    assert c.amount_minor == 100 and "minimum" in c.explanation
    # 1,000.00 x 1.5 % = 15.00 is above it.
    assert charges(inv(), policy, date(2026, 2, 28))[0].amount_minor == 1500


def test_cap_limits_the_invoice_total() -> None:
    policy = FeePolicy(mode="finance_charge", monthly_rate=D("1.5"), cap=D("40.00"))
    # 15 + 15 + 10 (capped) = 40; the fourth period adds nothing.
    out = charges(inv(), policy, date(2026, 5, 31))
    assert [c.amount_minor for c in out] == [1500, 1500, 1000]
    assert "capped" in out[-1].explanation
    prior = [PriorFee(FINANCE_CHARGE, c.period_end, c.amount_minor) for c in out]
    assert charges(inv(), policy, date(2026, 6, 30), prior) == []
    # With 30.00 already charged (two periods), the next charge is the 10.00 left.
    prior2 = prior[:2]
    assert [c.amount_minor for c in charges(inv(), policy, date(2026, 4, 30), prior2)] == [1000]


def test_disputed_amounts_are_not_charged() -> None:
    # 1,000.00 open of which 400.00 disputed: 1.5 % of 600.00 = 9.00.
    (c,) = charges(inv(100000, disputed=40000), FC, date(2026, 2, 28))
    assert (c.base_minor, c.amount_minor) == (60000, 900)
    assert charges(inv(100000, disputed=100000), FC, date(2026, 6, 30)) == []


def test_paid_void_or_undated_invoices_are_never_charged() -> None:
    assert charges(inv(0, status="paid"), FC, date(2026, 6, 30)) == []
    assert charges(inv(100000, status="void"), FC, date(2026, 6, 30)) == []
    assert charges(inv(due=None), FC, date(2026, 6, 30)) == []
    assert charges(inv(), FeePolicy(mode="none"), date(2026, 6, 30)) == []


def test_a_rerun_charges_nothing_twice() -> None:
    first = charges(inv(), FC, date(2026, 3, 31))
    prior = [PriorFee(c.kind, c.period_end, c.amount_minor) for c in first]
    assert charges(inv(), FC, date(2026, 3, 31), prior) == []
    assert amounts(charges(inv(), FC, date(2026, 4, 30), prior)) == [
        (FINANCE_CHARGE, "2026-04-01", "2026-04-30", 1500)
    ]


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    # 333.33 x 1.5 % = 4.99995 -> 5.00
    assert charges(inv(33333), FC, date(2026, 2, 28))[0].amount_minor == 500


def test_eu_interest_and_fixed_compensation() -> None:
    # 1,000.00 EUR at 4.00 + 8 = 12 % a year for 30 days (Apr 2..May 1):
    # 1000 x 0.12 x 30 / 365 = 9.8630 -> 9.86; plus 40.00 once.
    out = charges(inv(due=date(2026, 4, 1)), EU, date(2026, 5, 1))
    assert amounts(out) == [
        (LATE_COMPENSATION, "2026-04-02", "2026-04-02", 4000),
        (LATE_INTEREST, "2026-04-02", "2026-05-01", 986),
    ]
    assert out[1].rate == "12.00" and "30 days" in out[1].explanation
    prior = [PriorFee(c.kind, c.period_end, c.amount_minor) for c in out]
    assert charges(inv(due=date(2026, 4, 1)), EU, date(2026, 5, 1), prior) == []
    # Next period May 2..Jun 1 = 31 days: 1000 x 0.12 x 31 / 365 = 10.1918 -> 10.19.
    assert amounts(charges(inv(due=date(2026, 4, 1)), EU, date(2026, 6, 1), prior)) == [
        (LATE_INTEREST, "2026-05-02", "2026-06-01", 1019)
    ]


def test_eu_compensation_once_overdue_and_for_eur_only() -> None:
    assert amounts(charges(inv(due=date(2026, 4, 1)), EU, date(2026, 4, 2))) == [
        (LATE_COMPENSATION, "2026-04-02", "2026-04-02", 4000)
    ]
    assert charges(inv(due=date(2026, 4, 1)), EU, date(2026, 4, 1)) == []  # due today
    # USD: interest only. 1,000.00 x 12 % x 30/365 = 9.86.
    out = charges(inv(due=date(2026, 4, 1), ccy="USD"), EU, date(2026, 5, 1))
    assert amounts(out) == [(LATE_INTEREST, "2026-04-02", "2026-05-01", 986)]
    # JPY (no minor unit): 100,000 x 12 % x 30/365 = 986.30 -> 986.
    out = charges(inv(100000, due=date(2026, 4, 1), ccy="JPY"), EU, date(2026, 5, 1))
    assert [c.amount_minor for c in out] == [986]


def test_eu_interest_excludes_disputed_amounts() -> None:
    # 600.00 undisputed x 12 % x 30/365 = 5.9178 -> 5.92
    out = charges(inv(100000, due=date(2026, 4, 1), disputed=40000), EU, date(2026, 5, 1))
    assert [(c.kind, c.base_minor, c.amount_minor) for c in out] == [
        (LATE_COMPENSATION, 60000, 4000),
        (LATE_INTEREST, 60000, 592),
    ]
    assert charges(inv(100000, due=date(2026, 4, 1), disputed=100000), EU, date(2026, 5, 1)) == []


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        FeePolicy(mode="compound")
    with pytest.raises(ValueError):
        FeePolicy(mode="finance_charge", monthly_rate=D("-1"))
