"""The invoice import as it was before it was batched (commit 1c91508,
reconcile/invoice_import.py): one ORM object and one audit INSERT per row, flushed at the end.

Test support only — the reference the batched import must agree with, row for row, on the
rows it writes, the audit events and the summary (test_invoice_import_batched.py). The
module docstring of reconcile/invoice_import.py describes the semantics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.money import from_minor
from ledger import audit
from ledger.models import Customer, Invoice
from ledger.types import utc_now
from reconcile.invoice_import import (  # the result shape both imports answer in
    HeldRow,
    ImportResult,
)
from reconcile.invoice_rows import Book, InvoiceRow, RowError, describe
from tests.reconcile import rowwise_repo as repo

# Fields an import may not change on an invoice remit has applied cash to (see above).
MONEY_FIELDS = ("open_minor", "amount_minor", "currency", "customer_id")
# Invoice attributes the import owns, in the order audit payloads show them.
IMPORTED_FIELDS = ("customer_id", "currency", "amount_minor", "open_minor", "issue_date", "due_date",
                   "terms", "po_number", "status")
_VIEW_NAMES = {"amount_minor": "amount", "open_minor": "open_amount"}


@dataclass
class _Known:
    """What the database holds for the rows at hand, kept current as rows are imported, so
    later rows of the same file see earlier ones (e.g. an account given to C1 in row 2)."""

    customers: dict[str, Customer]
    owners: dict[str, repo.AccountOwner]
    aliases: dict[str, set[str]]
    invoices: dict[str, Invoice]
    with_applications: set[int]  # invoice ids with live applications
    names: dict[str, str]  # customer id -> its name in the LAST row of the file naming it
    parent_of: dict[str, str | None]  # customer id -> its parent in the LAST row giving one
    parents_set: list[tuple[Customer, str | None]]  # written after the flush (parents first)

    @classmethod
    def load(cls, session: Session, rows: Sequence[InvoiceRow]) -> _Known:
        customer_ids = {r.customer_id for r in rows} | {r.parent_id for r in rows if r.parent_id}
        # Lock first, then look for applications: one committed while we waited is then seen.
        invoices = repo.lock_invoices_by_number(session, (r.invoice_number for r in rows))
        return cls(
            customers=repo.customers_by_id(session, customer_ids),
            owners=repo.account_owners(session, (a for r in rows for a in r.accounts)),
            aliases=repo.aliases_by_customer(session, customer_ids),
            invoices=invoices,
            with_applications=repo.invoices_with_live_applications(
                session, (i.id for i in invoices.values())),
            # One name per customer per import (the parser warns when a file has several), so
            # a file naming C1 two ways renames it once, not back and forth row by row.
            names={r.customer_id: r.customer_name for r in rows},
            parent_of={r.customer_id: r.parent_id for r in rows if "parent_customer_id" in r.given},
            parents_set=[],
        )

    def cash_applied(self, invoice: Invoice) -> bool:
        return (invoice.id in self.with_applications
                or bool(invoice.discount_minor or invoice.written_off_minor))


def import_book(session: Session, book: Book, *, file: str, actor: str) -> ImportResult:
    """Import a parsed book; the parser's errors and warnings are carried into the result."""
    result = ImportResult(file=file, format=book.format, rows_read=book.rows_read,
                          errors=list(book.errors), warnings=list(book.warnings))
    return import_rows(session, book.rows, actor=actor, result=result)


def import_rows(
    session: Session, rows: Sequence[InvoiceRow], *, actor: str, result: ImportResult | None = None
) -> ImportResult:
    """Upsert valid rows (see the module docstring). Flushes; never commits."""
    result = result or ImportResult(file="", format="rows", rows_read=len(rows))
    known = _Known.load(session, rows)
    # One flush at the end: the unit of work batches the inserts (customers before accounts
    # and invoices, by foreign key) instead of a round trip per row.
    with session.no_autoflush:
        for row in rows:
            _import_row(session, known, row, result, actor)
    session.flush()
    if known.parents_set:
        for customer, parent in known.parents_set:
            customer.parent_id, customer.updated_at = parent, utc_now()
        session.flush()
    result.errors.sort(key=lambda e: e.row)
    return result


