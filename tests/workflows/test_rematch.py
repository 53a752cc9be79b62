"""Money on account comes back: an invoice import re-matches payments with money unapplied
(reconcile/rematch.py, workflows.pipeline.rematch_opened), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.money import to_minor
from ledger.db import transaction
from ledger.models import Application, AuditEvent, BankTransaction, Invoice, InvoiceEvent, ReviewItem
from reconcile import manual
from reconcile.invoice_rows import parse_book
from tests.factories import E, camt
from workflows.invoices import import_batch, import_invoices
from workflows.pipeline import match_settled

TODAY = date(2026, 11, 24)
HEADER = "invoice_number,customer_id,customer_name,currency,amount,issue_date,customer_accounts"
ACME_IBAN = "DE89370400440532013000"
GLOBEX_IBAN = "GB82WEST12345698765432"


def _import(rt, *rows: str, batch: bool = False):  # type: ignore[no-untyped-def]
    book = parse_book(("\n".join((HEADER, *rows)) + "\n").encode(), "book.csv")
    assert not book.errors, book.errors
    run = import_batch if batch else import_invoices
    return run(rt, book, file="book.csv", actor="erp-import")


def _acme(number: str, amount: str) -> str:
    return f"{number},C1,Acme Manufacturing Inc,EUR,{amount},2026-11-01,{ACME_IBAN}"


def _globex(number: str, amount: str) -> str:
    return f"{number},C2,Globex GmbH,EUR,{amount},2026-11-01,{GLOBEX_IBAN}"


def _pay(rt, entry: E, name: str = "p.xml") -> int:  # type: ignore[no-untyped-def]
    result = rt.ingestor().ingest_stream(io.BytesIO(camt("053", [entry], stmt_id=name)), name=name, source="test")
    assert result.status == "parsed", result.error
    match_settled(rt, actor="test", today=TODAY)
    (tx,) = result.new_transaction_ids
    return tx


def _state(rt, tx: int) -> tuple[str, int, int, list[tuple[str, int]], str | None]:  # type: ignore[no-untyped-def]
    """match status, amount, applied, live applications (number, minor), open review reason."""
    with transaction(rt.engine) as s:
        t = s.get(BankTransaction, tx)
        apps = s.execute(select(Invoice.number, Application.applied_minor)
                         .join(Invoice, Invoice.id == Application.invoice_id)
                         .where(Application.transaction_id == tx, Application.status == "applied")
                         .order_by(Invoice.number)).all()
        reason = s.scalar(select(ReviewItem.reason).where(ReviewItem.transaction_id == tx,
                                                          ReviewItem.status == "open"))
        return t.match_status, t.amount_minor, t.applied_minor, [tuple(a) for a in apps], reason


def _overpaid(rt) -> int:  # type: ignore[no-untyped-def]
    """Acme pays 150.00 naming INV-1 (100.00): 100 applied, 50 left on account."""
    _import(rt, _acme("INV-1", "100.00"))
    tx = _pay(rt, E("150.00", ref="A1", e2e="E1", name="Acme Manufacturing Inc", account=ACME_IBAN,
                    text=["INV-1"]))
    assert _state(rt, tx) == ("applied", 15000, 10000, [("INV-1", 10000)], "over_payment")
    return tx


def _invariant(rt) -> None:  # type: ignore[no-untyped-def]
    """Per payment: live applications sum to its applied total, and never exceed its amount."""
    with transaction(rt.engine) as s:
        sums = dict(s.execute(select(Application.transaction_id, func.sum(Application.applied_minor))
                              .where(Application.status == "applied").group_by(Application.transaction_id)).all())
        for t in s.scalars(select(BankTransaction)):
            assert sums.get(t.id, 0) == t.applied_minor <= (t.amount_minor or 0), t.id


def test_money_on_account_pays_the_customers_new_invoice(rt) -> None:
    tx = _overpaid(rt)
    result = _import(rt, _acme("INV-2", "50.00"))
    assert result.as_json()["rematched"] == {"applied": 1, "review": 0, "deferred": 0}
    assert _state(rt, tx) == ("applied", 15000, 15000, [("INV-1", 10000), ("INV-2", 5000)], None)
    with transaction(rt.engine) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == "INV-2")).one()
        assert (inv.open_minor, inv.status) == (0, "paid")
        app = s.scalars(select(Application).where(Application.invoice_id == inv.id)).one()
        assert (app.method, app.actor) == ("auto", "erp-import")
        closed = s.scalars(select(ReviewItem).where(ReviewItem.transaction_id == tx)).one()
        assert (closed.status, closed.actor) == ("resolved", "erp-import")
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "application.created",
                                                   AuditEvent.actor == "erp-import")).one()
        assert audit.after["transaction_id"] == tx and audit.after["applied"] == "50.00"
        # The outbox event the normal path emits when cash pays an invoice, naming this payment.
        (event,) = [e.payload for e in s.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == inv.id))
                    if e.payload["invoice"]["status"] == "paid"]
        assert (event["invoice"]["previous_status"], event["actor"], event["transaction_id"]) == (
            "open", "erp-import", tx)
    _invariant(rt)


def test_only_the_rest_is_applied_and_a_bigger_new_invoice_is_not_paid_from_it(rt) -> None:
    tx = _overpaid(rt)
    result = _import(rt, _acme("INV-2", "80.00"))  # 50 left: a short-pay of 80, never automatic
    assert result.as_json()["rematched"] == {"applied": 0, "review": 1, "deferred": 0}
    assert _state(rt, tx) == ("applied", 15000, 10000, [("INV-1", 10000)], "over_payment")
    _invariant(rt)


def test_a_remainder_named_for_the_new_invoice_is_applied_and_the_rest_stays_on_account(rt) -> None:
    _import(rt, _acme("INV-1", "100.00"))
    tx = _pay(rt, E("200.00", ref="A1", e2e="E1", name="Acme Manufacturing Inc", account=ACME_IBAN,
                    text=["INV-1 INV-3"]))
    assert _state(rt, tx)[2] == 10000
    result = _import(rt, _acme("INV-3", "60.00"))  # named, but 100 left: 60 applied, 40 still over
    assert result.rematched == {"applied": 1, "review": 0, "deferred": 0}
    assert _state(rt, tx) == ("applied", 20000, 16000, [("INV-1", 10000), ("INV-3", 6000)], "over_payment")
    _invariant(rt)


def test_an_unknown_reference_is_applied_once_its_invoice_is_imported(rt) -> None:
    _import(rt, _acme("INV-1", "100.00"))
    tx = _pay(rt, E("80.00", ref="A2", e2e="E2", name="Someone Else Ltd", text=["Invoice INV-7777"]))
    assert _state(rt, tx) == ("review", 8000, 0, [], "unknown_reference")
    result = _import(rt, _globex("INV-7777", "80.00"), batch=True)  # the API's path
    assert result.rematched == {"applied": 1, "review": 0, "deferred": 0}
    assert _state(rt, tx) == ("applied", 8000, 8000, [("INV-7777", 8000)], None)
    _invariant(rt)


def test_a_short_pay_that_named_a_missing_invoice_is_applied_once_it_is_imported(rt) -> None:
    """Acme pays 2557.15 naming INV-15083, which the AR system has not exported yet: the book's
    only Acme invoice (INV-13814, 3000.00) makes it a short pay in review. When INV-15083
    (2557.15) arrives, the payment is its; a short pay that names no new invoice stays as it was."""
    _import(rt, _acme("INV-13814", "3000.00"))
    tx = _pay(rt, E("2557.15", ref="A4", e2e="E4", name="Acme Manufacturing Inc", account=ACME_IBAN,
                    text=["INVOICE INV-15083"]))
    other = _pay(rt, E("2900.00", ref="A5", e2e="E5", name="Acme Manufacturing Inc", account=ACME_IBAN,
                       text=["INVOICE INV-15084"]), name="q.xml")
    assert _state(rt, tx) == ("review", 255715, 0, [], "short_pay")
    before = _state(rt, other)
    assert before[:3] == ("review", 290000, 0)
    result = _import(rt, _acme("INV-15083", "2557.15"))
    assert result.rematched == {"applied": 1, "review": 0, "deferred": 0}
    assert _state(rt, tx) == ("applied", 255715, 255715, [("INV-15083", 255715)], None)
    assert _state(rt, other) == before
    _invariant(rt)


def test_a_new_invoice_of_another_customer_for_the_same_amount_is_not_paid(rt) -> None:
    tx = _overpaid(rt)
    stranger = _pay(rt, E("50.00", ref="A3", e2e="E3", name="Nobody Known"), name="q.xml")
    assert _state(rt, stranger)[0] == "review"
    result = _import(rt, _globex("INV-9", "50.00"))
    assert result.rematched is not None and result.rematched["applied"] == 0
    assert _state(rt, tx) == ("applied", 15000, 10000, [("INV-1", 10000)], "over_payment")
    assert _state(rt, stranger)[:3] == ("review", 5000, 0)
    with transaction(rt.engine) as s:
        assert s.scalar(select(Invoice.open_minor).where(Invoice.number == "INV-9")) == 5000
    _invariant(rt)


def test_a_payment_a_reviewer_unapplied_is_not_taken_up_again(rt) -> None:
    _import(rt, _acme("INV-1", "100.00"))
    tx = _pay(rt, E("100.00", ref="A1", e2e="E1", name="Acme Manufacturing Inc", account=ACME_IBAN,
                    text=["INV-1"]))
    with transaction(rt.engine) as s:
        manual.unapply(s, transaction_id=tx, actor="alice", reason="wrong customer")
    result = _import(rt, _acme("INV-2", "100.00"))
    assert result.rematched == {"applied": 0, "review": 0, "deferred": 0}
    assert _state(rt, tx) == ("review", 10000, 0, [], "manual_unapply")


def test_an_import_that_opens_nothing_matches_nothing(rt) -> None:
    tx = _overpaid(rt)
    again = _import(rt, _acme("INV-1", "100.00"))  # unchanged (held: cash applied)
    assert (again.created, again.opened, again.rematched) == (0, [], {"applied": 0, "review": 0, "deferred": 0})
    assert _state(rt, tx)[2] == 10000


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paid=st.integers(1, 400), extra=st.integers(1, 400), new=st.lists(st.integers(1, 400), max_size=3))
def test_applications_never_exceed_the_payment(fresh_runtime, paid: int, extra: int, new: list[int]) -> None:
    rt = fresh_runtime()
    _import(rt, _acme("INV-1", f"{paid}.00"))
    tx = _pay(rt, E(f"{paid + extra}.00", ref="A1", e2e="E1", name="Acme Manufacturing Inc",
                    account=ACME_IBAN, text=["INV-1"]))
    _import(rt, *(_acme(f"INV-N{i}", f"{amount}.00") for i, amount in enumerate(new)))
    _invariant(rt)
    status, amount, applied, apps, _ = _state(rt, tx)
    assert amount == to_minor(Decimal(paid + extra), "EUR") and applied <= amount
    # Without a reference the rest is applied whole, to new invoices that add up to it, or not at all;
    # a payment more than half unexplained (no good cover) applies nothing until something covers it.
    assert applied in (0, paid * 100, amount)
    if applied == 0:
        assert extra > paid and status == "review"
    sums = {sum(c) for r in range(1, len(new) + 1) for c in itertools.combinations(new, r)}
    if applied == amount:
        assert extra in sums and sum(m for n, m in apps if n != "INV-1") == extra * 100
    if new == [extra]:
        assert applied == amount and status == "applied"


def test_the_command_reports_what_was_rematched(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tx = _overpaid(rt)
    book = tmp_path / "more.csv"
    book.write_text("\n".join((HEADER, _acme("INV-2", "50.00"))) + "\n")
    proc = subprocess.run([sys.executable, "-m", "cli", "invoices", "import", "--json", str(book)],
                          env=cli_env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["created"], out["rematched"]) == (1, {"applied": 1, "review": 0, "deferred": 0})
    assert _state(rt, tx)[2] == 15000
    with transaction(rt.engine) as s:
        assert s.scalar(select(Application.actor).where(Application.applied_minor == 5000)) == "cli:invoices-import"


def test_the_api_answer_reports_what_was_rematched(rt) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ledger.repositories import api_keys
    from server.app import create_app

    tx = _overpaid(rt)
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="erp", scopes=["ar:write"])
    row = {"invoice_number": "INV-2", "customer_id": "C1", "customer_name": "Acme Manufacturing Inc",
           "currency": "EUR", "amount": "50.00", "issue_date": "2026-11-01"}
    with TestClient(create_app(rt)) as client:
        r = client.post("/api/v1/invoices", headers={"Authorization": f"Bearer {key}"}, json={"invoices": [row]})
    assert r.status_code == 200, r.text
    assert r.json()["rematched"] == {"applied": 1, "review": 0, "deferred": 0}
    assert _state(rt, tx)[:3] == ("applied", 15000, 15000)
