"""Queries on the invoice book: customers, their accounts and aliases, invoices.

Two kinds of callers:
  - the invoice import (reconcile/invoice_import.py) loads what a file touches in bulk,
    decides in memory, then writes through the `add_*` / `set_*` functions below;
  - the matcher's loader reads the book through `open_invoices`, `recently_closed` and
    `customers_with_accounts_and_aliases`: light column tuples, not ORM objects, because a
    run reads up to millions of invoices and never changes them through these.

Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.models import Application, Customer, CustomerAccount, CustomerAlias, Invoice
from ledger.types import utc_now

# Bound parameters per IN (...) list: well under SQLite's 32,766 and PostgreSQL's 65,535.
CHUNK = 1000

T = TypeVar("T")


def _chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --------------------------------------------------------------------------- customers


def customers_by_id(session: Session, ids: Iterable[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for batch in _chunks(sorted(set(ids))):
        for customer in session.scalars(select(Customer).where(Customer.id.in_(batch))):
            found[customer.id] = customer
    return found


def add_customer(session: Session, customer_id: str, name: str) -> Customer:
    customer = Customer(id=customer_id, name=name)
    session.add(customer)
    return customer


def rename_customer(customer: Customer, name: str) -> None:
    customer.name = name
    customer.updated_at = utc_now()


class AccountOwner(NamedTuple):
    customer_id: str
    source: str  # imported | learned


def account_owners(session: Session, accounts: Iterable[str]) -> dict[str, AccountOwner]:
    """Who each (normalized) account already belongs to. An account has one owner (unique)."""
    found: dict[str, AccountOwner] = {}
    for batch in _chunks(sorted(set(accounts))):
        rows = session.execute(
            select(CustomerAccount.account, CustomerAccount.customer_id, CustomerAccount.source)
            .where(CustomerAccount.account.in_(batch))
        )
        for account, customer_id, source in rows:
            found[account] = AccountOwner(customer_id, source)
    return found


def add_account(session: Session, customer_id: str, account: str, *, source: str = "imported") -> None:
    """Callers check `account_owners` first: an account is never silently moved to another
    customer (the unique constraint would refuse it anyway, failing the whole transaction)."""
    session.add(CustomerAccount(customer_id=customer_id, account=account, source=source))


def aliases_by_customer(session: Session, customer_ids: Iterable[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for batch in _chunks(sorted(set(customer_ids))):
        rows = session.execute(
            select(CustomerAlias.customer_id, CustomerAlias.alias)
            .where(CustomerAlias.customer_id.in_(batch))
        )
        for customer_id, alias in rows:
            found[customer_id].add(alias)
    return found


def add_alias(session: Session, customer_id: str, alias: str, *, source: str = "imported") -> None:
    session.add(CustomerAlias(customer_id=customer_id, alias=alias, source=source))


# --------------------------------------------------------------------------- invoices


def lock_invoices_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Invoice]:
    """The invoices with these numbers, row-locked until the transaction ends.

    The lock is what keeps an import from overwriting a concurrent cash application: a run
    that applies cash to one of these invoices waits for the import to commit (PostgreSQL
    FOR UPDATE; SQLite already serialises writers with BEGIN IMMEDIATE). Rows are locked in
    id order so two imports over overlapping books cannot deadlock.
    """
    found: dict[str, Invoice] = {}
    for batch in _chunks(sorted(set(numbers))):
        query = select(Invoice).where(Invoice.number.in_(batch)).order_by(Invoice.id).with_for_update()
        for invoice in session.scalars(query):
            found[invoice.number] = invoice
    return found


def invoices_with_live_applications(session: Session, invoice_ids: Iterable[int]) -> set[int]:
    """Ids among these invoices that cash has been applied to in remit (not reversed).

    Call it after `lock_invoices_by_number`: an application committed while the lock was
    awaited is then visible (each statement sees the latest committed data).
    """
    found: set[int] = set()
    for batch in _chunks(sorted(set(invoice_ids))):
        found.update(
            session.scalars(
                select(Application.invoice_id)
                .where(Application.invoice_id.in_(batch), Application.status == "applied")
                .distinct()
            )
        )
    return found


def add_invoice(session: Session, **values: object) -> Invoice:
    invoice = Invoice(**values)
    session.add(invoice)
    return invoice


def set_invoice(invoice: Invoice, changes: dict[str, object]) -> None:
    for name, value in changes.items():
        setattr(invoice, name, value)
    invoice.updated_at = utc_now()


# --------------------------------------------------------------------------- the matcher's loader


class InvoiceSnapshot(NamedTuple):
    """An invoice as the matcher reads it: amounts in minor units of `currency`."""

    id: int
    number: str
    customer_id: str
    currency: str
    amount_minor: int
    open_minor: int
    discount_minor: int  # early-payment discount already granted in remit
    written_off_minor: int
    issue_date: date
    due_date: date | None
    terms: str | None  # text; core.terms.parse_terms gives its meaning
    po_number: str | None
    status: str


_SNAPSHOT_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.customer_id, Invoice.currency, Invoice.amount_minor,
    Invoice.open_minor, Invoice.discount_minor, Invoice.written_off_minor, Invoice.issue_date,
    Invoice.due_date, Invoice.terms, Invoice.po_number, Invoice.status,
)


def open_invoices(session: Session, currency: str | None = None) -> list[InvoiceSnapshot]:
    """Every invoice with something still to pay, in id order (deterministic runs)."""
    query = select(*_SNAPSHOT_COLUMNS).where(Invoice.status == "open", Invoice.open_minor > 0)
    if currency is not None:
        query = query.where(Invoice.currency == currency.upper())
    return [InvoiceSnapshot(*row) for row in session.execute(query.order_by(Invoice.id))]


def recently_closed(
    session: Session, days: int, *, as_of: datetime | None = None
) -> list[InvoiceSnapshot]:
    """Paid invoices closed in the last `days` days: a payment naming one is likely a duplicate.

    The schema has no closed-at timestamp, so "closed recently" means: paid, and changed
    (updated_at) or given an application within the window. An invoice imported already
    paid counts from its import.
    """
    cutoff = (as_of or utc_now()) - timedelta(days=days)
    applied_since = select(Application.invoice_id).where(Application.created_at >= cutoff)
    query = (
        select(*_SNAPSHOT_COLUMNS)
        .where(Invoice.status == "paid",
               or_(Invoice.updated_at >= cutoff, Invoice.id.in_(applied_since)))
        .order_by(Invoice.id)
    )
    return [InvoiceSnapshot(*row) for row in session.execute(query)]


@dataclass(frozen=True, slots=True)
class CustomerKeys:
    """What identifies a payer as this customer: same fields as reconcile.model.Customer."""

    id: str
    name: str
    accounts: tuple[str, ...] = ()  # normalized, sorted
    aliases: tuple[str, ...] = ()  # sorted


def customers_with_accounts_and_aliases(session: Session) -> list[CustomerKeys]:
    """Every customer with its accounts and aliases (imported and learned), sorted by id.

    Three queries, whatever the number of customers. Sorted in Python, not ORDER BY: text
    collation differs between SQLite and PostgreSQL, and runs must not depend on the backend.
    """
    accounts: dict[str, list[str]] = defaultdict(list)
    for customer_id, account in session.execute(
        select(CustomerAccount.customer_id, CustomerAccount.account)
    ):
        accounts[customer_id].append(account)
    aliases: dict[str, list[str]] = defaultdict(list)
    for customer_id, alias in session.execute(select(CustomerAlias.customer_id, CustomerAlias.alias)):
        aliases[customer_id].append(alias)
    customers = sorted((cid, name) for cid, name in session.execute(select(Customer.id, Customer.name)))
    return [
        CustomerKeys(id=cid, name=name, accounts=tuple(sorted(accounts.get(cid, ()))),
                     aliases=tuple(sorted(aliases.get(cid, ()))))
        for cid, name in customers
    ]


def invoices_by_number(session: Session, numbers: Iterable[str]) -> Sequence[Invoice]:
    """Plain read (no lock), for tests and callers that only look."""
    result: list[Invoice] = []
    for batch in _chunks(sorted(set(numbers))):
        result.extend(session.scalars(
            select(Invoice).where(Invoice.number.in_(batch)).order_by(Invoice.id)))
    return result
