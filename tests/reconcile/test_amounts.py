from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconcile.amounts import (
    Budget,
    Fit,
    Item,
    amount_only,
    discount_for,
    find_subsets,
    plan_set,
    subset_plans,
)
from reconcile.model import MatchSettings

from .builders import invoice

D = Decimal
S = MatchSettings()
PAID = date(2026, 11, 10)


def items(*amounts: str, terms: str | None = None, issued: date = date(2026, 11, 1)) -> list[Item]:
    return [Item(inv, inv.open_amount) for inv in
            (invoice(f"N{i}", "C1", a, terms=terms, issued=issued) for i, a in enumerate(amounts))]


def test_find_subsets_exact_and_bounded() -> None:
    found, complete, _ = find_subsets([500, 300, 200, 100], 600, max_size=3)
    assert complete and sorted(found) == [(0, 3), (1, 2, 3)]
    assert find_subsets([500, 300], 600, max_size=3)[:2] == ([], True)
    assert find_subsets([100, 200, 300], 600, max_size=2)[:2] == ([], True)  # needs three


def test_find_subsets_stops_at_the_node_budget() -> None:
    values = [1000 + i for i in range(40)]
    found, complete, used = find_subsets(values, 7 * 1000 + 999, max_size=8, budget=500)
    assert not complete and used > 500


def test_find_subsets_reports_at_most_the_limit() -> None:
    found, complete, _ = find_subsets([100] * 10, 200, max_size=2, limit=3)
    assert len(found) == 3 and complete  # three solutions already prove ambiguity


def test_subset_of_many_invoices_is_found_not_greedily() -> None:
    # Greedy (oldest or largest first) takes 600 and is stuck; the exact search finds 500 + 400.
    its = items("600.00", "500.00", "400.00", "350.00")
    plans = subset_plans(its, D("900.00"), "EUR", PAID, S)
    assert [sorted(line.invoice.number for line in p.lines) for p in plans] == [["N1", "N2"]]
    assert plans[0].fit is Fit.EXACT and plans[0].exhaustive and plans[0].solutions == 1


def test_two_subsets_that_fit_are_both_reported() -> None:
    its = items("100.00", "200.00", "300.00")
    plans = subset_plans(its, D("300.00"), "EUR", PAID, S)  # {100, 200}; {300} alone is a single
    assert len(plans) == 1
    its = items("100.00", "200.00", "150.00", "150.00")
    plans = subset_plans(its, D("300.00"), "EUR", PAID, S)
    assert len(plans) == 2 and all(p.solutions == 2 for p in plans)


def test_subset_window_limits_candidates() -> None:
    its = items(*[f"{10 + i}.00" for i in range(50)])
    plans = subset_plans(its, D("21.00"), "EUR", PAID, MatchSettings(subset_max_candidates=10))
    assert all(not p.exhaustive for p in plans)


def test_discount_inside_window_and_grace_days() -> None:
    [it] = items("1000.00", terms="2/10 net 30", issued=date(2026, 11, 1))  # deadline 11-11
    assert discount_for(it, date(2026, 11, 11), 3).earned
    assert discount_for(it, date(2026, 11, 14), 3).earned  # grace days
    assert not discount_for(it, date(2026, 11, 15), 3).earned
    assert discount_for(it, date(2026, 11, 11), 0).amount == D("20.00")
    plan = plan_set([it], D("980.00"), "EUR", date(2026, 11, 12), S)
    assert plan.fit is Fit.DISCOUNT
    assert [(l.applied, l.discount) for l in plan.lines] == [(D("980.00"), D("20.00"))]
    assert "2% discount earned" in plan.reasons[0] and "grace" in plan.reasons[0]


def test_discount_after_window_is_expired() -> None:
    [it] = items("1000.00", terms="2/10 net 30", issued=date(2026, 10, 1))
    plan = plan_set([it], D("980.00"), "EUR", PAID, S)
    assert plan.fit is Fit.DISCOUNT_EXPIRED


