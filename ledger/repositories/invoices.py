"""Queries on the invoice book: customers, their accounts and aliases, invoices.

Three kinds of callers:
  - the invoice import (reconcile/invoice_import.py) locks what a file touches once, then per
    chunk of rows loads it as plain values (`customer_names`, `account_owners`,
    `aliases_by_customer`, `invoice_states`, `invoices_with_live_applications`), decides in
    memory, and writes the chunk's changes in sets (`BookWrites.write`);
  - the matcher's loader reads the book through `matchable_invoices` (`open_invoices` and
    `recently_closed` in one read) and `customers_with_accounts_and_aliases` (with `accounts_paying_for_several`): light column
    tuples, not ORM objects, because a run reads up to millions of invoices and never
    changes them through these;
  - a reviewer's manual application (reconcile/manual.py) finds invoices by number
    (`ids_by_number`) and teaches remit who paid (`add_learned_account`, `add_learned_alias`).

Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ARRAY, any_, bindparam, func, insert, or_, select, text
from sqlalchemy.orm import Session

from ledger import bulk
from ledger.models import (
    Application,
    AuditEvent,
    BankTransaction,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
)
from ledger.types import utc_now

# Bound parameters per IN (...) list: well under SQLite's 32,766 and PostgreSQL's 65,535.
CHUNK = 1000
PG_ARRAY = 10_000  # values per `= ANY(array)` parameter

T = TypeVar("T")


def _among(session: Session, column: Any, values: list[Any]) -> Any:
    """`column IN values`; on PostgreSQL as `= ANY(array)`: one parameter, not one per value."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _batches(session: Session, values: Iterable[T]) -> Iterator[list[T]]:
    """Sorted distinct values in batches for `_among` (PostgreSQL's arrays may be longer)."""
    size = PG_ARRAY if session.get_bind().dialect.name == "postgresql" else CHUNK
    return _chunks(sorted(set(values)), size)  # type: ignore[type-var]


def _chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --------------------------------------------------------------------------- the import: reads


def customer_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """id -> name of the customers among these ids that exist."""
    found: dict[str, str] = {}
    for batch in _batches(session, ids):
        found.update((cid, name) for cid, name in session.execute(
            select(Customer.id, Customer.name).where(_among(session, Customer.id, batch))))
    return found


def customer_parents(session: Session, ids: Iterable[str]) -> dict[str, str | None]:
    """id -> parent id (None: no parent) of the customers among these ids that exist."""
    found: dict[str, str | None] = {}
    for batch in _batches(session, ids):
        found.update((cid, parent) for cid, parent in session.execute(
            select(Customer.id, Customer.parent_id).where(_among(session, Customer.id, batch))))
    return found


class AccountOwner(NamedTuple):
    customer_id: str
    source: str  # imported | learned


def account_owners(session: Session, accounts: Iterable[str]) -> dict[str, AccountOwner]:
    """Who each (normalized) account already belongs to. An account has one owner (unique)."""
    found: dict[str, AccountOwner] = {}
    for batch in _batches(session, accounts):
        rows = session.execute(
            select(CustomerAccount.account, CustomerAccount.customer_id, CustomerAccount.source)
            .where(_among(session, CustomerAccount.account, batch))
        )
        for account, customer_id, source in rows:
            found[account] = AccountOwner(customer_id, source)
    return found