def _import_row(
    session: Session, known: _Known, row: InvoiceRow, result: ImportResult, actor: str
) -> None:
    conflict = _foreign_account(known, row)
    if conflict is not None:
        result.errors.append(conflict)
        return
    invoice = known.invoices.get(row.invoice_number)
    changes = _invoice_changes(invoice, row) if invoice is not None else {}
    unkept = _unkept_balance(invoice, row) if invoice is not None else None
    if unkept is not None:
        result.errors.append(unkept)
        return
    if invoice is not None and known.cash_applied(invoice):
        held = _held(invoice, row, changes)
        if held is not None:
            result.held.append(held)
            result.warnings.append(
                describe(row.row, "invoice_number", row.invoice_number, "skipped: " + held.reason))
            return
    _upsert_customer(session, known, row, result, actor)
    if invoice is None:
        known.invoices[row.invoice_number] = _create_invoice(session, row, actor)
        result.created += 1
    elif changes:
        _update_invoice(session, invoice, changes, actor)
        result.updated += 1
    else:
        result.unchanged += 1


def _foreign_account(known: _Known, row: InvoiceRow) -> RowError | None:
    for account in row.accounts:
        owner = known.owners.get(account)
        if owner is not None and owner.customer_id != row.customer_id:
            return RowError(
                row.row, "customer_accounts", account,
                f"account belongs to customer {owner.customer_id} ({owner.source}); an import never "
                "moves an account to another customer: correct the file, or the account in remit",
            )
    return None


def _held(invoice: Invoice, row: InvoiceRow, changes: dict[str, object]) -> HeldRow | None:
    touched = [f for f in MONEY_FIELDS if f in changes]
    if not touched:
        return None
    ccy = invoice.currency
    fields = ", ".join(_VIEW_NAMES.get(f, f) for f in touched)
    remit = f"open {from_minor(invoice.open_minor, ccy)} of {from_minor(invoice.amount_minor, ccy)} {ccy}"
    file = f"open {from_minor(_open_minor(row, invoice), row.currency)} of {row.amount} {row.currency}"
    reason = (
        f"remit has applied cash to this invoice, so an import may not change its {fields} "
        f"(remit: {remit}; file: {file}); post remit's applications to the AR system, "
        "or reverse them in remit, then re-import"
    )
    return HeldRow(row.row, row.invoice_number, reason)


# --------------------------------------------------------------------------- customers


def _upsert_customer(
    session: Session, known: _Known, row: InvoiceRow, result: ImportResult, actor: str
) -> None:
    name = known.names[row.customer_id]
    customer = known.customers.get(row.customer_id)
    if customer is None:
        customer = repo.add_customer(session, row.customer_id, name)
        known.customers[row.customer_id] = customer
        result.customers_created += 1
        audit.record(session, actor=actor, action="customer.created", entity_type="customer",
                     entity_id=row.customer_id, after={"name": name})
    elif customer.name != name:
        before = customer.name
        repo.rename_customer(customer, name)
        result.customers_renamed += 1
        audit.record(session, actor=actor, action="customer.renamed", entity_type="customer",
                     entity_id=row.customer_id, before={"name": before}, after={"name": name})
    for account in row.accounts:
        if account in known.owners:
            continue  # already this customer's (another owner was refused above)
        repo.add_account(session, row.customer_id, account, source="imported")
        known.owners[account] = repo.AccountOwner(row.customer_id, "imported")
        result.accounts_added += 1
        audit.record(session, actor=actor, action="customer.account_added", entity_type="customer",
                     entity_id=row.customer_id, after={"account": account, "source": "imported"})
    aliases = known.aliases.setdefault(row.customer_id, set())
    for alias in row.aliases:
        if alias in aliases:
            continue
        repo.add_alias(session, row.customer_id, alias, source="imported")
        aliases.add(alias)
        result.aliases_added += 1
        audit.record(session, actor=actor, action="customer.alias_added", entity_type="customer",
                     entity_id=row.customer_id, after={"alias": alias, "source": "imported"})
    if row.customer_id in known.parent_of:
        _set_parent(session, known, customer, result, actor)