def test_discount_already_taken_is_not_granted_twice() -> None:
    inv = invoice("N1", "C1", "1000.00", open_amount="500.00", terms="2/10 net 30", issued=date(2026, 11, 1))
    taken = Item(inv.__class__(**{**{f: getattr(inv, f) for f in inv.__slots__}, "discount_taken": D("20.00")}),
                 D("500.00"))
    assert discount_for(taken, PAID, 3) is None


def test_short_pay_within_tolerance_is_written_off() -> None:
    plan = plan_set(items("2000.00"), D("1985.00"), "EUR", PAID, S)
    assert plan.fit is Fit.WRITE_OFF
    assert [(l.applied, l.write_off, l.discount) for l in plan.lines] == [(D("1985.00"), D("15.00"), D(0))]
    # The tolerance is absolute: 15 on 300 (5 %) is a bank charge too; the percent setting
    # is accepted but decides nothing.
    assert plan_set(items("300.00"), D("285.00"), "EUR", PAID, S).fit is Fit.WRITE_OFF
    strict = MatchSettings(fee_tolerance_percent=D("0.1"))
    assert plan_set(items("300.00"), D("285.00"), "EUR", PAID, strict).fit is Fit.WRITE_OFF
    # 30 is beyond the absolute tolerance of 25, whatever the percentage
    assert plan_set(items("10000.00"), D("9970.00"), "EUR", PAID, S).fit is Fit.PARTIAL
    # several invoices: the charge goes on the largest, which has room for it
    plan = plan_set(items("300.00", "2000.00"), D("2290.00"), "EUR", PAID, S)
    assert plan.fit is Fit.WRITE_OFF
    assert sorted((l.invoice.number, l.write_off) for l in plan.lines) == [("N0", D(0)), ("N1", D("10.00"))]


def test_a_charge_is_never_most_of_the_payment_nor_more_than_its_invoice() -> None:
    """Within the absolute tolerance, but the 'charge' is more than the cash that arrived (9.80
    for 20.00) or bigger than every named invoice: no bank kept that — a short pay for a
    person, and never a line with negative cash (the hypothesis case that found it)."""
    plan = plan_set(items("10.00", "10.00"), D("9.80"), "EUR", PAID, S)
    assert plan.fit is Fit.SHORT
    assert all(l.applied >= 0 and l.write_off == 0 for l in plan.lines)
    assert plan_set(items("30.00"), D("10.00"), "EUR", PAID, S).fit is Fit.PARTIAL  # 20 of charges on 30
    assert plan_set(items("30.00"), D("16.00"), "EUR", PAID, S).fit is Fit.WRITE_OFF  # 14 kept of 30
    # three small invoices: 24 short of 36 with 12 arrived is not a charge (12 < 24)
    assert plan_set(items("12.00", "12.00", "12.00"), D("12.00"), "EUR", PAID, S).fit is not Fit.WRITE_OFF
    # nor 10 short of 22 when the largest invoice is 8.00 (no room for it)
    plan = plan_set(items("7.00", "7.00", "8.00"), D("12.00"), "EUR", PAID, S)
    assert plan.fit is not Fit.WRITE_OFF and all(l.applied >= 0 for l in plan.lines)
    single = amount_only(items("30.00"), D("10.00"), "EUR", PAID, S)
    assert all(p.fit is not Fit.WRITE_OFF for p in single)


def test_partial_over_and_short() -> None:
    assert plan_set(items("1000.00"), D("400.00"), "EUR", PAID, S).fit is Fit.PARTIAL
    over = plan_set(items("1000.00"), D("1200.00"), "EUR", PAID, S)
    assert over.fit is Fit.OVER and over.unapplied == D("200.00")
    short = plan_set(items("1000.00", "500.00"), D("1200.00"), "EUR", PAID, S)
    assert short.fit is Fit.SHORT and sum(l.applied for l in short.lines) == D("1200.00")


def test_structured_amounts_are_the_allocation_when_they_fit() -> None:
    its = items("1000.00", "500.00")
    given = {its[0].invoice.id: D("600.00"), its[1].invoice.id: D("500.00")}
    plan = plan_set(its, D("1100.00"), "EUR", PAID, S, given)
    assert plan.fit is Fit.STRUCTURED_PARTIAL
    assert sorted(l.applied for l in plan.lines) == [D("500.00"), D("600.00")]
    given[its[0].invoice.id] = D("1200.00")  # more than open: not trusted
    assert plan_set(its, D("1700.00"), "EUR", PAID, S, given).fit is Fit.OVER


