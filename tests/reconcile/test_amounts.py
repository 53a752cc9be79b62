from __future__ import annotations

from datetime import date
from decimal import Decimal

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
    # 15 on 1000 is 1.5 %: beyond the 1 % tolerance -> a partial payment instead
    assert plan_set(items("1000.00"), D("985.00"), "EUR", PAID, S).fit is Fit.PARTIAL
    loose = MatchSettings(fee_tolerance_percent=D("2.0"))
    assert plan_set(items("1000.00"), D("985.00"), "EUR", PAID, loose).fit is Fit.WRITE_OFF
    # 30 is beyond the absolute tolerance of 25, whatever the percentage
    assert plan_set(items("10000.00"), D("9970.00"), "EUR", PAID, S).fit is Fit.PARTIAL
    # several invoices: the charge goes on the largest, which has room for it
    plan = plan_set(items("300.00", "2000.00"), D("2290.00"), "EUR", PAID, S)
    assert plan.fit is Fit.WRITE_OFF
    assert sorted((l.invoice.number, l.write_off) for l in plan.lines) == [("N0", D(0)), ("N1", D("10.00"))]


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
    plans = amount_only(its, D("60.00"), "EUR", PAID, S)
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
