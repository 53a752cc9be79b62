"""Properties of one matching run over random books and payments (hypothesis).

No over-application, nothing negative, order independence and determinism — for the engine
and for the baseline (same contract).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.records import Direction, InvoiceRef
from core.terms import parse_terms
from reconcile import baseline, engine
from reconcile.model import Action, Customer, Decision, OpenInvoice, Payment

CUSTOMERS = [
    Customer("C1", "Acme Manufacturing Inc", ("ACC-1",)),
    Customer("C2", "Globex Corporation", ("ACC-2", "ACC-SHARED")),
    Customer("C3", "Globex Logistics", ("ACC-SHARED",)),
]
TERMS = [None, parse_terms("2/10 net 30")[0], parse_terms("1%15 net 45")[0]]
START = date(2026, 11, 1)
CENTS = [1000, 2500, 5000, 7550, 10000, 12345, 25000, 99900]  # few values: collisions are the point


@st.composite
def books(draw: st.DrawFn) -> list[OpenInvoice]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        cents = draw(st.sampled_from(CENTS))
        paid = draw(st.sampled_from([0, 0, 0, cents // 2, cents]))  # some partly paid, some closed
        out.append(OpenInvoice(
            id=i + 1, number=f"INV-{10000 + 7 * i}", customer_id=draw(st.sampled_from(["C1", "C2", "C3"])),
            currency=draw(st.sampled_from(["EUR", "EUR", "EUR", "USD"])),
            amount=Decimal(cents).scaleb(-2), open_amount=Decimal(cents - paid).scaleb(-2),
            issue_date=START + timedelta(days=draw(st.integers(0, 20))), terms=draw(st.sampled_from(TERMS)),
            po_number=draw(st.sampled_from([None, None, f"PO-{500 + i}"]))))
    return out


@st.composite
def days(draw: st.DrawFn) -> tuple[list[OpenInvoice], list[Payment]]:
    invoices = draw(books())
    payments = []
    for pid in range(1, draw(st.integers(0, 10)) + 1):
        named = draw(st.lists(st.sampled_from(invoices), max_size=3)) if invoices else []
        kind = draw(st.sampled_from(["open", "sum", "discount", "fee", "random", "amount"]))
        if kind == "open" and named:
            cents = int(named[0].open_amount.scaleb(2))
        elif kind == "sum" and named:
            cents = sum(int(i.open_amount.scaleb(2)) for i in named)
        elif kind == "discount" and named:
            cents = int(named[0].open_amount.scaleb(2)) * 98 // 100
        elif kind == "fee" and named:
            cents = int(named[0].open_amount.scaleb(2)) - draw(st.integers(1, 2500))
        elif kind == "amount":
            cents = draw(st.sampled_from(CENTS))
        else:
            cents = draw(st.integers(-100, 200000))
        text = " ".join(_shape(draw, i.number) for i in named)
        structured = tuple(InvoiceRef(i.number, draw(st.sampled_from([None, i.open_amount]))) for i in named
                           if draw(st.booleans()) and draw(st.booleans()))
        payments.append(Payment(
            id=pid, amount=Decimal(cents).scaleb(-2), currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
            value_date=START + timedelta(days=draw(st.integers(0, 40))),
            direction=draw(st.sampled_from([Direction.CREDIT] * 5 + [Direction.DEBIT])),
            payer_name=draw(st.sampled_from([None, "ACME MFG", "Globex Corp", "JOHN SMITH", "Globex"])),
            payer_account=draw(st.sampled_from([None, "ACC-1", "ACC-2", "ACC-SHARED", "ACC-X"])),
            remittance=(text,) if text else (), invoices=structured))
    return invoices, payments


def _shape(draw: st.DrawFn, number: str) -> str:
    core = number[4:]
    return draw(st.sampled_from([number, f"INV {core}", core, core[:2] + core[3] + core[2] + core[4:], core[:-1]]))


def check_run(invoices: list[OpenInvoice], payments: list[Payment], decisions: list[Decision]) -> None:
    assert [d.payment_id for d in decisions] == [p.id for p in payments]
    opening = {inv.id: inv for inv in invoices}
    taken: dict[int, Decimal] = defaultdict(Decimal)
    for p, d in zip(payments, decisions):
        if p.direction is Direction.DEBIT or p.amount <= 0:
            assert d.action is Action.IGNORE
        if d.action is Action.APPLY:
            c = d.applied
            assert c is not None and c.allocations
            assert sum(a.applied for a in c.allocations) + c.unapplied == p.amount  # Σ applied + rest
            assert c.unapplied >= 0
            assert len({a.invoice_id for a in c.allocations}) == len(c.allocations)
            for a in c.allocations:
                assert a.applied >= 0 and a.discount >= 0 and a.write_off >= 0
                assert opening[a.invoice_id].currency == p.currency
                taken[a.invoice_id] += a.applied + a.discount + a.write_off
        else:
            assert d.applied is None
        if d.action is Action.REVIEW:
            assert d.reason is not None and d.explanation
            assert len(d.suggestions) <= 5
            assert [s.score for s in d.suggestions] == sorted((s.score for s in d.suggestions), reverse=True)
        for c in (d.applied, *d.suggestions):
            if c is not None:
                assert 0 <= c.score <= 100
    for invoice_id, amount in taken.items():  # across ALL decisions: never more than was open
        assert amount <= opening[invoice_id].open_amount, invoice_id


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(days())
def test_engine_never_over_applies(day: tuple[list[OpenInvoice], list[Payment]]) -> None:
    invoices, payments = day
    check_run(invoices, payments, engine.match(payments, CUSTOMERS, invoices))


@PROPERTY
@given(days(), st.randoms(use_true_random=False))
def test_engine_is_order_independent_and_deterministic(day: tuple[list[OpenInvoice], list[Payment]],
                                                       rnd: random.Random) -> None:
    invoices, payments = day
    first = {d.payment_id: d for d in engine.match(payments, CUSTOMERS, invoices)}
    shuffled = list(payments)
    rnd.shuffle(shuffled)
    books_shuffled = list(invoices)
    rnd.shuffle(books_shuffled)
    again = {d.payment_id: d for d in engine.match(shuffled, CUSTOMERS, books_shuffled)}
    assert again == first
    assert {d.payment_id: d for d in engine.match(payments, CUSTOMERS, invoices)} == first


@settings(max_examples=60, deadline=None)
@given(days())
def test_baseline_keeps_the_same_invariants(day: tuple[list[OpenInvoice], list[Payment]]) -> None:
    invoices, payments = day
    check_run(invoices, payments, baseline.match(payments, CUSTOMERS, invoices))
