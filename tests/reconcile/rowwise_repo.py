"""The invoice import's database functions as they were before the import was batched
(commit 1c91508, ledger/repositories/invoices.py): the reference `rowwise_import` runs on.

Test support only — kept verbatim so the batched import can be checked against the
row-by-row semantics it replaced (test_invoice_import_batched.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import NamedTuple, TypeVar

from sqlalchemy import select
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