def test_amount_only_prefers_singles_and_finds_subsets() -> None:
    its = items("100.00", "250.00", "75.50")
    assert [p.fit for p in amount_only(its, D("250.00"), "EUR", PAID, S)] == [Fit.EXACT]
    plans = amount_only(its, D("325.50"), "EUR", PAID, S)
    assert plans[0].subset and len(plans[0].lines) == 2
    plans = amount_only(its, D("249.00"), "EUR", PAID, S)
    assert [p.fit for p in plans] == [Fit.WRITE_OFF]
    plans = amount_only(its, D("60.00"), "EUR", PAID, S)  # 15.50 short: an absolute bank charge
    assert [p.fit for p in plans] == [Fit.WRITE_OFF]
    plans = amount_only(its, D("50.00"), "EUR", PAID, S)  # 25.50 short: beyond it
    assert [p.fit for p in plans] == [Fit.SHORT]


def test_a_shared_run_budget_bounds_all_searches_together() -> None:
    from reconcile.amounts import NODE_BUDGET, SEARCH_FLOOR
    its = items(*[f"{1000 + 7 * i}.00" for i in range(40)])
    budget = Budget(NODE_BUDGET + 100)
    # whole euros can never make .88: no solution, and each search spends its whole allowance
    assert subset_plans(its, D("8888.88"), "EUR", PAID, S, budget=budget) == []
    assert budget.left == 100 - 1  # the budget check stops one node past it
    left = budget.left
    subset_plans(its, D("7777.88"), "EUR", PAID, S, budget=budget)
    assert left - budget.left <= SEARCH_FLOOR + 1  # a spent pool still grants the floor
    assert subset_plans(items("100.00", "200.00"), D("300.00"), "EUR", PAID, S, budget=budget)  # easy: solved


def test_fee_tolerance_is_per_currency_with_the_default_for_the_rest() -> None:
    per = MatchSettings(fee_tolerances={"JPY": D("3000"), "USD": D("30.00")})  # type: ignore[arg-type]
    yen = [Item(inv, inv.open_amount) for inv in [invoice("J1", "C1", "250000", currency="JPY")]]
    assert plan_set(yen, D("247000"), "JPY", PAID, per).fit is Fit.WRITE_OFF
    assert plan_set(yen, D("246999"), "JPY", PAID, per).fit is Fit.PARTIAL
    assert plan_set(yen, D("247000"), "JPY", PAID, S).fit is Fit.PARTIAL  # default: 25 yen
    dollars = [Item(inv, inv.open_amount) for inv in [invoice("U1", "C1", "5000.00", currency="USD")]]
    assert plan_set(dollars, D("4970.00"), "USD", PAID, per).fit is Fit.WRITE_OFF
    assert plan_set(items("5000.00"), D("4970.00"), "EUR", PAID, per).fit is Fit.PARTIAL  # EUR: 25.00
    assert per.fee_tolerances == (("JPY", D("3000")), ("USD", D("30.00")))
    hash(per)  # still usable as a cache key


@pytest.mark.parametrize("bad", [{"JPY": D("0.5")}, {"EUR": D("0.001")}, {"EUR": D("-1")}, {"eur": D("1")}])
def test_fee_tolerance_must_fit_its_currency(bad: dict[str, Decimal]) -> None:
    with pytest.raises(ValueError, match="fee tolerance"):
        MatchSettings(fee_tolerances=bad)  # type: ignore[arg-type]


