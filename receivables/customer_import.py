"""Customers from the AR system (`remit customers import`, POST /api/v1/customers/import):
upsert by customer_id, checked against the database first. Never commits: a result with
errors means the caller must roll back (workflows.customers does), so nothing of a file with
any error is stored.

What is checked beyond the file itself (receivables.customer_rows):
- parent_id names a customer of this file or one remit knows; no customer ends up its own
  ancestor;
- an account belongs to one customer: one already stored for another customer (imported or
  learned from a reviewer's application) or given to two customers in the file is an error
  naming both; never silently moved.

An update changes only the columns the row carries (absent keeps, empty clears). `accounts`
replaces the customer's imported accounts; the learned ones always stay. Every created or
changed customer is audited (`customer.created`, `customer.updated`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledger import audit
from ledger.models import Customer, CustomerAccount
from ledger.types import utc_now
from receivables.customer_rows import CustomerFile, CustomerRow, RowError

CHUNK = 5000  # ids per IN (...): far below SQLite's and PostgreSQL's parameter limits
FIELDS = ("name", "email", "phone", "segment", "parent_id")


@dataclass
class CustomerImportResult:
    file: str
    format: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    accounts_added: int = 0
    accounts_removed: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "accounts_added": self.accounts_added,
            "accounts_removed": self.accounts_removed,
            "errors": [{"line": e.row, "column": e.column, "value": e.value, "message": e.message}
                       for e in self.errors],
            "warnings": list(self.warnings),
        }


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def import_customers(
    session: Session, cfile: CustomerFile, *, file: str, actor: str
) -> CustomerImportResult:
    """Upsert the file's customers; with errors (the file's or the database checks') nothing
    is written by this call and the result lists them all, by line."""
    result = CustomerImportResult(file=file, format=cfile.format, rows_read=cfile.rows_read,
                                  errors=list(cfile.errors), warnings=list(cfile.warnings))
    rows = cfile.rows
    ids = [r.customer_id for r in rows]
    stored: dict[str, Customer] = {}
    for part in _chunks(ids):
        stored.update((c.id, c) for c in session.scalars(
            select(Customer).where(Customer.id.in_(part)).with_for_update()))
    result.errors.extend(_parent_errors(session, rows))
    owners = _account_owners(session, rows)
    result.errors.extend(_account_errors(rows, owners))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.column or ""))
        return result
    now = utc_now()
    created: set[str] = set()
    touched: set[str] = set()
    for row in rows:
        customer = stored.get(row.customer_id)
        if customer is None:
            customer = Customer(id=row.customer_id, name=row.name, email=row.email, phone=row.phone,
                                segment=row.segment, created_at=now, updated_at=now)
            session.add(customer)
            stored[row.customer_id] = customer
            created.add(row.customer_id)
            audit.record(session, actor=actor, action="customer.created", entity_type="customer",
                         entity_id=row.customer_id, after={**_view(row), "file": file, "line": row.line})
            continue
        before = {f: getattr(customer, f) for f in FIELDS}
        wanted = _wanted(row, before)
        changes = {f: v for f, v in wanted.items() if f != "parent_id" and before[f] != v}
        for f, v in changes.items():
            setattr(customer, f, v)
        if changes:
            customer.updated_at = now
            touched.add(row.customer_id)
            audit.record(session, actor=actor, action="customer.updated", entity_type="customer",
                         entity_id=row.customer_id, before={f: before[f] for f in changes},
                         after={**changes, "file": file, "line": row.line})
    session.flush()  # every customer exists before any parent points at it
    for row in rows:
        customer = stored[row.customer_id]
        if "parent_id" in row.given and customer.parent_id != row.parent_id:
            before_parent = customer.parent_id
            customer.parent_id = row.parent_id
            customer.updated_at = now
            touched.add(row.customer_id)
            audit.record(session, actor=actor, action="customer.parent_changed",
                         entity_type="customer", entity_id=row.customer_id,
                         before={"parent_id": before_parent}, after={"parent_id": row.parent_id})
    touched |= _write_accounts(session, rows, owners, result, actor=actor)
    session.flush()
    result.created = len(created)
    result.updated = len(touched - created)
    result.unchanged = len(rows) - result.created - result.updated
    return result


def _view(row: CustomerRow) -> dict[str, Any]:
    return {"name": row.name, "email": row.email, "phone": row.phone, "segment": row.segment,
            "parent_id": row.parent_id, "accounts": list(row.accounts)}


def _wanted(row: CustomerRow, before: dict[str, Any]) -> dict[str, Any]:
    out = {"name": row.name, "email": row.email}
    for f in ("phone", "segment", "parent_id"):
        out[f] = getattr(row, f) if f in row.given else before[f]
    return out


def _parent_errors(session: Session, rows: Sequence[CustomerRow]) -> list[RowError]:
    in_file = {r.customer_id: r for r in rows}
    wanted = sorted({r.parent_id for r in rows if r.parent_id and r.parent_id not in in_file})
    known: set[str] = set()
    for part in _chunks(wanted):
        known.update(session.scalars(select(Customer.id).where(Customer.id.in_(part))))
    errors = [RowError(r.line, "parent_id", r.parent_id, "no such customer in this file or in remit")
              for r in rows if r.parent_id and r.parent_id not in in_file and r.parent_id not in known]
    if errors:
        return errors
    # The parents once this file is in: the file's where it gives them, else the stored ones.
    parents: dict[str, str | None] = {
        cid: parent for cid, parent in session.execute(
            select(Customer.id, Customer.parent_id).where(Customer.parent_id.is_not(None)))}
    for r in rows:
        if "parent_id" in r.given:
            parents[r.customer_id] = r.parent_id
    for r in rows:
        seen, node = {r.customer_id}, parents.get(r.customer_id)
        while node is not None:
            if node in seen:
                errors.append(RowError(r.line, "parent_id", r.parent_id,
                                       f"makes a circle of parents ({' → '.join([*seen, node])})"))
                break
            seen.add(node)
            node = parents.get(node)
    return errors


def _account_owners(session: Session, rows: Sequence[CustomerRow]) -> dict[str, tuple[str, str]]:
    """Stored account -> (customer id, source), for the accounts the file names and the
    accounts of the customers it lists."""
    accounts = sorted({a for r in rows for a in r.accounts})
    out: dict[str, tuple[str, str]] = {}
    for part in _chunks(accounts):
        for account, cid, source in session.execute(
            select(CustomerAccount.account, CustomerAccount.customer_id, CustomerAccount.source)
            .where(CustomerAccount.account.in_(part))
        ):
            out[account] = (cid, source)
    ids = [r.customer_id for r in rows if "accounts" in r.given]
    for part in _chunks(ids):
        for account, cid, source in session.execute(
            select(CustomerAccount.account, CustomerAccount.customer_id, CustomerAccount.source)
            .where(CustomerAccount.customer_id.in_(part))
        ):
            out[account] = (cid, source)
    return out


def _account_errors(rows: Sequence[CustomerRow], owners: dict[str, tuple[str, str]]) -> list[RowError]:
    errors = []
    first: dict[str, CustomerRow] = {}
    for r in rows:
        for account in r.accounts:
            other = first.setdefault(account, r)
            if other is not r:
                errors.append(RowError(r.line, "accounts", account,
                                       f"given to customer {r.customer_id} here and to customer "
                                       f"{other.customer_id} on line {other.line}"))
                continue
            owner = owners.get(account)
            if owner is not None and owner[0] != r.customer_id:
                how = "learned from a payment" if owner[1] == "learned" else "imported"
                errors.append(RowError(r.line, "accounts", account,
                                       f"belongs to customer {owner[0]} ({how}), not to customer "
                                       f"{r.customer_id}: change it there first"))
    return errors


def _write_accounts(session: Session, rows: Sequence[CustomerRow], owners: dict[str, tuple[str, str]],
                    result: CustomerImportResult, *, actor: str) -> set[str]:
    """Each listed customer's imported accounts made the file's; the ids that changed."""
    changed = set()
    have: dict[str, dict[str, str]] = {}
    for account, (cid, source) in owners.items():
        have.setdefault(cid, {})[account] = source
    for r in rows:
        if "accounts" not in r.given:
            continue
        mine = have.get(r.customer_id, {})
        stale = sorted(a for a, source in mine.items() if source == "imported" and a not in r.accounts)
        new = [a for a in r.accounts if a not in mine]
        if stale:
            session.execute(delete(CustomerAccount).where(CustomerAccount.customer_id == r.customer_id,
                                                          CustomerAccount.account.in_(stale)))
        for account in new:
            session.add(CustomerAccount(customer_id=r.customer_id, account=account, source="imported"))
        if stale or new:
            changed.add(r.customer_id)
            result.accounts_added += len(new)
            result.accounts_removed += len(stale)
            audit.record(session, actor=actor, action="customer.accounts_changed",
                         entity_type="customer", entity_id=r.customer_id,
                         before={"removed": stale}, after={"added": new})
    return changed
