"""remit parse writes entries and transactions as text laid out by hand (core.contract's hot
path): for any record it must be exactly the generic `dumps` of the contract's dicts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.contract import (
    _entry_open,
    _open,
    _transaction_text,
    dumps,
    entry_fields,
    transaction_json,
)
from core.records import (
    ChangeInfo,
    Direction,
    Entry,
    EntryStatus,
    InvoiceRef,
    Kind,
    ReturnInfo,
    Transaction,
)

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
_maybe = st.none() | _text
_amounts = st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**12), max_value=10**12)

_returns = st.none() | st.builds(
    ReturnInfo, reason_code=_maybe, original_reference=_maybe, additional_info=_maybe,
    original_rdfi=_maybe, date_of_death=st.none() | st.dates(), dishonored_code=_maybe,
    contested_code=_maybe,
)  # fmt: skip
_changes = st.none() | st.builds(
    ChangeInfo, change_code=_text, corrected_data=_maybe, original_reference=_maybe, original_rdfi=_maybe
)
_transactions = st.builds(
    Transaction, amount=_amounts, currency=_maybe, end_to_end_id=_maybe, instruction_id=_maybe,
    transaction_id=_maybe, uetr=_maybe, mandate_id=_maybe, check_number=_maybe,
    counterparty_name=_maybe, counterparty_account=_maybe,
    remittance=st.lists(_text, max_size=3).map(tuple), references=st.lists(_text, max_size=2).map(tuple),
    invoices=st.lists(st.builds(InvoiceRef, number=_text, amount=_amounts), max_size=3).map(tuple),
    return_info=_returns, change_info=_changes, ultimate_name=_maybe, ultimate_id=_maybe,
)  # fmt: skip


@given(_transactions)
def test_a_transaction_is_written_as_the_generic_dump(tx: Transaction) -> None:
    assert _transaction_text(tx) == dumps(transaction_json(tx), " " * 12)


@given(
    amount=st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**9),
    charges=_amounts, info=_maybe, reference=_maybe, code=_maybe, reversal=st.booleans(),
    dates=st.tuples(st.none() | st.dates(), st.none() | st.dates()), currency=_maybe,
)  # fmt: skip
def test_an_entry_is_written_as_the_generic_dump(
    amount: Decimal, charges: Decimal | None, info: str | None, reference: str | None,
    code: str | None, reversal: bool, dates: tuple, currency: str | None,
) -> None:  # fmt: skip
    entry = Entry(
        amount=amount, currency=currency, direction=Direction.DEBIT, status=EntryStatus.INFO,
        booking_date=dates[0], value_date=dates[1], bank_reference=reference, reversal=reversal,
        kind=Kind.CHECK, bank_code=code, additional_info=info, charges=charges,
    )  # fmt: skip
    assert _entry_open(entry) == _open(entry_fields(entry), "transactions", " " * 8)
