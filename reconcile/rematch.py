"""Money on account comes back: when new invoices arrive, the payments they may settle.

A payment the matcher could not place in full keeps money unapplied: an over-payment
applied with the rest left on account, or a payment sent to review because the invoice it
named, or its payer, was not in the book yet. The AR system's next import may bring what it
was waiting for. After an import that created or reopened invoices (workflows/pipeline.py
`rematch_opened`, in a transaction of its own), the payments that could plausibly pay one
of them are matched again by the same engine and written by the same run
(reconcile.service.match_pending(rematch=True)): each for what is LEFT of it, and only
applications are written — the evidence is the engine's as for any payment, and a payment it
would send to review stays as it was.

Which payments (`candidates`), linear in the import and the exception queue, never a scan
per imported row:
  - in review with a reason that says something was unknown (REMATCH_REASONS), or applied
    with money left (applied_minor < amount_minor, whatever became of its review item), or in
    review for a reason about the invoices the book had (short pay, partial, ...:
    NAMED_ONLY_REASONS) when its remittance names a new invoice exactly;
  - in the currency of a new invoice;
  - and plausibly paying one: a reference that names a new invoice exactly, a payer the
    new invoices' customers' accounts, aliases or names identify, or (money on account) a
    payment already applied to that customer's invoices.
A reviewer's unapply (manual_unapply), a duplicate and a return are never taken up again.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.money import from_minor
from ledger.models import (
    Application,
    BankEntry,
    BankTransaction,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
    ReviewItem,
)
from ledger.repositories import invoices as invoice_repo
from reconcile import loader
from reconcile.book import Book
from reconcile.customers import CustomerIndex
from reconcile.loader import PaymentRow
from reconcile.model import Customer as MatchCustomer
from reconcile.model import MatchSettings, OpenInvoice, Payment, ReviewReason
from reconcile.postings import live_applications
from reconcile.references import extract

# Review reasons that say the book lacked something a new invoice (or its customer) may bring.
REMATCH_REASONS = (ReviewReason.UNKNOWN_REFERENCE.value, ReviewReason.NO_CUSTOMER.value,
                   ReviewReason.NOTHING_OPEN.value, ReviewReason.OVER_PAYMENT.value)
# Review reasons about the invoices the book had: such a payment is taken up again only when
# its remittance names a new invoice exactly (a short pay against INV-1 by a payer who wrote
# INV-2, not yet imported, is INV-2's payment once INV-2 arrives).
NAMED_ONLY_REASONS = (ReviewReason.SHORT_PAY.value, ReviewReason.PARTIAL_PAYMENT.value,
                      ReviewReason.LOW_CONFIDENCE.value, ReviewReason.AMBIGUOUS.value,
                      ReviewReason.DISCOUNT_EXPIRED.value)
CHUNK = 1000  # values per IN (...)


def _chunks(values: Iterable[object]) -> Iterable[list[object]]:
    items = sorted(set(values))  # type: ignore[type-var]
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def opened_invoices(session: Session, numbers: Iterable[str]) -> list[OpenInvoice]:
    """The invoices with these numbers that are open now (as the matcher sees them)."""
    columns = [getattr(Invoice, name) for name in invoice_repo.InvoiceSnapshot._fields]
    found = []
    for batch in _chunks(numbers):
        for row in session.execute(select(*columns).where(Invoice.number.in_(batch), Invoice.open_minor > 0)):
            found.append(loader.to_open_invoice(invoice_repo.InvoiceSnapshot(*row)))
    return sorted(found, key=lambda i: i.id)


def candidates(session: Session, numbers: Iterable[str], settings: MatchSettings) -> list[int]:
    """Ids of the payments with money unapplied that may pay one of the invoices `numbers`
    (those of them open now), by id. Reads only."""
    invoices = opened_invoices(session, numbers)
    if not invoices:
        return []
    currencies = {i.currency for i in invoices}
    rows, named_only = _with_money_left(session, currencies)
    if not rows:
        return []
    wanted: dict[str, set[str]] = defaultdict(set)  # currency -> customers with a new invoice in it
    for inv in invoices:
        wanted[inv.currency].add(inv.customer_id)
    book = Book(invoices, set())
    people = CustomerIndex(_customers(session, {i.customer_id for i in invoices}))
    paid_to = _customers_paid(session, [r.id for r in rows if r.applied_minor > 0])
    out = []
    for row in rows:
        payment = loader.to_payment(row)
        if payment is None:
            continue
        mine = wanted.get(payment.currency, set())
        if any(h.invoice.currency == payment.currency
               for h in extract(payment, book.by_number, book.by_po).hits):
            out.append(row.id)
            continue
        if row.id in named_only:
            continue
        if paid_to.get(row.id, set()) & mine:
            out.append(row.id)
            continue
        ident = people.identify(payment.payer_account, payment.payer_name, settings)
        if any(h.customer_id in mine for h in ident.hits):
            out.append(row.id)
    return out


def remainders(session: Session, payments: Sequence[Payment],
               rows: dict[int, PaymentRow]) -> tuple[list[Payment], set[int]]:
    """The engine's view of partly applied payments: only what is left of each, and the
    invoices it already paid (reconcile/remainder.py); with the ids of all those invoices
    (the run's book must hold them, paid or not, to recognise them)."""
    settled: dict[int, set[int]] = defaultdict(set)
    partly = [p.id for p in payments if rows[p.id].applied_minor > 0]
    for app in live_applications(session, partly):
        settled[app.transaction_id].add(app.invoice_id)
    out = []
    for p in payments:
        row = rows[p.id]
        if row.applied_minor > 0:
            left = from_minor((row.amount_minor or 0) - row.applied_minor, row.currency)
            p = dataclasses.replace(p, amount=left, settled=frozenset(settled[p.id]))
        out.append(p)
    return out, {i for ids in settled.values() for i in ids}


# -- reads ---------------------------------------------------------------------------------


def _with_money_left(session: Session, currencies: set[str]) -> tuple[list[PaymentRow], set[int]]:
    """Booked credits in these currencies with money unapplied: in review for a reason in
    REMATCH_REASONS or NAMED_ONLY_REASONS, or applied with some left (one query, then the rows
    by id); and the ids of those in review for a NAMED_ONLY reason."""
    currency = func.coalesce(BankTransaction.currency, BankEntry.currency)
    open_review = (select(ReviewItem.transaction_id)
                   .where(ReviewItem.status == "open",
                          ReviewItem.reason.in_(REMATCH_REASONS + NAMED_ONLY_REASONS)))
    ids = session.scalars(
        select(BankTransaction.id).join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankEntry.status == "booked", BankEntry.direction == "credit", BankEntry.reversal.is_(False),
               BankTransaction.return_reason.is_(None), currency.in_(sorted(currencies)),
               BankTransaction.amount_minor.is_not(None),
               or_(and_(BankTransaction.match_status == "review", BankTransaction.id.in_(open_review)),
                   and_(BankTransaction.match_status == "applied",
                        BankTransaction.applied_minor < BankTransaction.amount_minor)))
    ).all()
    if not ids:
        return [], set()
    rows = [r for r in loader.load_payments(session, ["review", "applied"], ids) if not r.is_return]
    named_only: set[int] = set()
    for batch in _chunks(r.id for r in rows if r.match_status == "review"):
        named_only.update(session.scalars(select(ReviewItem.transaction_id).where(
            ReviewItem.transaction_id.in_(batch), ReviewItem.status == "open",
            ReviewItem.reason.in_(NAMED_ONLY_REASONS))))
    return rows, named_only


