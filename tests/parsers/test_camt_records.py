"""iso20022._records builds the very records the dataclasses' own constructors build."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from core.records import Direction, Entry, EntryStatus, InvoiceRef, Kind, ReturnInfo, Transaction
from iso20022._records import _constructor, make_entry, make_invoice_ref, make_transaction


def test_made_records_equal_the_dataclass_ones_field_for_field() -> None:
    invoice = InvoiceRef("INV-1", Decimal("12.50"))
    tx_fields = (
        Decimal("12.50"), "EUR", "E2E", "INSTR", "TX", "uetr", "MNDT", "CHQ", "Müller", "DE89",
        ("line",), ("RF18",), (invoice,), ReturnInfo("AC04"), None, "ULTIMATE", "10042",
    )  # fmt: skip
    tx = make_transaction(*tx_fields)
    assert type(tx) is Transaction and tx == Transaction(*tx_fields) and hash(tx) == hash(Transaction(*tx_fields))
    entry_fields = (
        Decimal("12.50"), "EUR", Direction.DEBIT, EntryStatus.PENDING, date(2026, 1, 2), None,
        "REF", True, Kind.SEPA, "PMNT-RCDT-ESCT", "info", Decimal("0.10"), (tx,),
    )  # fmt: skip
    entry = make_entry(*entry_fields)
    assert type(entry) is Entry and entry == Entry(*entry_fields)
    assert [getattr(entry, f.name) for f in dataclasses.fields(Entry)] == list(entry_fields)
    assert make_invoice_ref("INV-1", Decimal("12.50")) == invoice
    with pytest.raises(dataclasses.FrozenInstanceError):
        tx.amount = Decimal(1)  # type: ignore[misc]


def test_a_record_class_of_another_shape_is_built_by_its_own_constructor() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        amount: int

        def __post_init__(self) -> None:
            if self.amount < 0:
                raise ValueError("negative")

    @dataclasses.dataclass(frozen=True)
    class Plain:
        amount: int

    assert _constructor(Checked) is Checked
    assert _constructor(Plain) is Plain
