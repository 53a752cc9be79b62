"""Instalment payments recognised by the matcher: plan reference, or amount + customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reconcile.engine import match
from reconcile.model import Action, ActivePlan, PlanInstalment, ReviewReason
from reconcile.plan_match import plan_key
from tests.reconcile.builders import (
    ACME,
    CUSTOMERS,
    GLOBEX,
    IBAN_ACME,
    IBAN_GLOBEX,
    invoice,
    payment,
)

D = Decimal


def _book():  # type: ignore[no-untyped-def]
    # Acme owes 900.00 on two invoices, put in a plan of 3 x 300.00; plus one outside the plan.
    a = invoice("INV-5001", "C1", "600.00", iid=501, due=date(2026, 8, 1))
    b = invoice("INV-5002", "C1", "300.00", iid=502, due=date(2026, 7, 1))
    c = invoice("INV-5003", "C1", "455.00", iid=503, due=date(2026, 9, 1))
    g = invoice("INV-6001", "C2", "300.00", iid=601, due=date(2026, 9, 1))
    plan = ActivePlan(
        7,
        "PLAN-7",
        "C1",
        "EUR",
        (501, 502),
        tuple(
            PlanInstalment(k, due, D("300.00"))
            for k, due in ((1, date(2026, 11, 1)), (2, date(2026, 12, 1)), (3, date(2027, 1, 1)))
        ),
    )
    return [a, b, c, g], plan


def _alloc(decision):  # type: ignore[no-untyped-def]
    return [(a.invoice_number, a.applied) for a in decision.applied.allocations]


def test_plan_key_forms() -> None:
    assert plan_key("PLAN-7") == "PLAN7" == plan_key("plan007")
    assert plan_key("INV-7") is None


def test_quoted_plan_reference_applies_oldest_due_first_even_from_an_unknown_payer() -> None:
    invoices, plan = _book()
    [d] = match(
        [payment("300.00", "Ratenzahlung PLAN-7", name="Someone Else Ltd")],
        CUSTOMERS,
        invoices,
        plans=[plan],
    )
    assert d.action is Action.APPLY
    assert _alloc(d) == [("INV-5002", D("300.00"))]  # due 1 July, before INV-5001
    assert d.applied.reasons[0] == "pays plan PLAN-7 instalment 1 of 3 (due 2026-11-01)"
    assert "plan PLAN-7 instalment 1 of 3" in d.explanation


def test_the_next_instalment_amount_from_the_identified_customer_applies() -> None:
    invoices, plan = _book()
    first = payment("300.00", "thanks", account=IBAN_ACME, pid=1, on=date(2026, 11, 2))
    second = payment("300.00", "thanks", account=IBAN_ACME, pid=2, on=date(2026, 12, 2))
    d1, d2 = match([first, second], CUSTOMERS, invoices, plans=[plan])
    assert (d1.action, d2.action) == (Action.APPLY, Action.APPLY)
    assert _alloc(d1) == [("INV-5002", D("300.00"))]
    assert _alloc(d2) == [("INV-5001", D("300.00"))]  # the oldest invoice still open
    assert d2.applied.reasons[0].startswith("pays plan PLAN-7 instalment 2 of 3")
    assert d2.reason is None  # not flagged: an instalment is not a partial payment


def test_without_the_plan_the_same_payment_is_ambiguous() -> None:
    # Control: 300.00 equals INV-5002 and INV-6001's amount: what the plan evidence resolves.
    invoices, plan = _book()
    [d] = match([payment("300.00", "thanks", account=IBAN_ACME)], CUSTOMERS, invoices)
    assert d.action is Action.APPLY and _alloc(d) == [("INV-5002", D("300.00"))]
    [d] = match([payment("600.00", "thanks", account=IBAN_ACME)], CUSTOMERS, invoices, plans=[plan])
    # 600.00 is not the next instalment (300.00): the normal amount match on INV-5001 applies.
    assert d.action is Action.APPLY and _alloc(d) == [("INV-5001", D("600.00"))]
    assert not any("plan" in r for r in d.applied.reasons)


def test_a_payment_naming_another_invoice_is_not_taken_by_the_plan() -> None:
    invoices, plan = _book()
    c = next(i for i in invoices if i.number == "INV-5003")
    invoices = [
        i
        if i.id != 503
        else invoice("INV-5003", "C1", "455.00", open_amount="300.00", iid=503, due=c.due_date)
        for i in invoices
    ]
    [d] = match(
        [payment("300.00", "INV-5003", account=IBAN_ACME)], CUSTOMERS, invoices, plans=[plan]
    )
    assert d.action is Action.APPLY and _alloc(d) == [("INV-5003", D("300.00"))]


def test_an_instalment_amount_also_matching_another_open_invoice_goes_to_review() -> None:
    invoices, plan = _book()
    other = invoice("INV-5009", "C1", "300.00", iid=509, due=date(2026, 10, 1))
    [d] = match(
        [payment("300.00", "thanks", account=IBAN_ACME)],
        CUSTOMERS,
        [*invoices, other],
        plans=[plan],
    )
    assert d.action is Action.REVIEW and d.reason is ReviewReason.AMBIGUOUS
    assert any("plan PLAN-7" in r for c in d.suggestions for r in c.reasons)


def test_another_customer_paying_the_amount_does_not_touch_the_plan() -> None:
    invoices, plan = _book()
    [d] = match(
        [payment("300.00", "thanks", account=IBAN_GLOBEX)], CUSTOMERS, invoices, plans=[plan]
    )
    assert d.action is Action.APPLY and _alloc(d) == [("INV-6001", D("300.00"))]


def test_quoted_plan_from_a_payer_who_is_another_customer_is_only_suggested() -> None:
    invoices, plan = _book()
    [d] = match(
        [payment("300.00", "PLAN-7", account=IBAN_GLOBEX)], CUSTOMERS, invoices, plans=[plan]
    )
    assert d.action is Action.REVIEW


def test_partial_and_multiple_instalments_and_over_payment_with_the_reference() -> None:
    invoices, plan = _book()
    [d] = match([payment("450.00", "PLAN 7", account=IBAN_ACME)], CUSTOMERS, invoices, plans=[plan])
    assert d.action is Action.APPLY and d.reason is ReviewReason.PARTIAL_PAYMENT
    assert _alloc(d) == [("INV-5002", D("300.00")), ("INV-5001", D("150.00"))]
    assert d.applied.reasons[0].startswith(
        "pays 450.00 EUR towards plan PLAN-7 instalments 1-2 of 3"
    )
    [d] = match([payment("600.00", "PLAN-7", account=IBAN_ACME)], CUSTOMERS, invoices, plans=[plan])
    assert d.action is Action.APPLY and d.reason is None
    assert d.applied.reasons[0].startswith("pays plan PLAN-7 instalments 1-2 of 3")
    [d] = match(
        [payment("1000.00", "PLAN-7", account=IBAN_ACME)], CUSTOMERS, invoices, plans=[plan]
    )
    assert d.action is Action.APPLY and d.reason is ReviewReason.OVER_PAYMENT
    assert d.applied.unapplied == D("100.00")


def test_progress_follows_the_invoices_open_amounts() -> None:
    # 350.00 already paid on the plan's invoices: instalment 1 paid, 250.00 left of instalment 2.
    invoices, plan = _book()
    invoices = [
        invoice("INV-5001", "C1", "600.00", open_amount="550.00", iid=501, due=date(2026, 8, 1)),
        invoice("INV-5002", "C1", "300.00", open_amount="0.00", iid=502, due=date(2026, 7, 1)),
        *invoices[2:],
    ]
    [d] = match([payment("250.00", "", account=IBAN_ACME)], CUSTOMERS, invoices, plans=[plan])
    assert d.action is Action.APPLY and _alloc(d) == [("INV-5001", D("250.00"))]
    assert d.applied.reasons[0].startswith("pays plan PLAN-7 instalment 2 of 3")


def test_no_plans_changes_nothing_and_order_does_not_matter() -> None:
    invoices, plan = _book()
    ps = [
        payment("300.00", "thanks", account=IBAN_ACME, pid=11),
        payment("300.00", "PLAN-7", pid=12),
        payment("455.00", "INV-5003", pid=13, account=IBAN_ACME),
    ]
    forward = match(ps, CUSTOMERS, invoices, plans=[plan])
    backward = match(list(reversed(ps)), CUSTOMERS, invoices, plans=[plan])
    assert sorted(forward, key=lambda d: d.payment_id) == sorted(
        backward, key=lambda d: d.payment_id
    )
    assert [d.action for d in forward] == [Action.APPLY] * 3
    assert ACME.id == "C1" and GLOBEX.id == "C2"