def _customers(session: Session, ids: set[str]) -> list[MatchCustomer]:
    """These customers with their accounts and aliases (the engine's Customer)."""
    accounts: dict[str, list[str]] = defaultdict(list)
    aliases: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for batch in _chunks(ids):
        for cid, account in session.execute(select(CustomerAccount.customer_id, CustomerAccount.account)
                                            .where(CustomerAccount.customer_id.in_(batch))):
            accounts[cid].append(account)
        for cid, alias in session.execute(select(CustomerAlias.customer_id, CustomerAlias.alias)
                                          .where(CustomerAlias.customer_id.in_(batch))):
            aliases[cid].append(alias)
        names.update(session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(batch))).all())
    return [MatchCustomer(cid, name, tuple(sorted(accounts[cid])), tuple(sorted(aliases[cid])))
            for cid, name in sorted(names.items())]


def _customers_paid(session: Session, transaction_ids: list[int]) -> dict[int, set[str]]:
    """Payment id -> the customers whose invoices it is applied to (live applications)."""
    out: dict[int, set[str]] = defaultdict(set)
    for batch in _chunks(transaction_ids):
        for tx_id, cid in session.execute(
            select(Application.transaction_id, Invoice.customer_id)
            .join(Invoice, Invoice.id == Application.invoice_id)
            .where(Application.transaction_id.in_(batch), Application.status == "applied")
        ):
            out[tx_id].add(cid)
    return out
