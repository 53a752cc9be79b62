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
from reconcile.model import OpenInvoice
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
        self._items: dict[tuple[str, str], list[Item]] = {}  # a small customer's open items
        self._item_ids: dict[tuple[str, str], list[int]] = {}  # ... their invoice ids
        self._keyed: dict[tuple[str, str], list[tuple[str, OpenInvoice]]] = {}  # ... number keys
        self._oldest: dict[tuple[str, str], list[Item]] = {}  # ... oldest first
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
            items = self._items.get((customer_id, currency))
            if items is None:
                items = self._items[(customer_id, currency)] = self._open_items(
                    self.by_customer(customer_id), currency)
                self._item_ids[(customer_id, currency)] = [it.invoice.id for it in items]
            return items, True
        invs = self.by_customer(customer_id)
        mid = bisect.bisect_left(dates, paid)
        near = invs[max(0, mid - window): mid + window]
        exact = [i for i in self.by_amount.get((currency, amount), ()) if i.customer_id == customer_id]
        chosen = {i.id: i for i in [*near, *exact]}
        return self._open_items(sorted(chosen.values(), key=_anchor_key), currency), False

    def _update_items(self, inv: OpenInvoice, left: Decimal) -> None:
        """The customer's cached open items after cash went to `inv`: a new list (a caller may
        still hold the old one), the same as building it again from the book."""
        key = (inv.customer_id, inv.currency)
        items = self._items.get(key)
        if items is None:
            return
        ids = self._item_ids[key]
        try:
            at = ids.index(inv.id)
        except ValueError:  # not open before, so not open now: the list stands
            return
        self._oldest.pop(key, None)
        items = items.copy()
        if left > ZERO:
            items[at] = Item(inv, left)  # (its number key stays)
        else:
            del items[at]
            ids = ids.copy()
            del ids[at]
            self._item_ids[key] = ids
            self._keyed.pop(key, None)
        self._items[key] = items

    def keyed(self, customer_id: str, currency: str, items: list[Item]) -> list[tuple[str, OpenInvoice]]:
        """(number key, invoice) of the `items` whose number has a key, in their order; kept
        with a small customer's items until one of them is paid off."""
        key = (customer_id, currency)
        cached = self._keyed.get(key) if self._items.get(key) is items else None
        if cached is None:
            keys = self.keys
            cached = [(k, inv) for it in items if (k := keys[(inv := it.invoice).id])]
            if self._items.get(key) is items:
                self._keyed[key] = cached
        return cached

    def oldest(self, customer_id: str, currency: str, items: list[Item]) -> list[Item]:
        """`items` oldest first (reconcile.amounts.oldest), kept like `keyed`."""
        key = (customer_id, currency)
        cached = self._oldest.get(key) if self._items.get(key) is items else None
        if cached is None:
            cached = oldest(items)
            if self._items.get(key) is items:
                self._oldest[key] = cached
        return cached

    def _open_items(self, invs: Iterable[OpenInvoice], currency: str) -> list[Item]:
        opened = self._open
        return [Item(inv, o) for inv in invs
                if inv.currency == currency and (o := opened.get(inv.id, inv.open_amount)) > ZERO]

    def open_currencies(self, customer_id: str) -> set[str]:
        """Currencies the customer had open invoices in when the run started."""
        return {inv.currency for inv in self._customer.get(customer_id, ())}


def _anchor(inv: OpenInvoice) -> date:
    return inv.due_date or inv.issue_date


def _anchor_key(inv: OpenInvoice) -> tuple[date, date, int]:
    return _anchor(inv), inv.issue_date, inv.id
