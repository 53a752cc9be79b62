"""Disputes on the ledger (SQLite and PostgreSQL): open within the undisputed open amount,
resolve once, credit/write-off through the outbox and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select, update

from core.money import D
from ledger.db import transaction
from ledger.models import AuditEvent, Customer, Dispute, Invoice, InvoiceEvent
from receivables import disputes
from receivables.disputes import DisputeError, DisputeInputError, DisputeNotFound


@pytest.fixture
def book(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 100000), ("INV-2", 50000)):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 10, 1),
                    due_date=date(2026, 10, 31),
                )
            )
    return rt


def _open(
    s,
    number: str = "INV-1",
    amount: str = "400.00",  # type: ignore[no-untyped-def]
    reason: str = "pricing",
):
    return disputes.open_dispute(
        s,
        invoice_number=number,
        amount=D(amount),
        reason_code=reason,
        actor="test",
        note="price list 2026",
    )


def _invoice(s, number: str = "INV-1") -> Invoice:  # type: ignore[no-untyped-def]
    return s.scalars(select(Invoice).where(Invoice.number == number)).one()


def test_open_within_the_undisputed_amount_and_held_per_invoice(book) -> None:
    with transaction(book.engine) as s:
        first = _open(s)
        assert (first.status, first.amount_minor, first.source) == ("open", 40000, "manual")
        _open(s, amount="600.00", reason="quantity")
        with pytest.raises(DisputeError, match="exceeds what is open and undisputed, 0.00"):
            _open(s, amount="0.01")
        inv1, inv2 = _invoice(s).id, _invoice(s, "INV-2").id
        assert disputes.disputed_minor(s, [inv1, inv2]) == {inv1: 100000}
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.entity_type == "dispute")) == (
            "dispute.opened"
        )
    with transaction(book.engine) as s:
        disputes.resolve_dispute(s, dispute_id=first.id, resolution="rejected", actor="test")
        assert disputes.disputed_minor(s, [inv1]) == {inv1: 60000}  # resolved: no longer held


def test_bad_input_is_refused(book) -> None:
    with transaction(book.engine) as s:
        with pytest.raises(DisputeInputError, match="unknown reason code"):
            _open(s, reason="because")
        with pytest.raises(DisputeInputError, match="positive"):
            _open(s, amount="0")
        with pytest.raises(DisputeInputError, match="decimal places"):
            _open(s, amount="1.001")
        with pytest.raises(DisputeNotFound):
            _open(s, number="NOPE")
        s.execute(
            update(Invoice).where(Invoice.number == "INV-2").values(open_minor=0, status="paid")
        )
        with pytest.raises(DisputeError, match="is paid"):
            _open(s, number="INV-2")
        with pytest.raises(DisputeNotFound):
            disputes.resolve_dispute(s, dispute_id=999, resolution="credit", actor="t")


def test_credit_takes_the_amount_off_with_event_and_audit_and_only_once(book) -> None:
    with transaction(book.engine) as s:
        d = _open(s)
    with transaction(book.engine) as s:
        done = disputes.resolve_dispute(
            s, dispute_id=d.id, resolution="credit", actor="ar", note="credit note CN-9"
        )
        assert (done.status, done.resolution, done.resolved_by) == ("resolved", "credit", "ar")
    with transaction(book.engine) as s:
        inv = _invoice(s)
        assert (inv.open_minor, inv.written_off_minor, inv.status) == (60000, 40000, "open")
        (event,) = s.scalars(select(InvoiceEvent)).all()
        assert event.type == "invoice.open_amount_changed"
        assert event.payload["cause"] == "dispute.resolved"
        assert event.payload["reason"] == "credit_note"
        assert event.payload["invoice"]["open_amount"] == "600.00"
        adjusted = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "invoice.adjusted")
        ).one()
        assert adjusted.after["write_off"] == "400.00" and adjusted.after["reason"] == "credit_note"
        resolved = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "dispute.resolved")
        ).one()
        assert resolved.before["status"] == "open" and resolved.after["written_off"] == "400.00"
    with transaction(book.engine) as s, pytest.raises(DisputeError, match="already resolved"):
        disputes.resolve_dispute(s, dispute_id=d.id, resolution="write_off", actor="ar")
    with transaction(book.engine) as s:
        assert _invoice(s).open_minor == 60000  # the second attempt changed nothing


def test_write_off_of_the_whole_open_amount_pays_the_invoice(book) -> None:
    with transaction(book.engine) as s:
        d = _open(s, "INV-2", "500.00", "damaged")
        disputes.resolve_dispute(s, dispute_id=d.id, resolution="write_off", actor="ar")
        inv = _invoice(s, "INV-2")
        assert (inv.open_minor, inv.written_off_minor, inv.status) == (0, 50000, "paid")
        (event,) = s.scalars(select(InvoiceEvent)).all()
        assert (event.type, event.payload["reason"]) == (
            "invoice.status_changed",
            "dispute_write_off",
        )


@pytest.mark.parametrize("resolution", ["rebill", "rejected"])
def test_rebill_and_rejected_leave_the_amount_due(book, resolution: str) -> None:
    with transaction(book.engine) as s:
        d = _open(s)
        disputes.resolve_dispute(s, dispute_id=d.id, resolution=resolution, actor="ar")
        inv = _invoice(s)
        assert (inv.open_minor, inv.written_off_minor, inv.status) == (100000, 0, "open")
        assert s.scalars(select(InvoiceEvent)).all() == []
        assert s.get(Dispute, d.id).resolution == resolution  # type: ignore[union-attr]
        assert disputes.disputed_minor(s, [inv.id]) == {}


def test_credit_after_a_partial_payment_never_makes_open_negative(book) -> None:
    with transaction(book.engine) as s:
        d = _open(s, amount="400.00")
        # The customer paid all but 300.00 meanwhile (as cash application would).
        s.execute(update(Invoice).where(Invoice.number == "INV-1").values(open_minor=30000))
    with transaction(book.engine) as s:
        disputes.resolve_dispute(s, dispute_id=d.id, resolution="credit", actor="ar")
        inv = _invoice(s)
        assert (inv.open_minor, inv.written_off_minor, inv.status) == (0, 30000, "paid")
        resolved = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "dispute.resolved")
        ).one()
        assert resolved.after["paid_meanwhile"] == "100.00"


def test_unknown_resolution_is_bad_input(book) -> None:
    with transaction(book.engine) as s:
        d = _open(s)
        with pytest.raises(DisputeInputError):
            disputes.resolve_dispute(s, dispute_id=d.id, resolution="forgive", actor="ar")


def test_list_newest_first_with_filters(book) -> None:
    with transaction(book.engine) as s:
        _open(s, amount="100.00")
        second = _open(s, "INV-2", "50.00", "other")
        disputes.resolve_dispute(s, dispute_id=second.id, resolution="rejected", actor="ar")
        everything = disputes.list_disputes(s)
        assert [d["invoice_number"] for d in everything] == ["INV-2", "INV-1"]
        assert everything[0]["amount"] == "50.00"
        assert everything[0]["customer_name"] == "Contoso Ltd"
        assert [d["invoice_number"] for d in disputes.list_disputes(s, status="open")] == ["INV-1"]
        assert [d["status"] for d in disputes.list_disputes(s, invoice_number="INV-2")] == [
            "resolved"
        ]
        assert len(disputes.list_disputes(s, after_id=second.id)) == 1
