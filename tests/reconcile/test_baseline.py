from __future__ import annotations

from decimal import Decimal

from reconcile.baseline import match
from reconcile.model import Action

from .builders import CUSTOMERS, IBAN_ACME, invoice, payment

D = Decimal


def test_baseline_exact_token_or_greedy_by_account_only() -> None:
    invs = [invoice("INV-1", "C1", "100.00"), invoice("INV-2", "C1", "50.00"), invoice("INV-3", "C1", "70.00")]
    exact, greedy, typo, stuck, debit = match([
        payment("100.00", "INV-1", pid=1, on=invs[0].issue_date),
        payment("120.00", account=IBAN_ACME, pid=2),  # 50 + 70, found greedily after INV-1 is gone
        payment("70.00", "INV-33", name="Acme Manufacturing Inc", pid=3),  # no fuzzy, no names
        payment("170.00", account=IBAN_ACME, pid=4),
        payment("5.00", pid=5, direction=__import__("core.records").records.Direction.DEBIT),
    ], CUSTOMERS, invs)
    assert exact.action is Action.APPLY and exact.applied.invoice_numbers == ("INV-1",)
    assert greedy.action is Action.APPLY and set(greedy.applied.invoice_numbers) == {"INV-2", "INV-3"}
    assert typo.action is Action.REVIEW and stuck.action is Action.REVIEW
    assert debit.action is Action.IGNORE
