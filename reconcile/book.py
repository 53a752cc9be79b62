"""The invoice book of one matching run: indexes built once, open amounts as cash is applied.

Why apart from engine.py: the engine decides; this is the data structure it decides against
(DESIGN.md §5: indexes built once per run, never payment x invoice). Lookups by number and PO
feed reference extraction; a customer's open items, in the orders the matcher asks for them,
are kept between payments and updated when cash is applied to one of them, so a customer who
pays many times a night costs its open items once, not once a payment.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from reconcile.amounts import ZERO, Item, Line, oldest
from reconcile.model import OpenInvoice, Payment
from reconcile.normalize import po_keys, ref_keys

SMALL_CUSTOMER = 400  # open invoices scanned in full; bigger customers: amount index + date window


class Book:
    """Indexes over the invoices (built once) and the open amounts as cash is applied.

    Only what payments can ask for is built up front: the number and PO indexes, and the
    invoices by open amount for the amounts this run's payments have (lookups by amount are
    always by a payment's). A customer's invoices are put in order when first asked for:
    most customers in a book pay nothing today."""

    def __init__(self, invoices: Sequence[OpenInvoice], amounts: set[tuple[str, Decimal]]) -> None:
        self.by_number: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_po: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], list[OpenInvoice]] = defaultdict(list)
        self._amounts = amounts
        self._customer: dict[str, list[OpenInvoice]] = defaultdict(list)  # open at start, book order
        self._ordered: dict[str, list[OpenInvoice]] = {}  # the same, by due date, when asked for
        self._dates: dict[str, list[date] | None] = {}  # big customers: their due dates, in order
        self._open: dict[int, Decimal] = {}  # only invoices touched in this run
        self.keys: dict[int, str | None] = {}  # invoice id -> number key (one-edit matching asks)
        self._pools: dict[tuple[str, str], _Pool] = {}  # a small customer's open items, by currency
        keys, by_number, by_po, by_amount, customer = (self.keys, self.by_number, self.by_po,
                                                       self.by_amount, self._customer)
        number_keys = ref_keys([inv.number for inv in invoices])
        with_po = [inv for inv in invoices if inv.po_number]
        for inv, pkey in zip(with_po, po_keys([inv.po_number for inv in with_po])):  # type: ignore[misc]
            if pkey:
                by_po[pkey].append(inv)
        for inv, key in zip(invoices, number_keys):
            if inv.id in keys:
                raise ValueError(f"invoice id {inv.id} appears twice")
            open_amount = inv.open_amount
            if open_amount < ZERO:
                raise ValueError(f"invoice {inv.number} has a negative open amount")
            keys[inv.id] = key
            if key:
                by_number[key].append(inv)
            if open_amount > ZERO:
                customer[inv.customer_id].append(inv)
                if (wanted := (inv.currency, open_amount)) in amounts:
                    by_amount[wanted].append(inv)

    def by_customer(self, customer_id: str) -> list[OpenInvoice]:
        """The customer's invoices open at the start, by due (else issue) date."""
        invs = self._ordered.get(customer_id)
        if invs is None:
            invs = self._ordered[customer_id] = sorted(self._customer.get(customer_id, ()), key=_anchor_key)
        return invs

    def _dates_of(self, customer_id: str) -> list[date] | None:
        """A big customer's due dates in order (None for a small one: scanned in full)."""
        try:
            return self._dates[customer_id]
        except KeyError:
            invs = self._customer.get(customer_id, ())
            dates = [_anchor(inv) for inv in self.by_customer(customer_id)] if len(invs) > SMALL_CUSTOMER else None
            self._dates[customer_id] = dates
            return dates

    def open_of(self, inv: OpenInvoice) -> Decimal:
        return self._open.get(inv.id, inv.open_amount)

    def number_key(self, inv: OpenInvoice) -> str | None:
        """`ref_key` of the invoice number (computed once, when the book is built)."""
        return self.keys[inv.id]

    def consume(self, lines: Sequence[Line]) -> None:
        """Apply cash in this run's memory: the next payment sees what is left."""
        for line in lines:
            inv = line.invoice
            left = self.open_of(inv) - line.applied - line.discount - line.write_off
            if left < ZERO:  # an invariant (not `assert`: it must hold under python -O too)
                raise AssertionError(f"invoice {inv.number} would go below zero")
            self._open[inv.id] = left
            self._update_items(inv, left)
            if left > ZERO and (inv.currency, left) in self._amounts:  # findable by its new amount
                self.by_amount[(inv.currency, left)].append(inv)

    def items(self, customer_id: str, currency: str, amount: Decimal, paid: date,
              window: int) -> tuple[list[Item], bool]:
        """A customer's open invoices in a currency; (items, complete). Big customers give
        the invoices of exactly this amount plus a window around the payment date."""
        dates = self._dates_of(customer_id)
        if dates is None:
            # The same for every payment until cash is applied to one of them (consume):
            # callers only read the list.
            pool = self._pools.get((customer_id, currency))
            if pool is None:
                pool = self._pools[(customer_id, currency)] = _Pool(
                    self._open_items(self.by_customer(customer_id), currency))
            return pool.items, True
        invs = self.by_customer(customer_id)
        mid = bisect.bisect_left(dates, paid)
        near = invs[max(0, mid - window): mid + window]
        exact = [i for i in self.by_amount.get((currency, amount), ()) if i.customer_id == customer_id]
        chosen = {i.id: i for i in [*near, *exact]}
        return self._open_items(sorted(chosen.values(), key=_anchor_key), currency), False

    def _update_items(self, inv: OpenInvoice, left: Decimal) -> None:
        key = (inv.customer_id, inv.currency)
        pool = self._pools.get(key)
        if pool is not None:
            self._pools[key] = pool.paid(inv, left)

    def keyed(self, customer_id: str, currency: str, items: list[Item]) -> list[tuple[str, OpenInvoice]]:
        """(number key, invoice) of the `items` whose number has a key, in their order."""
        pool = self._pools.get((customer_id, currency))
        if pool is None or pool.items is not items:  # a big customer's window
            keys = self.keys
            return [(k, inv) for it in items if (k := keys[(inv := it.invoice).id])]
        if pool.keyed is None:
            keys = self.keys
            pool.keyed = [(k, inv) for it in items if (k := keys[(inv := it.invoice).id])]
            pool.keyed_ids = [inv.id for _, inv in pool.keyed]
        return pool.keyed

    def oldest(self, customer_id: str, currency: str, items: list[Item]) -> list[Item]:
        """`items` oldest first (reconcile.amounts.oldest)."""
        pool = self._pools.get((customer_id, currency))
        if pool is None or pool.items is not items:
            return oldest(items)
        if pool.oldest is None:
            pool.oldest = oldest(items)
            pool.oldest_ids = [it.invoice.id for it in pool.oldest]
        return pool.oldest

    def _open_items(self, invs: Iterable[OpenInvoice], currency: str) -> list[Item]:
        opened = self._open
        return [Item(inv, o) for inv in invs
                if inv.currency == currency and (o := opened.get(inv.id, inv.open_amount)) > ZERO]

    def open_currencies(self, customer_id: str) -> set[str]:
        """Currencies the customer had open invoices in when the run started."""
        return {inv.currency for inv in self._customer.get(customer_id, ())}

    def currency_mismatch(self, p: Payment, named: Iterable[OpenInvoice], payer: str | None) -> str | None:
        """Why a payment cannot settle in its currency, if so: it names invoices in another
        currency that it would settle (same amount, or the payer's own), or its payer has
        open invoices only in other currencies."""
        other = sorted({inv.number for inv in named if inv.currency != p.currency
                        and (self.open_of(inv) == p.amount or inv.customer_id == payer)})
        if other:
            return f"The payment is in {p.currency}, but the invoices it names ({', '.join(other)}) are not."
        if payer is not None:
            currencies = self.open_currencies(payer)
            if currencies and p.currency not in currencies:
                return (f"The payment is in {p.currency}; customer {payer} has open "
                        f"invoices only in {', '.join(sorted(currencies))}.")
        return None


