"""Matching what is left of a partly applied payment (pure): the invoices it already paid
are spent evidence (reconcile/remainder.py), never a duplicate nor a one-edit reference."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from reconcile.engine import match
from reconcile.model import Action, ReviewReason
from tests.reconcile.builders import CUSTOMERS, IBAN_ACME, D, invoice, payment


def _book():  # type: ignore[no-untyped-def]
    paid = invoice("INV-0001", "C1", "100.00", open_amount="0", iid=901)
    new = invoice("INV-0002", "C1", "50.00", iid=902)
    return paid, new


def test_the_rest_pays_the_customers_new_invoice_once_its_own_invoice_is_spent() -> None:
    paid, new = _book()
    rest = payment("50.00", "INV-0001", name="Acme Manufacturing Inc", account=IBAN_ACME, pid=1)
    (as_before,) = match([rest], CUSTOMERS, [paid, new])
    # Read as a fresh payment, it names a paid invoice: a duplicate, for a person to look at.
    assert as_before.action is Action.REVIEW and as_before.reason is ReviewReason.DUPLICATE_PAYMENT
    (decision,) = match([dataclasses.replace(rest, settled=frozenset({paid.id}))], CUSTOMERS, [paid, new])
    assert decision.action is Action.APPLY and decision.applied is not None
    assert [(a.invoice_number, a.applied) for a in decision.applied.allocations] == [("INV-0002", D("50.00"))]
    # The reasons are the payer and the amount, not a one-edit reading of INV-0001.
    assert not any("INV-0001" in r for r in decision.applied.reasons)


def test_without_the_payer_the_rest_is_not_applied_on_the_amount_alone() -> None:
    paid, new = _book()
    rest = payment("50.00", "INV-0001", name="Someone", pid=1)
    (decision,) = match([dataclasses.replace(rest, settled=frozenset({paid.id}))], CUSTOMERS, [paid, new])
    assert decision.action is Action.REVIEW


@given(left=st.integers(1, 20_000), amounts=st.lists(st.integers(1, 20_000), min_size=1, max_size=4))
def test_never_more_than_what_is_left(left: int, amounts: list[int]) -> None:
    paid = invoice("INV-0001", "C1", "100.00", open_amount="0", iid=901)
    book = [paid, *(invoice(f"INV-1{i:03d}", "C1", f"{a / 100:.2f}", iid=910 + i) for i, a in enumerate(amounts))]
    rest = payment(f"{left / 100:.2f}", "INV-0001", "INV-1000", name="Acme Manufacturing Inc", account=IBAN_ACME,
                   pid=1)
    (decision,) = match([dataclasses.replace(rest, settled=frozenset({paid.id}))], CUSTOMERS, book)
    if decision.applied is not None:
        assert sum(a.applied for a in decision.applied.allocations) <= D(left) / 100
        assert paid.id not in {a.invoice_id for a in decision.applied.allocations}
