"""Dunning decisions (pure), with hand-worked dates: due 2026-11-01, so 2026-11-08 is +7."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.terms import parse_terms
from receivables import dunning
from receivables.dunning import (
    DEFAULT_STEPS,
    CustomerInfo,
    InstalmentState,
    InvoiceState,
    Policy,
    PolicyError,
    Step,
)
from reconcile.amounts import Item, discount_for
from reconcile.model import MatchSettings
from tests.reconcile.builders import invoice

DUE = date(2026, 11, 1)
DEFAULT = Policy(1, "default", None, DEFAULT_STEPS)
GENTLE = Policy(2, "gentle", "large", (Step("nudge", 5, "email", "reminder"),))
VIP = Policy(3, "vip", None, (Step("call", 10, "call", "call"),))
POLICIES = [DEFAULT, GENTLE, VIP]
C1 = CustomerInfo("C1", "Contoso", "ap@contoso.test")


def inv(n: int = 1, **kw) -> InvoiceState:  # type: ignore[no-untyped-def]
    base = {
        "id": n,
        "number": f"INV-{n}",
        "customer_id": "C1",
        "currency": "EUR",
        "amount_minor": 100000,
        "open_minor": 100000,
        "status": "open",
        "issue_date": date(2026, 10, 2),
        "due_date": DUE,
    }
    base.update(kw)
    return InvoiceState(**base)  # type: ignore[arg-type]


def decide(  # type: ignore[no-untyped-def]
    as_of: date, invoices, customers=None, done=frozenset(), instalments=()
):
    return dunning.decide(
        as_of,
        policies=POLICIES,
        default=DEFAULT,
        customers=customers or {"C1": C1},
        invoices=invoices,
        instalments=instalments,
        done=done,
    )


def test_parse_step_and_defaults() -> None:
    assert dunning.parse_step("courtesy:-3:email:courtesy") == Step(
        "courtesy", -3, "email", "courtesy"
    )
    assert dunning.parse_step("ring:15:call") == Step("ring", 15, "call", "call")
    for bad in ("x", "a:b:email", "a:1:fax", "A B:1:email", "a:99999:email"):
        with pytest.raises(PolicyError):
            dunning.parse_step(bad)
    with pytest.raises(PolicyError, match="share an offset"):
        dunning.normalise_steps([Step("a", 1, "email", "a"), Step("b", 1, "email", "b")])
    with pytest.raises(PolicyError, match="share a name"):
        dunning.normalise_steps([Step("a", 1, "email", "a"), Step("a", 2, "email", "b")])
    # Ordered by offset, whatever order they were given in.
    steps = dunning.normalise_steps([Step("b", 7, "email", "x"), Step("a", -3, "email", "x")])
    assert [s.name for s in steps] == ["a", "b"]


def test_nothing_before_the_first_step_then_each_step_on_its_day() -> None:
    assert decide(date(2026, 10, 28), [inv()]) == []  # due in 4 days: courtesy is at -3
    (d,) = decide(date(2026, 10, 29), [inv()])
    assert (d.step.name, d.days_past_due, d.dedupe_key) == (
        "courtesy",
        -3,
        "invoice:1:policy:1:step:courtesy",
    )
    done = {d.dedupe_key}
    assert decide(date(2026, 10, 30), [inv()], done=done) == []  # never the same step twice
    (d,) = decide(date(2026, 11, 2), [inv()], done=done)
    assert (d.step.name, d.days_past_due, d.skipped) == ("reminder", 1, ())


def test_forty_days_late_on_the_first_run_gets_the_final_notice_only() -> None:
    (d,) = decide(date(2026, 12, 11), [inv()])  # 40 days past due
    assert (d.step.name, d.step.channel, d.days_past_due) == ("final", "letter", 40)
    assert d.skipped == ("courtesy", "reminder", "second", "call")
    # The next day: nothing (the final notice is done; earlier steps are never sent late).
    assert decide(date(2026, 12, 12), [inv()], done={d.dedupe_key}) == []


def test_paid_void_disputed_and_planned_invoices_are_left_alone() -> None:
    as_of = date(2026, 11, 9)
    assert decide(as_of, [inv(status="paid", open_minor=0)]) == []
    assert decide(as_of, [inv(status="void")]) == []
    assert decide(as_of, [inv(disputed_minor=100000)]) == []  # whole open amount disputed
    assert decide(as_of, [inv(in_active_plan=True)]) == []
    (d,) = decide(as_of, [inv(open_minor=60000, disputed_minor=25000)])
    assert d.remind_minor == 35000  # only the undisputed 350.00 of the 600.00 open


def test_policy_override_then_segment_then_default() -> None:
    as_of = date(2026, 11, 12)  # +11
    customers = {
        "C1": CustomerInfo("C1", "a", segment="large", policy_id=3),  # override wins
        "C2": CustomerInfo("C2", "b", segment="large"),
        "C3": CustomerInfo("C3", "c", segment="unknown"),
    }
    ds = decide(as_of, [inv(1), inv(2, customer_id="C2"), inv(3, customer_id="C3")], customers)
    assert [(d.customer_id, d.policy.name, d.step.name) for d in ds] == [
        ("C1", "vip", "call"),
        ("C2", "gentle", "nudge"),
        ("C3", "default", "second"),
    ]


def test_due_date_from_terms_when_missing_and_none_without_either() -> None:
    # Issued 2026-10-02, net 30 → due 2026-11-01; as of 2026-11-02 that is +1.
    (d,) = decide(date(2026, 11, 2), [inv(due_date=None, terms="2/10 net 30")])
    assert (d.step.name, d.days_past_due) == ("reminder", 1)
    assert decide(date(2026, 11, 2), [inv(due_date=None, terms=None)]) == []


def test_instalments_get_courtesy_and_missed_notes_of_their_own() -> None:
    ins = InstalmentState(
        id=7,
        plan_id=2,
        plan_reference="PP-2",
        customer_id="C1",
        currency="EUR",
        seq=1,
        due_date=date(2026, 12, 1),
        amount_minor=25000,
        paid_minor=10000,
        status="due",
        plan_status="active",
    )
    (d,) = decide(date(2026, 11, 28), [], instalments=[ins])
    assert (d.step.name, d.dedupe_key, d.remind_minor) == (
        "courtesy",
        "instalment:7:step:courtesy",
        15000,
    )
    (d,) = decide(date(2026, 12, 3), [], instalments=[ins], done={"instalment:7:step:courtesy"})
    assert (d.step.name, d.days_past_due, d.step.template) == ("missed", 2, "instalment_missed")
    # A broken plan resumes normal dunning of its invoices; a paid instalment needs nothing.
    assert decide(date(2026, 12, 3), [], instalments=[replace(ins, plan_status="broken")]) == []
    assert decide(date(2026, 12, 3), [], instalments=[replace(ins, status="paid")]) == []


def test_groups_by_customer_and_channel_and_lead_is_the_most_severe() -> None:
    ds = decide(
        date(2026, 11, 9),
        [inv(1), inv(2, due_date=date(2026, 11, 7)), inv(3, due_date=date(2026, 10, 10))],
    )
    # INV-1 +8 → second (email), INV-2 +2 → reminder (email), INV-3 +30 → final (letter)
    assert [(d.invoice.number, d.step.name) for d in ds] == [  # type: ignore[union-attr]
        ("INV-1", "second"),
        ("INV-2", "reminder"),
        ("INV-3", "final"),
    ]
    keys = {dunning.group_key(d) for d in ds}
    assert keys == {("C1", "email", "invoice"), ("C1", "letter", "invoice")}
    assert dunning.lead(ds[:2]).step.name == "second"


def test_discount_offer_while_the_window_is_open() -> None:
    # 2/10 net 30 issued 2026-10-02: 2% of 1000.00 = 20.00 until 2026-10-12.
    i = inv(terms="2/10 net 30")
    offer = dunning.discount_offer(i, date(2026, 10, 12))
    assert offer == dunning.DiscountOffer(Decimal("20.00"), Decimal("980.00"), date(2026, 10, 12))
    assert dunning.discount_offer(i, date(2026, 10, 13)) is None  # window closed
    assert dunning.discount_offer(inv(terms="net 30"), date(2026, 10, 5)) is None
    assert (
        dunning.discount_offer(inv(terms="2/10 net 30", open_minor=50000), date(2026, 10, 5))
        is None
    )
    # JPY has no minor unit: 1% of 12345 = 123.45 → 123 (half-up).
    jpy = inv(currency="JPY", amount_minor=12345, open_minor=12345, terms="1/10 net 30")
    offer = dunning.discount_offer(jpy, date(2026, 10, 3))
    assert offer is not None and offer.amount == Decimal(123)


def test_a_reminder_offers_the_window_matching_grants_without_its_grace_days() -> None:
    # One rule (core.terms.last_discount_day): 2/10 net 30 issued 2026-10-02 ends 2026-10-12.
    issued, last = date(2026, 10, 2), date(2026, 10, 12)
    terms, _ = parse_terms("2/10 net 30")
    assert terms.discount_last_day(issued, grace_days=0) == terms.discount_deadline(issued) == last
    reminded = inv(terms="2/10 net 30")
    matched = invoice("INV-1", "C1", "1000.00", terms="2/10 net 30", issued=issued)
    item = Item(matched, matched.open_amount)
    offer, on_time = dunning.discount_offer(reminded, date(2026, 10, 5)), discount_for(item, last, 0)
    assert offer is not None and on_time is not None and on_time.earned
    assert offer.last_day == on_time.last_day == last and offer.amount == on_time.amount
    # The day after: no offer, and no discount for matching either without grace days ...
    after = last + timedelta(days=1)
    assert dunning.discount_offer(reminded, after) is None
    missed = discount_for(item, after, 0)
    assert missed is not None and not missed.earned
    # ... but matching still grants its grace days (tolerance for bank float, never offered).
    grace = MatchSettings().discount_grace_days
    assert grace > 0
    late = discount_for(item, last + timedelta(days=grace), grace)
    assert late is not None and late.earned
    assert late.last_day == terms.discount_last_day(issued, grace_days=grace) == last + timedelta(days=grace)
    assert dunning.discount_offer(reminded, last + timedelta(days=grace)) is None


def test_classify_slow_payers_before_large_balances() -> None:
    large = Decimal(50000)
    # (20 + 10 + 0) / 3 = 10 days: not slow; early payment (−5) counts as 0, not as credit.
    assert dunning.classify([20, 10, -5], {}, slow_after_days=15, large_open=large) is None
    # (40 + 10 + 0) / 3 = 16.67 > 15: slow, even with a large balance.
    assert (
        dunning.classify([40, 10, 0], {"EUR": Decimal(90000)}, slow_after_days=15, large_open=large)
        == "slow_payer"
    )
    # Exactly 15 is not more than 15.
    assert dunning.classify([15, 15], {}, slow_after_days=15, large_open=large) is None
    assert (
        dunning.classify([], {"USD": Decimal("50000.00")}, slow_after_days=15, large_open=large)
        == "large"
    )
    assert (
        dunning.classify([], {"USD": Decimal("49999.99")}, slow_after_days=15, large_open=large)
        is None
    )
