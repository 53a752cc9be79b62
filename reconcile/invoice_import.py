"""Import the invoice book (`remit invoices import`, DESIGN.md §6): upsert by invoice number.

Runs inside the caller's transaction and never commits: the CLI (or request, or job) owns
it, so an import lands whole or not at all. Rows the parser rejected, and rows this service
rejects (an account that belongs to another customer), are reported and skipped; every
other row is imported. If the database itself refuses something, the exception propagates
and the caller's transaction rolls back everything, including rows already written.

How (linear in the rows, memory bounded by a chunk): the stored invoices the file names are
row-locked once, in id order (ledger.repositories.invoices.lock_invoices); then rows are
decided in file order, CHUNK_ROWS at a time — each chunk's customers, accounts, aliases and
invoices are read in a few set queries, the rows decided in memory exactly as one by one,
and the chunk's changes and audit events written in set statements (COPY on PostgreSQL)
before the next chunk is read, so later rows see what earlier ones did.

What a row does:
  - customer: created if new; renamed if the name differs (the AR system is the master of
    customer names; a file naming one customer two ways gives it the name of its last row,
    so it is renamed at most once); its accounts and aliases are added — never removed, and an account
    that belongs to ANOTHER customer rejects the row (never silently reassigned). Its parent
    (parent_customer_id, the group company: reconcile.groups) is set from the file's last row
    naming the customer when the column is there (empty clears it, absent keeps it); a parent
    not in remit yet is created as a customer with that id and the name the file gives it on
    its own rows, else an empty name until a row of its own names it.
  - invoice: created if new; else updated where the values differ; else counted unchanged.
    An optional column the file does not have (po_number, terms, due_date, open_amount) keeps
    the stored value; without open_amount, the part already settled stays settled.

The rule for invoices remit has applied cash to: the AR system's open balance lags behind
remit's until remit's applications are posted back to it, so re-importing an older export
would re-open paid invoices and invite a second application of the same cash. While an
invoice has live (not reversed) applications, discount or write-off in remit, an import may
not change its open_amount, amount, currency or customer: such a row is SKIPPED WHOLE (held)
and reported with the reason. Other fields (dates, terms, PO) still update when the money
fields agree. Once the applications are reversed, the AR system's figures are taken again.

Audit: one event per created or changed invoice and per customer change (created, renamed,
account added, alias added), with before/after, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.money import exponent, from_minor
from ledger import invoice_status
from ledger.repositories import invoices as repo
from ledger.repositories.invoices import StoredInvoice
from reconcile.invoice_rows import Book, InvoiceRow, RowError, describe

# Fields an import may not change on an invoice remit has applied cash to (see above).
MONEY_FIELDS = ("open_minor", "amount_minor", "currency", "customer_id")
# Invoice attributes the import owns, in the order audit payloads show them.
IMPORTED_FIELDS = repo.IMPORTED_COLUMNS
_IMPORTED = frozenset(IMPORTED_FIELDS)
# Rows decided and written per round: bounds memory and statement size whatever the file's size.
CHUNK_ROWS = 5000
_VIEW_NAMES = {"amount_minor": "amount", "open_minor": "open_amount"}


@dataclass(frozen=True, slots=True)
class HeldRow:
    """A valid row not imported because remit has applied cash to its invoice."""

    row: int
    invoice_number: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "invoice_number": self.invoice_number, "reason": self.reason}


@dataclass
class ImportResult:
    """The outcome of one import; `as_json` is the shape of `remit invoices import --json`."""

    file: str
    format: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    held: list[HeldRow] = field(default_factory=list)
    customers_created: int = 0
    customers_renamed: int = 0
    accounts_added: int = 0
    aliases_added: int = 0
    # Numbers of the invoices created, or whose open amount rose (reopened): the payments with
    # money on account may pay them (reconcile/rematch.py). Not part of as_json.
    opened: list[str] = field(default_factory=list)
    # What matching money on account against them did (workflows/pipeline.rematch_opened):
    # {"applied": n, "review": m, ...}; None until it ran.
    rematched: dict[str, Any] | None = None

    @property
    def rejected(self) -> int:
        """Rows refused for bad values (a row with three bad columns counts once)."""
        return len({e.row for e in self.errors})

    @property
    def skipped(self) -> int:
        """Rows not imported: rejected plus held."""
        return self.rejected + len(self.held)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [e.as_json() for e in self.errors],
            "warnings": list(self.warnings),
            # Extensions of the §6 shape:
            "format": self.format,
            "rows": self.rows_read,
            "rejected": self.rejected,
            "held": [h.as_json() for h in self.held],
            "customers_created": self.customers_created,
            "customers_renamed": self.customers_renamed,
            "accounts_added": self.accounts_added,
            "aliases_added": self.aliases_added,
            "rematched": self.rematched or {"applied": 0, "review": 0, "deferred": 0},
        }


@dataclass
class _Known:
    """What the database holds for one chunk of rows, kept current as its rows are decided,
    so later rows see earlier ones (e.g. an account given to C1 in row 2). Earlier chunks are
    written before a chunk is loaded, so it sees theirs too."""

    customers: dict[str, str]  # id -> name
    owners: dict[str, repo.AccountOwner]
    aliases: dict[str, set[str]]
    invoices: dict[str, StoredInvoice]
    with_applications: set[int]  # invoice ids with live applications
    names: dict[str, str]  # customer id -> its name in the LAST row of the file naming it
    parent_of: dict[str, str | None]  # customer id -> its parent in the LAST row giving one
    parents: dict[str, str | None]  # stored: customer id -> parent id

    @classmethod
    def load(cls, session: Session, rows: Sequence[InvoiceRow], names: dict[str, str],
             parent_of: dict[str, str | None]) -> _Known:
        customer_ids = {r.customer_id for r in rows}
        invoices = repo.invoice_states(session, (r.invoice_number for r in rows))
        # The parents these customers get: the file's LAST row for a customer decides, which
        # may sit in a later chunk (so read them from parent_of, not from these rows).
        parent_ids = {p for cid in customer_ids if (p := parent_of.get(cid)) is not None}
        return cls(
            customers=repo.customer_names(session, customer_ids | parent_ids),
            owners=repo.account_owners(session, (a for r in rows for a in r.accounts)),
            aliases=repo.aliases_by_customer(session, customer_ids),
            invoices=invoices,
            with_applications=repo.invoices_with_live_applications(
                session, (i.id for i in invoices.values() if i.id is not None)),
            names=names,
            parent_of=parent_of,
            parents=repo.customer_parents(session, customer_ids | parent_ids),
        )

    def cash_applied(self, invoice: StoredInvoice) -> bool:
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
    """Upsert valid rows (see the module docstring). Writes; never commits."""
    result = result or ImportResult(file="", format="rows", rows_read=len(rows))
    session.flush()  # the caller's pending ORM changes first: what follows reads and writes in SQL
    # One name per customer per import (the parser warns when a file has several), so a file
    # naming C1 two ways renames it once, not back and forth row by row.
    names = {r.customer_id: r.customer_name for r in rows}
    parent_of = {r.customer_id: r.parent_id for r in rows if "parent_customer_id" in r.given}
    # Every stored invoice the file names, locked once in id order before any is read.
    repo.lock_invoices(session, {r.invoice_number for r in rows})
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        known = _Known.load(session, chunk, names, parent_of)
        writes = repo.BookWrites()
        for row in chunk:
            _import_row(known, writes, row, result, actor)
        writes.write(session)
    result.errors.sort(key=lambda e: e.row)
    return result


def _import_row(known: _Known, writes: repo.BookWrites, row: InvoiceRow, result: ImportResult,
                actor: str) -> None:
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
    _upsert_customer(known, writes, row, result, actor)
    if invoice is None:
        known.invoices[row.invoice_number] = _create_invoice(writes, row, actor)
        result.created += 1
        result.opened.append(row.invoice_number)
    elif changes:
        was_open = invoice.open_minor
        _update_invoice(writes, invoice, changes, actor)
        result.updated += 1
        if invoice.open_minor > was_open:
            result.opened.append(row.invoice_number)
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


def _held(invoice: StoredInvoice, row: InvoiceRow, changes: dict[str, object]) -> HeldRow | None:
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
    known: _Known, writes: repo.BookWrites, row: InvoiceRow, result: ImportResult, actor: str
) -> None:
    cid = row.customer_id
    name = known.names[cid]
    stored = known.customers.get(cid)
    if stored is None:
        writes.customers[cid] = known.customers[cid] = name
        result.customers_created += 1
        writes.record(actor, "customer.created", "customer", cid, after={"name": name})
    elif stored != name:
        writes.renamed[cid] = known.customers[cid] = name
        result.customers_renamed += 1
        writes.record(actor, "customer.renamed", "customer", cid, before={"name": stored}, after={"name": name})
    for account in row.accounts:
        if account in known.owners:
            continue  # already this customer's (another owner was refused above)
        writes.accounts.append((cid, account))
        known.owners[account] = repo.AccountOwner(cid, "imported")
        result.accounts_added += 1
        writes.record(actor, "customer.account_added", "customer", cid,
                      after={"account": account, "source": "imported"})
    aliases = known.aliases.setdefault(cid, set())
    for alias in row.aliases:
        if alias in aliases:
            continue
        writes.aliases.append((cid, alias))
        aliases.add(alias)
        result.aliases_added += 1
        writes.record(actor, "customer.alias_added", "customer", cid, after={"alias": alias, "source": "imported"})
    if cid in known.parent_of:
        _set_parent(known, writes, cid, result, actor)


def _set_parent(known: _Known, writes: repo.BookWrites, cid: str, result: ImportResult, actor: str) -> None:
    parent = known.parent_of[cid]
    if parent is not None and parent not in known.customers:
        # A group company that pays but is not invoiced (or not yet): a customer row of its own,
        # named by its own rows in this file if it has any.
        name = known.names.get(parent, "")
        writes.customers[parent] = known.customers[parent] = name
        known.parents[parent] = None
        result.customers_created += 1
        writes.record(actor, "customer.created", "customer", parent, after={"name": name, "parent_of": cid})
    stored = known.parents.get(cid)
    if stored != parent:
        writes.parents[cid] = known.parents[cid] = parent
        writes.record(actor, "customer.parent_changed", "customer", cid,
                      before={"parent_id": stored}, after={"parent_id": parent})


# --------------------------------------------------------------------------- invoices


def _open_minor(row: InvoiceRow, invoice: StoredInvoice | None) -> int:
    """The open balance the row means. Without an open_amount column, what is already settled
    on an existing invoice stays settled (a changed amount moves the balance by as much)."""
    if invoice is None or "open_amount" in row.given:
        return row.open_minor
    return row.amount_minor - (invoice.amount_minor - invoice.open_minor)


def _row_values(row: InvoiceRow, invoice: StoredInvoice | None) -> dict[str, object]:
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
        "status": invoice_status.after_change(invoice.status if invoice is not None else None, open_minor),
    }
    if invoice is not None:
        for column in ("due_date", "terms", "po_number"):
            if column not in row.given:
                values[column] = getattr(invoice, column)
    return values


def _invoice_changes(invoice: StoredInvoice, row: InvoiceRow) -> dict[str, object]:
    wanted = _row_values(row, invoice)
    return {name: value for name, value in wanted.items() if getattr(invoice, name) != value}


def _unkept_balance(invoice: StoredInvoice, row: InvoiceRow) -> RowError | None:
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


def _amount_text(minor: int, currency: str) -> str:
    """format(from_minor(minor, currency), "f") in integer arithmetic (an audit event per row)."""
    places = exponent(currency)
    if places == 0:
        return str(minor)
    whole, part = divmod(abs(minor), 10**places)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{places}d}"


def _view(values: dict[str, object], currency: str) -> dict[str, Any]:
    """JSON for the audit trail: amounts as decimal strings, dates ISO (DESIGN.md §6 style).
    `values` are in IMPORTED_FIELDS order (as _row_values and _invoice_changes make them)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _IMPORTED:
            continue
        if name in _VIEW_NAMES and isinstance(value, int):
            out[_VIEW_NAMES[name]] = _amount_text(value, currency)
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def _create_invoice(writes: repo.BookWrites, row: InvoiceRow, actor: str) -> StoredInvoice:
    v = StoredInvoice(None, row.invoice_number, **_row_values(row, None))  # type: ignore[arg-type]
    writes.created.append(v)
    # What _view makes of every imported field, spelled out: one of these per new invoice.
    after = {"number": v.number, "customer_id": v.customer_id, "currency": v.currency,
             "amount": _amount_text(v.amount_minor, v.currency), "open_amount": _amount_text(v.open_minor, v.currency),
             "issue_date": v.issue_date.isoformat(), "due_date": v.due_date and v.due_date.isoformat(),
             "terms": v.terms, "po_number": v.po_number, "status": v.status}
    writes.record(actor, "invoice.created", "invoice", row.invoice_number, after=after)
    return v


def _update_invoice(writes: repo.BookWrites, invoice: StoredInvoice, changes: dict[str, object],
                    actor: str) -> None:
    before = {name: getattr(invoice, name) for name in changes}
    old_currency = invoice.currency
    for name, value in changes.items():
        setattr(invoice, name, value)
    if invoice.id is not None:  # else created in this chunk: written with its latest values
        writes.changed[invoice.id] = invoice
    writes.record(actor, "invoice.updated", "invoice", invoice.number, before=_view(before, old_currency),
                  after=_view(changes, invoice.currency))