def test_an_expired_discount_is_never_written_off_even_below_the_fee_tolerance() -> None:
    # 2/10 net 30 issued 11-01: window to 11-11, grace to 11-14. 1 % of 1000 is 10.00 (1%15):
    # well below the 25.00 tolerance, still a discount taken, never bank charges.
    for terms, short in (("2/10 net 30", "20.00"), ("1%15 net 45", "10.00")):
        [it] = items("1000.00", terms=terms, issued=date(2026, 10, 1))
        pay = D("1000.00") - D(short)
        assert plan_set([it], pay, "EUR", PAID, S).fit is Fit.DISCOUNT_EXPIRED
        plans = amount_only([it], pay, "EUR", PAID, S)
        assert [p.fit for p in plans] == [Fit.DISCOUNT_EXPIRED]
        assert all(line.write_off == 0 and line.discount == 0 for line in plans[0].lines)
        assert "taken after its window" in plans[0].reasons[1]
    # A short that is not the discount is still a bank charge on the same invoice.
    [it] = items("1000.00", terms="2/10 net 30", issued=date(2026, 10, 1))
    assert plan_set([it], D("985.00"), "EUR", PAID, S).fit is Fit.WRITE_OFF
    # Two invoices, both discounts expired, one taken: not a fee either (a short-pay review).
    its = items("1000.00", "500.00", terms="2/10 net 30", issued=date(2026, 10, 1))
    assert plan_set(its, D("1480.00"), "EUR", PAID, S).fit is Fit.SHORT


def test_discount_on_the_last_grace_day_is_granted_the_next_day_it_is_not() -> None:
    [it] = items("1000.00", terms="2/10 net 30", issued=date(2026, 11, 1))  # window to 11-11
    last = plan_set([it], D("980.00"), "EUR", date(2026, 11, 14), S)
    assert last.fit is Fit.DISCOUNT and last.lines[0].discount == D("20.00")
    late = plan_set([it], D("980.00"), "EUR", date(2026, 11, 15), S)
    assert late.fit is Fit.DISCOUNT_EXPIRED and late.lines[0].discount == 0 and late.lines[0].write_off == 0
    no_grace = MatchSettings(discount_grace_days=0)
    assert plan_set([it], D("980.00"), "EUR", date(2026, 11, 12), no_grace).fit is Fit.DISCOUNT_EXPIRED


def _twin_book(issued: date = date(2026, 11, 1)) -> list[Item]:
    """24 nearly equal invoices whose cents make every subset's total distinct."""
    return [Item(inv, inv.open_amount) for inv in
            (invoice(f"T{i}", "C1", str(D(10_000_000 + 2**i) / 100), issued=issued) for i in range(24))]


def test_over_payment_cover_beyond_the_node_budget_is_found_exactly() -> None:
    its = _twin_book()
    named, others = its[0], [its[i] for i in (3, 8, 13, 17, 21, 22)]
    amount = sum((it.open for it in [named, *others]), D(0))
    values = [int(it.open * 100) for it in its[1:]]
    assert not find_subsets(values, int((amount - named.open) * 100), 7)[1]  # the DFS gives up
    [plan] = subset_plans(its, amount, "EUR", PAID, S, forced=[named])
    assert plan.fit is Fit.EXACT and plan.exhaustive and plan.solutions == 1
    assert {line.invoice.number for line in plan.lines} == {"T0", "T3", "T8", "T13", "T17", "T21", "T22"}
    assert sum(line.applied for line in plan.lines) == amount
    # An invoice issued after the payment is no part of it: the cover is not claimed.
    late = [Item(it.invoice.__class__(**{**{f: getattr(it.invoice, f) for f in it.invoice.__slots__},
                                          "issue_date": date(2026, 11, 20)}), it.open)
            if it is its[22] else it for it in its]
    assert subset_plans(late, amount, "EUR", PAID, S, forced=[named]) == []


def test_over_payment_is_a_good_cover_only_when_the_invoices_take_most_of_it() -> None:
    one = items("1000.00")
    good = plan_set(one, D("1999.98"), "EUR", PAID, S)  # 999.98 of 1999.98 on account: under half
    assert good.fit is Fit.OVER and good.good_cover and good.unapplied == D("999.98")
    poor = plan_set(one, D("2000.02"), "EUR", PAID, S)
    assert poor.fit is Fit.OVER and not poor.good_cover
    assert any("no good cover" in r for r in poor.reasons)
    twice = plan_set(one, D("2000.00"), "EUR", PAID, S)  # the same invoice paid a second time
    assert twice.good_cover and any("paid twice" in r for r in twice.reasons)
    assert not plan_set(one, D("2000.01"), "EUR", PAID, S).good_cover