def _set_parent(session: Session, known: _Known, customer: Customer, result: ImportResult, actor: str) -> None:
    parent = known.parent_of[customer.id]
    if parent is not None and parent not in known.customers:
        name = known.names.get(parent, "")
        known.customers[parent] = repo.add_customer(session, parent, name)
        result.customers_created += 1
        audit.record(session, actor=actor, action="customer.created", entity_type="customer",
                     entity_id=parent, after={"name": name, "parent_of": customer.id})
    pending = {c.id: p for c, p in known.parents_set}
    stored = pending.get(customer.id, customer.parent_id)
    if stored != parent:
        known.parents_set.append((customer, parent))
        audit.record(session, actor=actor, action="customer.parent_changed", entity_type="customer",
                     entity_id=customer.id, before={"parent_id": stored}, after={"parent_id": parent})


# --------------------------------------------------------------------------- invoices


def _status(current: str | None, open_minor: int) -> str:
    if current == "void":
        return "void"  # voiding is remit's decision, not the import's: it never un-voids
    return "paid" if open_minor == 0 else "open"


def _open_minor(row: InvoiceRow, invoice: Invoice | None) -> int:
    """The open balance the row means. Without an open_amount column, what is already settled
    on an existing invoice stays settled (a changed amount moves the balance by as much)."""
    if invoice is None or "open_amount" in row.given:
        return row.open_minor
    return row.amount_minor - (invoice.amount_minor - invoice.open_minor)


def _row_values(row: InvoiceRow, invoice: Invoice | None) -> dict[str, object]:
    """The invoice's attributes as this row states them. For an existing invoice, columns the
    file does not carry keep their stored values (InvoiceRow.given)."""
    open_minor = _open_minor(row, invoice)
    values: dict[str, object] = {
        "customer_id": row.customer_id,
        "currency": row.currency,
        "amount_minor": row.amount_minor,
        "open_minor": open_minor,
        "issue_date": row.issue_date,
        "due_date": row.due_date,
        "terms": row.terms,
        "po_number": row.po_number,
        "status": _status(invoice.status if invoice is not None else None, open_minor),
    }
    if invoice is not None:
        for column in ("due_date", "terms", "po_number"):
            if column not in row.given:
                values[column] = getattr(invoice, column)
    return values


def _invoice_changes(invoice: Invoice, row: InvoiceRow) -> dict[str, object]:
    wanted = _row_values(row, invoice)
    return {name: value for name, value in wanted.items() if getattr(invoice, name) != value}


def _unkept_balance(invoice: Invoice, row: InvoiceRow) -> RowError | None:
    """Carrying the settled part over (no open_amount column) needs the same currency, and an
    amount no lower than what is already settled."""
    if "open_amount" in row.given or invoice.open_minor == invoice.amount_minor:
        return None  # a balance is given, or nothing is settled: nothing to carry over
    settled = f"{from_minor(invoice.amount_minor - invoice.open_minor, invoice.currency)} {invoice.currency}"
    if row.currency != invoice.currency:
        return RowError(row.row, "currency", row.currency,
                        f"changes on an invoice with {settled} settled: give its open_amount")
    if _open_minor(row, invoice) < 0:
        return RowError(row.row, "amount", format(row.amount, "f"),
                        f"below the {settled} already settled on this invoice: give its open_amount")
    return None


def _view(values: dict[str, object], currency: str) -> dict[str, Any]:
    """JSON for the audit trail: amounts as decimal strings, dates ISO (DESIGN.md §6 style)."""
    out: dict[str, Any] = {}
    for name in IMPORTED_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in _VIEW_NAMES and isinstance(value, int):
            out[_VIEW_NAMES[name]] = format(from_minor(value, currency), "f")
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def _create_invoice(session: Session, row: InvoiceRow, actor: str) -> Invoice:
    values = _row_values(row, None)
    invoice = repo.add_invoice(session, number=row.invoice_number, **values)
    audit.record(session, actor=actor, action="invoice.created", entity_type="invoice",
                 entity_id=row.invoice_number,
                 after={"number": row.invoice_number, **_view(values, row.currency)})
    return invoice


def _update_invoice(session: Session, invoice: Invoice, changes: dict[str, object], actor: str) -> None:
    before = {name: getattr(invoice, name) for name in changes}
    old_currency = invoice.currency
    repo.set_invoice(invoice, changes)
    audit.record(session, actor=actor, action="invoice.updated", entity_type="invoice",
                 entity_id=invoice.number, before=_view(before, old_currency),
                 after=_view(changes, invoice.currency))
