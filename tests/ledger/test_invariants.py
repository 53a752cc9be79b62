"""The money invariants hold in the schema itself, whatever code path writes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, Invoice
from tests.factories import E, camt


@pytest.fixture
def tx_and_invoice(rt):  # type: ignore[no-untyped-def]
    rt.ingestor().ingest_stream(io.BytesIO(camt("053", [E("100.00", ref="A")])), name="a.xml", source="test")
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Acme"))
        invoice_id = s.execute(
            insert(Invoice).values(number="INV-1", customer_id="C1", currency="EUR", amount_minor=10000,
                                   open_minor=10000, issue_date=date(2026, 11, 1)).returning(Invoice.id)
        ).scalar_one()
        tx_id = s.scalars(select(BankTransaction.id)).one()
    return tx_id, invoice_id


def _violates(rt, statement) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError):
        with transaction(rt.engine) as s:
            s.execute(statement)


def test_applied_never_exceeds_the_payment(rt, tx_and_invoice) -> None:
    tx_id, _ = tx_and_invoice
    _violates(rt, update(BankTransaction).where(BankTransaction.id == tx_id).values(applied_minor=10001))
    _violates(rt, update(BankTransaction).where(BankTransaction.id == tx_id).values(applied_minor=-1))


def test_open_balance_never_negative_nor_above_amount(rt, tx_and_invoice) -> None:
    _, invoice_id = tx_and_invoice
    _violates(rt, update(Invoice).where(Invoice.id == invoice_id).values(open_minor=-1))
    _violates(rt, update(Invoice).where(Invoice.id == invoice_id).values(open_minor=10001))


def test_never_two_live_applications_of_one_payment_to_one_invoice(rt, tx_and_invoice) -> None:
    tx_id, invoice_id = tx_and_invoice
    row = dict(transaction_id=tx_id, invoice_id=invoice_id, currency="EUR", applied_minor=100,
               discount_minor=0, write_off_minor=0, method="auto", actor="test", reasons=[])
    with transaction(rt.engine) as s:
        s.execute(insert(Application).values(**row))
    _violates(rt, insert(Application).values(**row))
    with transaction(rt.engine) as s:  # once reversed, a new live application is fine
        s.execute(update(Application).values(status="reversed"))
        s.execute(insert(Application).values(**row))
