"""camt.053 (end-of-day statement) and camt.054 (intraday notification) of the labelled day.

ISO 20022 has room for everything the generator makes: names and Ustrd lines of 140,
IBANs and other account ids (Othr/Id), structured creditor references, referred documents
with amounts, end-to-end ids. Both currencies, one statement per account. The camt.054 is
the same bookings as a notification (bench_accuracy's conversion: no balances in a Ntfctn).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from benchmarks.accuracy.formats.carry import Carried, Rendering
from benchmarks.accuracy_data import Dataset
from benchmarks.bench_accuracy import _camt054
from core.money import D
from core.records import Direction, Entry, EntryStatus, Statement, Transaction
from iso20022.writer import write_camt053
from reconcile.model import Payment

OUR_ACCOUNTS = {"EUR": "DE89370400440532013000", "USD": "US-OPERATING-4471"}


def entry_of(p: Payment, day: date) -> Entry:
    tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=p.end_to_end_id,
                     counterparty_name=p.payer_name, counterparty_account=p.payer_account,
                     remittance=p.remittance, references=p.references, invoices=p.invoices)
    return Entry(amount=p.amount, currency=p.currency, direction=p.direction, status=EntryStatus.BOOKED,
                 booking_date=day, value_date=p.value_date, bank_reference=p.bank_reference,
                 kind=p.kind, transactions=(tx,))


def statements(data: Dataset, payments: Sequence[Payment]) -> list[Statement]:
    """One statement per currency; balances are mandatory in camt.053 and really add up."""
    by_currency: dict[str, list[Entry]] = {}
    for p in payments:
        by_currency.setdefault(p.currency, []).append(entry_of(p, data.as_of))
    out = []
    for currency, entries in sorted(by_currency.items()):
        opening = D("250000.00")
        closing = opening + sum((e.amount if e.direction is Direction.CREDIT else -e.amount for e in entries), D(0))
        out.append(Statement(id=f"BENCH-{currency}-{data.as_of:%Y%m%d}", account=OUR_ACCOUNTS[currency],
                             currency=currency, opening_balance=opening, closing_balance=closing,
                             from_date=data.as_of, to_date=data.as_of, entries=tuple(entries)))
    return out


def _carried(p: Payment) -> Carried:
    e2e = None if p.end_to_end_id == "NOTPROVIDED" else p.end_to_end_id  # ISO's "none given"
    return Carried(p, p.bank_reference or "", p.payer_name, p.payer_account, p.remittance, p.references,
                   p.invoices, e2e)


def render_053(data: Dataset) -> Rendering:
    content = write_camt053(statements(data, data.payments))
    return Rendering("camt.053", (("day.camt053.xml", content),), tuple(_carried(p) for p in data.payments))


def render_054(data: Dataset) -> Rendering:
    content = _camt054(write_camt053(statements(data, data.payments)))
    return Rendering("camt.054", (("day.camt054.xml", content),), tuple(_carried(p) for p in data.payments))