def aliases_by_customer(session: Session, customer_ids: Iterable[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for batch in _batches(session, customer_ids):
        rows = session.execute(
            select(CustomerAlias.customer_id, CustomerAlias.alias)
            .where(_among(session, CustomerAlias.customer_id, batch))
        )
        for customer_id, alias in rows:
            found[customer_id].add(alias)
    return found


@dataclass(slots=True)
class StoredInvoice:
    """An invoice as the import compares and changes it: plain values, not an ORM object.
    `id` is None for one this import creates (written at the end of its chunk)."""

    id: int | None
    number: str
    customer_id: str
    currency: str
    amount_minor: int
    open_minor: int
    issue_date: date
    due_date: date | None
    terms: str | None
    po_number: str | None
    status: str
    discount_minor: int = 0
    written_off_minor: int = 0


_STORED_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.customer_id, Invoice.currency, Invoice.amount_minor,
    Invoice.open_minor, Invoice.issue_date, Invoice.due_date, Invoice.terms, Invoice.po_number,
    Invoice.status, Invoice.discount_minor, Invoice.written_off_minor,
)
# What an import writes on an invoice (StoredInvoice attributes), creating or updating it.
IMPORTED_COLUMNS = ("customer_id", "currency", "amount_minor", "open_minor", "issue_date", "due_date",
                    "terms", "po_number", "status")


def lock_invoices(session: Session, numbers: Collection[str]) -> None:
    """Row-lock the stored invoices with these numbers until the transaction ends.

    One statement, rows locked in id order — the order a matching run locks invoices in — so
    an import and a run (or two imports) wait for each other instead of deadlocking, however
    many chunks the import then writes in. The lock keeps an import from overwriting a
    concurrent cash application: call `invoices_with_live_applications` after it, and an
    application committed while the lock was awaited is seen. SQLite has no row locks: its
    writers are already serialised (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name != "postgresql" or not numbers:
        return
    session.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM invoices WHERE number = ANY(:numbers) "
             "ORDER BY id FOR UPDATE) AS locked"),
        {"numbers": list(numbers)},
    )


def invoice_states(session: Session, numbers: Iterable[str]) -> dict[str, StoredInvoice]:
    """number -> the stored invoice, for the numbers that exist (no lock: see lock_invoices)."""
    found: dict[str, StoredInvoice] = {}
    for batch in _batches(session, numbers):
        for row in session.execute(select(*_STORED_COLUMNS).where(_among(session, Invoice.number, batch))):
            found[row.number] = StoredInvoice(*row)
    return found


def by_number(session: Session, number: str) -> Invoice | None:
    """The invoice numbered `number` (a plain read, no lock), if there is one."""
    return session.scalars(select(Invoice).where(Invoice.number == number)).one_or_none()


def ids_by_number(session: Session, numbers: Iterable[str]) -> dict[str, int]:
    """number -> id, for the numbers that exist (no lock)."""
    found: dict[str, int] = {}
    for batch in _batches(session, numbers):
        found.update((number, invoice_id) for invoice_id, number in session.execute(
            select(Invoice.id, Invoice.number).where(_among(session, Invoice.number, batch))))
    return found


def invoices_with_live_applications(session: Session, invoice_ids: Iterable[int]) -> set[int]:
    """Ids among these invoices that cash has been applied to in remit (not reversed)."""
    found: set[int] = set()
    for batch in _batches(session, invoice_ids):
        found.update(
            session.scalars(
                select(Application.invoice_id)
                .where(_among(session, Application.invoice_id, batch), Application.status == "applied")
                .distinct()
            )
        )
    return found


# --------------------------------------------------------------------------- learned from a payment


def add_learned_account(session: Session, customer_id: str, account: str) -> None:
    """Record a (normalized) account as the customer's, learned from a payment. The caller
    checks that no one owns it yet: an account has one owner."""
    session.execute(insert(CustomerAccount).values(customer_id=customer_id, account=account, source="learned"))


def add_learned_alias(session: Session, customer_id: str, alias: str) -> None:
    """Record another name the customer pays under, learned from a payment."""
    session.execute(insert(CustomerAlias).values(customer_id=customer_id, alias=alias, source="learned"))


# --------------------------------------------------------------------------- the import: writes


@dataclass
class BookWrites:
    """One chunk's changes, collected in row order, written in a few set statements."""

    now: datetime = field(default_factory=utc_now)
    customers: dict[str, str] = field(default_factory=dict)  # new: id -> name
    renamed: dict[str, str] = field(default_factory=dict)  # id -> new name
    parents: dict[str, str | None] = field(default_factory=dict)  # id -> new parent (None: none)
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (customer id, account)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (customer id, alias)
    created: list[StoredInvoice] = field(default_factory=list)
    changed: dict[int, StoredInvoice] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def record(self, actor: str, action: str, entity_type: str, entity_id: str, *,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        self.audit.append({"at": self.now, "actor": actor, "action": action, "entity_type": entity_type,
                           "entity_id": entity_id, "before": before, "after": after})

    def write(self, session: Session) -> None:
        """Inserts by binary COPY (PostgreSQL) or executemany (SQLite), updates as one statement
        per table; parents before children (foreign keys). The ORM session is bypassed: its
        Customer and Invoice objects written here are expired."""
        conn = session.connection()
        now = self.now
        bulk.insert_rows(conn, Customer.__table__, [
            {"id": cid, "name": name, "created_at": now, "updated_at": now}
            for cid, name in self.customers.items()], binary=True)
        bulk.update_rows(conn, Customer.__table__, [
            {"id": cid, "name": name, "updated_at": now} for cid, name in self.renamed.items()])
        # After the inserts: a parent may be a customer created in this very chunk.
        bulk.update_rows(conn, Customer.__table__, [
            {"id": cid, "parent_id": parent, "updated_at": now} for cid, parent in self.parents.items()])
        bulk.insert_rows(conn, CustomerAccount.__table__, [
            {"customer_id": cid, "account": a, "source": "imported", "created_at": now}
            for cid, a in self.accounts], binary=True)
        bulk.insert_rows(conn, CustomerAlias.__table__, [
            {"customer_id": cid, "alias": a, "source": "imported", "created_at": now}
            for cid, a in self.aliases], binary=True)
        bulk.insert_rows(conn, Invoice.__table__, [
            {"number": i.number, "customer_id": i.customer_id, "currency": i.currency,
             "amount_minor": i.amount_minor, "open_minor": i.open_minor, "issue_date": i.issue_date,
             "due_date": i.due_date, "terms": i.terms, "po_number": i.po_number, "status": i.status,
             "discount_minor": 0, "written_off_minor": 0, "created_at": now, "updated_at": now}
            for i in self.created], binary=True)
        bulk.update_rows(conn, Invoice.__table__, [
            {"id": inv_id, **{name: getattr(i, name) for name in IMPORTED_COLUMNS}, "updated_at": now}
            for inv_id, i in self.changed.items()])
        bulk.insert_rows(conn, AuditEvent.__table__, self.audit, binary=True)
        if self.renamed or self.parents or self.changed:
            _expire(session, set(self.renamed) | set(self.parents), set(self.changed))


def _expire(session: Session, customers: set[str], invoices: set[int]) -> None:
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Customer) and obj.id in customers) or (isinstance(obj, Invoice) and obj.id in invoices):
            session.expire(obj)


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


