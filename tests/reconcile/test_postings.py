"""The write side of cash application: one batch, set statements, checks against locked rows.

- A reviewer who changes an invoice while a run is deciding wins: the run's decisions that
  relied on that invoice are left for the next run, which decides on what is there now; so
  does one who changes a payment between the run reading it and locking it. An invoice
  another transaction holds is skipped, never waited for.
- One batch may end and start rows of the same kind (reverse then apply again, close then
  open a review item) without tripping the partial unique indexes.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

import reconcile.service as service
from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, Invoice, ReviewItem
from reconcile import manual
from reconcile.model import Allocation
from reconcile.postings import Postings, live_applications, lock_invoices, lock_payments
from tests.factories import E, camt
from tests.reconcile.invariants import violations
from workflows.pipeline import match_settled

TODAY = date(2026, 11, 24)


def _book(rt) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Acme Manufacturing Inc"))
        return {number: s.execute(insert(Invoice).values(
            number=number, customer_id="C1", currency="EUR", amount_minor=cents, open_minor=cents,
            issue_date=date(2026, 11, 1)).returning(Invoice.id)).scalar_one()
            for number, cents in (("INV-1", 10000), ("INV-2", 5000))}


def _store(rt, entries: list[E]) -> list[int]:  # type: ignore[no-untyped-def]
    return rt.ingestor().ingest_stream(io.BytesIO(camt("053", entries)), name="f.xml", source="t").new_transaction_ids


@pytest.mark.postgres
def test_a_reviewer_changing_an_invoice_mid_run_defers_what_relied_on_it(rt, monkeypatch) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: a reviewer cannot act while a run holds the database")
    _book(rt)
    p1, p2, p3 = _store(rt, [
        E("100.00", ref="P1", e2e="E1", name="Acme Manufacturing Inc", text=["INV-1"]),
        E("50.00", ref="P2", e2e="E2", name="Acme Manufacturing Inc", text=["INV-2"]),
        E("100.00", ref="P3", e2e="E3", name="Somebody Else", text=["see mail"]),
    ])
    with transaction(rt.engine) as s:  # P3 waits in review; the run is about payments P1, P2
        s.execute(BankTransaction.__table__.update().where(BankTransaction.id == p3).values(match_status="review"))
        s.execute(insert(ReviewItem).values(transaction_id=p3, reason="no_customer", explanation="", candidates=[],
                                            status="open"))
    engine = service._engine

    def decide_then_a_reviewer_acts(*args, **kwargs):  # type: ignore[no-untyped-def]
        made = list(engine(*args, **kwargs)())
        # ... meanwhile, in another transaction, a reviewer applies P3 to INV-1 in full.
        with transaction(rt.engine) as other:
            manual.manual_apply(other, transaction_id=p3, actor="alice",
                                lines=[manual.ManualLine("INV-1", Decimal("100.00"))])
        return lambda: iter(made)

    monkeypatch.setattr(service, "_engine", decide_then_a_reviewer_acts)
    with transaction(rt.engine) as s:
        first = service.match_pending(s, actor="run", today=TODAY)
    assert (first.applied, first.deferred) == (1, 1)  # P2 applied; P1 relied on INV-1: left for later
    monkeypatch.setattr(service, "_engine", engine)
    with transaction(rt.engine) as s:
        assert s.get(BankTransaction, p1).match_status == "unmatched"
    again = match_settled(rt, actor="run", today=TODAY)
    assert again.deferred == 0
    with transaction(rt.engine) as s:
        paid_by = s.scalars(select(Application.transaction_id).where(Application.status == "applied")
                            .order_by(Application.transaction_id)).all()
        assert paid_by == [p2, p3]  # INV-1 paid once, by the reviewer's payment
        assert s.get(BankTransaction, p1).match_status == "review"
    assert violations(rt.engine) == []


@pytest.mark.postgres
def test_a_run_never_waits_for_an_invoice_another_transaction_holds(rt) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: nobody else holds a row")
    _book(rt)
    p1, p2 = _store(rt, [
        E("100.00", ref="P1", e2e="E1", name="Acme Manufacturing Inc", text=["INV-1"]),
        E("50.00", ref="P2", e2e="E2", name="Acme Manufacturing Inc", text=["INV-2"]),
    ])
    with transaction(rt.engine) as holder:  # e.g. a reviewer's transaction, still open
        lock_invoices(holder, [holder.scalars(select(Invoice.id).where(Invoice.number == "INV-1")).one()])
        with transaction(rt.engine) as s:
            first = service.match_pending(s, actor="run", today=TODAY)  # would hang if it waited
    assert (first.applied, first.deferred) == (1, 1)  # P2 applied; P1 left for the next run
    with transaction(rt.engine) as s:
        assert s.get(BankTransaction, p1).match_status == "unmatched"
    again = match_settled(rt, actor="run", today=TODAY)
    assert (again.applied, again.deferred) == (1, 0)
    with transaction(rt.engine) as s:
        assert {s.get(BankTransaction, p).match_status for p in (p1, p2)} == {"applied"}
    assert violations(rt.engine) == []


@pytest.mark.postgres
def test_a_payment_a_reviewer_changes_before_the_run_locks_it_is_left_for_the_next_run(rt, monkeypatch) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: a reviewer cannot act while a run holds the database")
    _book(rt)
    p1, p2 = _store(rt, [
        E("100.00", ref="P1", e2e="E1", name="Acme Manufacturing Inc", text=["INV-1"]),
        E("50.00", ref="P2", e2e="E2", name="Acme Manufacturing Inc", text=["INV-2"]),
    ])
    lock = service.lock_payments

    def a_reviewer_acts_then_lock(session, ids):  # type: ignore[no-untyped-def]
        with transaction(rt.engine) as other:  # the run has read P1 as unmatched; a reviewer applies it
            manual.manual_apply(other, transaction_id=p1, actor="alice",
                                lines=[manual.ManualLine("INV-1", Decimal("100.00"))])
        return lock(session, ids)

    monkeypatch.setattr(service, "lock_payments", a_reviewer_acts_then_lock)
    with transaction(rt.engine) as s:
        first = service.match_pending(s, actor="run", today=TODAY)
    assert (first.applied, first.deferred) == (1, 1)
    with transaction(rt.engine) as s:
        assert {s.get(BankTransaction, p).match_status for p in (p1, p2)} == {"applied"}
        apps = s.execute(select(Application.transaction_id, Application.actor).where(
            Application.status == "applied").order_by(Application.transaction_id)).all()
        assert [tuple(a) for a in apps] == [(p1, "alice"), (p2, "run")]  # the reviewer's, once
    assert violations(rt.engine) == []


def test_one_batch_may_reverse_and_apply_again_and_close_and_open(rt) -> None:
    ids = _book(rt)
    (tx,) = _store(rt, [E("100.00", ref="P1", e2e="E1")])
    with transaction(rt.engine) as s:
        payment = lock_payments(s, [tx])
        batch = Postings(s, payments=payment, invoices=lock_invoices(s, ids.values()))
        batch.apply(tx, [Allocation(ids["INV-1"], "INV-1", Decimal("100.00"))], method="manual", actor="t")
        batch.open_review(tx, reason="over_payment", explanation="look", candidates=[], actor="t")
        batch.flush()
    with transaction(rt.engine) as s:
        apps = live_applications(s, [tx])
        batch = Postings(s, payments=lock_payments(s, [tx]), invoices=lock_invoices(s, ids.values()), live=apps)
        batch.reverse(tx, apps, actor="t", reason="wrong split")
        batch.apply(tx, [Allocation(ids["INV-1"], "INV-1", Decimal("60.00")),
                         Allocation(ids["INV-2"], "INV-2", Decimal("40.00"))], method="manual", actor="t")
        assert batch.close_review(tx, status="resolved", resolution="split", actor="t")
        batch.open_review(tx, reason="partial_payment", explanation="INV-2 short", candidates=[], actor="t")
        batch.flush()
    with transaction(rt.engine) as s:
        live = s.scalars(select(Application).where(Application.status == "applied")
                         .order_by(Application.invoice_id)).all()
        assert [(a.invoice_id, a.applied_minor) for a in live] == [(ids["INV-1"], 6000), (ids["INV-2"], 4000)]
        items = s.scalars(select(ReviewItem).order_by(ReviewItem.id)).all()
        assert [(i.reason, i.status) for i in items] == [("over_payment", "resolved"), ("partial_payment", "open")]
        t = s.get(BankTransaction, tx)
        assert (t.applied_minor, t.match_status, t.version) == (10000, "applied", 3)
    assert violations(rt.engine) == []