class _Pool:
    """A small customer's open items in one currency, in the book's order, and what the matcher
    derives from them (worked out when first asked for). Cash applied to one of the invoices
    makes a new pool — a caller may still hold the old lists — equal to building it again:
    the item replaced or dropped in each list (their orders do not depend on open amounts)."""

    __slots__ = ("ids", "items", "keyed", "keyed_ids", "oldest", "oldest_ids")

    def __init__(self, items: list[Item], ids: list[int] | None = None) -> None:
        self.items = items
        self.ids = ids if ids is not None else [it.invoice.id for it in items]
        self.oldest: list[Item] | None = None
        self.oldest_ids: list[int] = []
        self.keyed: list[tuple[str, OpenInvoice]] | None = None
        self.keyed_ids: list[int] = []

    def paid(self, inv: OpenInvoice, left: Decimal) -> _Pool:
        try:
            at = self.ids.index(inv.id)
        except ValueError:  # not open before, so not open now: the pool stands
            return self
        item = Item(inv, left) if left > ZERO else None
        new = _Pool(*_without(self.items, self.ids, at, item))
        if self.oldest is not None:
            new.oldest, new.oldest_ids = _without(self.oldest, self.oldest_ids,
                                                  self.oldest_ids.index(inv.id), item)
        if self.keyed is not None:
            if item is not None or inv.id not in self.keyed_ids:  # (its key stays with it)
                new.keyed, new.keyed_ids = self.keyed, self.keyed_ids
            else:
                new.keyed, new.keyed_ids = _without(self.keyed, self.keyed_ids,
                                                    self.keyed_ids.index(inv.id), None)
        return new


def _without(values: list, ids: list[int], at: int, item: Item | None) -> tuple[list, list[int]]:  # type: ignore[type-arg]
    """A copy of `values` with the entry at `at` replaced by `item`, or dropped (and its id)."""
    values = values.copy()
    if item is not None:
        values[at] = item
        return values, ids
    del values[at]
    ids = ids.copy()
    del ids[at]
    return values, ids


def _anchor(inv: OpenInvoice) -> date:
    return inv.due_date or inv.issue_date


def _anchor_key(inv: OpenInvoice) -> tuple[date, date, int]:
    return _anchor(inv), inv.issue_date, inv.id
