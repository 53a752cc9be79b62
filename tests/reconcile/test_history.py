"""Same-amount invoices of one customer: oldest first only when the customer's history says so.

A payment with no reference for the amount of two of a customer's open invoices names neither.
The engine takes the oldest only for a customer whose payments settled its invoices in issue
order (reconcile.history, at least three); anyone else's tie is a person's call.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Invoice, ReviewItem
from reconcile.engine import match
from reconcile.history import MIN_PAID, paid_oldest_first
from reconcile.invoice_rows import parse_book
from reconcile.model import Action, ReviewReason
from tests.factories import E, camt
from workflows.invoices import import_invoices
from workflows.pipeline import match_settled

from .builders import IBAN_ACME, customer, invoice, payment

ACME = customer("C1", "Acme Manufacturing Inc", IBAN_ACME)
OLD = invoice("INV-10", "C1", "500.00", issued=date(2026, 9, 1))
NEW = invoice("INV-20", "C1", "500.00", issued=date(2026, 10, 1))
OTHER = invoice("INV-30", "C1", "120.00", issued=date(2026, 10, 5))


def _decide(habit: int, *invoices):  # type: ignore[no-untyped-def]
    acme = dataclasses.replace(ACME, paid_oldest_first=habit)
    (d,) = match([payment("500.00", "THANK YOU", account=IBAN_ACME)], [acme], list(invoices or (NEW, OLD, OTHER)))
    return d


def test_without_a_habit_the_tie_is_a_persons_call() -> None:
    d = _decide(0)
    assert d.action is Action.REVIEW and d.reason is ReviewReason.AMBIGUOUS
    assert {c.invoice_numbers for c in d.suggestions} >= {("INV-10",), ("INV-20",)}


def test_a_customer_who_pays_oldest_first_gets_the_oldest_and_the_reason() -> None:
    d = _decide(5)
    assert d.action is Action.APPLY and d.applied is not None
    assert d.applied.invoice_numbers == ("INV-10",)
    assert any("oldest" in r and "5 invoices were paid in issue order" in r for r in d.applied.reasons)
    assert "oldest" in d.explanation


def test_the_habit_never_breaks_a_tie_of_equal_dates_or_a_named_invoice() -> None:
    twin = dataclasses.replace(NEW, id=99, number="INV-21", issue_date=OLD.issue_date)
    assert _decide(5, OLD, twin).action is Action.REVIEW  # same issue date: neither is older
    acme = dataclasses.replace(ACME, paid_oldest_first=5)
    (d,) = match([payment("500.00", "INV-20", account=IBAN_ACME)], [acme], [OLD, NEW])
    assert d.action is Action.APPLY and d.applied is not None and d.applied.invoice_numbers == ("INV-20",)
    # an unknown payer: no customer, no habit to speak of
    (d,) = match([payment("500.00", name="Nobody Known")], [acme], [OLD, NEW])
    assert d.action is Action.REVIEW


# -- the history, from the database --------------------------------------------------------------

TODAY = date(2026, 11, 24)
HEADER = "invoice_number,customer_id,customer_name,currency,amount,issue_date,customer_accounts"


def _import(rt, *rows: str) -> None:  # type: ignore[no-untyped-def]
    book = parse_book(("\n".join((HEADER, *rows)) + "\n").encode(), "book.csv")
    assert not book.errors, book.errors
    import_invoices(rt, book, file="book.csv", actor="erp-import")


_files = itertools.count(1)


def _pay(rt, n: int, amount: str, text: str) -> int:  # type: ignore[no-untyped-def]
    n = next(_files) * 100 + n  # every file its own statement, references and end-to-end ids
    entry = E(amount, ref=f"R{n}", e2e=f"E{n}", name="Acme Manufacturing Inc", account=IBAN_ACME, text=[text])
    result = rt.ingestor().ingest_stream(io.BytesIO(camt("053", [entry], stmt_id=f"S{n}")), name=f"p{n}.xml",
                                         source="test")
    assert result.status == "parsed", result.error
    match_settled(rt, actor="test", today=TODAY)
    (tx,) = result.new_transaction_ids
    return tx


def _acme(number: str, amount: str, issued: str) -> str:
    return f"{number},C1,Acme Manufacturing Inc,EUR,{amount},{issued},{IBAN_ACME}"


def _paid_in(rt, order: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Acme pays these invoices by number, one payment each, in this order (a second apart)."""
    for n, number in enumerate(order, start=1):
        _pay(rt, n, "100.00", number)
    with transaction(rt.engine) as s:  # one second apart, so the order is the history's
        start = datetime(2026, 11, 1, tzinfo=timezone.utc)
        for k, app in enumerate(s.scalars(select(Application).order_by(Application.id))):
            app.created_at = start + timedelta(seconds=k)


def test_the_history_says_oldest_first_only_for_every_payment_in_issue_order(rt) -> None:
    _import(rt, _acme("INV-1001", "100.00", "2026-08-01"), _acme("INV-1002", "100.00", "2026-08-15"),
            _acme("INV-1003", "100.00", "2026-09-01"))
    _paid_in(rt, ["INV-1001", "INV-1002"])
    with transaction(rt.engine) as s:
        assert paid_oldest_first(s, today=TODAY) == {}  # two payments are no habit
    _paid_in(rt, ["INV-1001", "INV-1002", "INV-1003"][2:])
    with transaction(rt.engine) as s:
        assert paid_oldest_first(s, today=TODAY) == {"C1": MIN_PAID}
        # a year later the payments are out of the window
        assert paid_oldest_first(s, today=TODAY + timedelta(days=400)) == {}


def test_one_payment_out_of_order_is_no_habit(rt) -> None:
    _import(rt, _acme("INV-1001", "100.00", "2026-08-01"), _acme("INV-1002", "100.00", "2026-08-15"),
            _acme("INV-1003", "100.00", "2026-09-01"), _acme("INV-1004", "100.00", "2026-09-10"))
    _paid_in(rt, ["INV-1001", "INV-1003", "INV-1002", "INV-1004"])
    with transaction(rt.engine) as s:
        assert paid_oldest_first(s, today=TODAY) == {}


def test_a_run_applies_the_oldest_of_two_same_amount_invoices_for_a_customer_with_the_habit(rt) -> None:
    _import(rt, _acme("INV-1001", "100.00", "2026-08-01"), _acme("INV-1002", "100.00", "2026-08-15"),
            _acme("INV-1003", "100.00", "2026-09-01"), _acme("INV-2002", "777.00", "2026-10-20"),
            _acme("INV-2001", "777.00", "2026-10-02"))
    _paid_in(rt, ["INV-1001", "INV-1002", "INV-1003"])
    tx = _pay(rt, 9, "777.00", "THANK YOU")
    with transaction(rt.engine) as s:
        assert s.get(BankTransaction, tx).match_status == "applied"
        (number,) = s.scalars(select(Invoice.number).join(Application, Application.invoice_id == Invoice.id)
                              .where(Application.transaction_id == tx)).all()
        assert number == "INV-2001"


def test_without_the_history_the_same_payment_goes_to_review(rt) -> None:
    _import(rt, _acme("INV-2002", "777.00", "2026-10-20"), _acme("INV-2001", "777.00", "2026-10-02"))
    tx = _pay(rt, 9, "777.00", "THANK YOU")
    with transaction(rt.engine) as s:
        assert s.get(BankTransaction, tx).match_status == "review"
        assert s.scalar(select(ReviewItem.reason).where(ReviewItem.transaction_id == tx)) == "ambiguous"