_OPEN = (Invoice.status == "open") & (Invoice.open_minor > 0)


def _closed_since(cutoff: datetime) -> Any:
    # The schema has no closed-at timestamp, so "closed recently" means: paid, and changed
    # (updated_at) or given an application within the window. An invoice imported already
    # paid counts from its import.
    applied_since = select(Application.invoice_id).where(Application.created_at >= cutoff)
    return (Invoice.status == "paid") & or_(Invoice.updated_at >= cutoff, Invoice.id.in_(applied_since))


def _snapshots(session: Session, where: Any) -> list[InvoiceSnapshot]:
    # On the session's Core connection: plain rows, without the ORM's per-row loading.
    rows = session.connection().execute(select(*_SNAPSHOT_COLUMNS).where(where).order_by(Invoice.id))
    return [InvoiceSnapshot._make(row) for row in rows]


def snapshots_by_id(session: Session, ids: Iterable[int]) -> dict[int, InvoiceSnapshot]:
    """These invoices as the matcher reads them, whatever their status."""
    wanted = sorted(set(ids))
    return {row.id: row for row in _snapshots(session, Invoice.id.in_(wanted))} if wanted else {}


def open_invoices(session: Session, currency: str | None = None) -> list[InvoiceSnapshot]:
    """Every invoice with something still to pay, in id order (deterministic runs)."""
    return _snapshots(session, _OPEN if currency is None else _OPEN & (Invoice.currency == currency.upper()))


def recently_closed(
    session: Session, days: int, *, as_of: datetime | None = None
) -> list[InvoiceSnapshot]:
    """Paid invoices closed in the last `days` days: a payment naming one is likely a duplicate."""
    return _snapshots(session, _closed_since((as_of or utc_now()) - timedelta(days=days)))


def matchable_invoices(session: Session, days: int, *, as_of: datetime | None = None) -> list[InvoiceSnapshot]:
    """open_invoices() and recently_closed() together, in id order: one read of the book."""
    return _snapshots(session, _OPEN | _closed_since((as_of or utc_now()) - timedelta(days=days)))


@dataclass(frozen=True, slots=True)
class CustomerKeys:
    """What identifies a payer as this customer: same fields as reconcile.model.Customer."""

    id: str
    name: str
    accounts: tuple[str, ...] = ()  # normalized, sorted
    aliases: tuple[str, ...] = ()  # sorted
    parent_id: str | None = None  # the parent/group company


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
    customers = sorted((cid, name, parent) for cid, name, parent in session.execute(
        select(Customer.id, Customer.name, Customer.parent_id)))
    return [
        CustomerKeys(id=cid, name=name, accounts=tuple(sorted(accounts.get(cid, ()))),
                     aliases=tuple(sorted(aliases.get(cid, ()))), parent_id=parent)
        for cid, name, parent in customers
    ]


def accounts_paying_for_several(session: Session) -> list[tuple[str, str]]:
    """(payer account as the bank sent it, customer id) for the accounts whose payments went
    to invoices of two or more customers, or to a customer other than the account's owner on
    file: a payment service's or a bank's clearing account, which names no customer by itself.

    Live applications only: one a reviewer reversed was a mistake, not a second payer.
    """
    paid = (select(BankTransaction.counterparty_account.label("account"), Invoice.customer_id)
            .join(Application, Application.transaction_id == BankTransaction.id)
            .join(Invoice, Invoice.id == Application.invoice_id)
            .where(Application.status == "applied", BankTransaction.counterparty_account.is_not(None))
            .distinct().subquery())
    several = select(paid.c.account).group_by(paid.c.account).having(func.count() > 1)
    found: set[tuple[str, str]] = {(a, c) for a, c in session.execute(
        select(paid.c.account, paid.c.customer_id).where(paid.c.account.in_(several)))}
    for account, paid_for, owner in session.execute(
        select(paid.c.account, paid.c.customer_id, CustomerAccount.customer_id)
        .join(CustomerAccount, CustomerAccount.account == paid.c.account)
        .where(CustomerAccount.customer_id != paid.c.customer_id)
    ):
        found.update({(account, paid_for), (account, owner)})
    return sorted(found)
