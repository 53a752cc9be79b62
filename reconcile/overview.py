"""Read models of the workbench's linked pages that are about cash: one bank file with its
statements, entries and warnings, and who a payment is from. Shared by whatever shows them
(the workbench today); amounts are decimal strings, dates ISO 8601. Reads only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.accounts import try_normalize_account
from ledger.models import (
    Application,
    BankEntry,
    BankEntrySighting,
    BankFile,
    BankTransaction,
    Customer,
    Invoice,
    StatementRow,
)
from ledger.repositories import invoices as book
from ledger.repositories import payments, statement_checks
from reconcile.view_rows import amount_text, iso
from reconcile.views import payment_status

# ingest.integrity.PREFIX: the warnings that are statement checks (balance, continuity).
STATEMENT_CHECK_PREFIX = "statement integrity: "
ENTRIES_PAGE = 200
CHECKS_SHOWN = 200


def split_warnings(warnings: list[str]) -> tuple[list[str], list[str]]:
    """(statement checks without their prefix, the other warnings) of a file."""
    checks, other = [], []
    for warning in warnings or []:
        if warning.startswith(STATEMENT_CHECK_PREFIX):
            checks.append(warning[len(STATEMENT_CHECK_PREFIX):])
        else:
            other.append(warning)
    return checks, other


def bank_file(
    session: Session, file_id: int, *, limit: int = ENTRIES_PAGE, after_id: int | None = None
) -> dict[str, Any] | None:
    """A file as received: what it is, its statements, warnings, and its entries (first seen
    in it or reported again by it, `first_file_id` says which) with their payments' statuses.
    Entries page by id: `limit` + 1 are read, so the caller sees whether there are more."""
    f = session.get(BankFile, file_id)
    if f is None:
        return None
    checks, other = split_warnings(f.warnings)
    statements = session.scalars(
        select(StatementRow).where(StatementRow.file_id == file_id).order_by(StatementRow.seq)
    ).all()
    seen_again = select(BankEntrySighting.entry_id).where(BankEntrySighting.file_id == file_id)
    query = (
        select(BankEntry)
        .where(or_(BankEntry.file_id == file_id, BankEntry.id.in_(seen_again)))
        .order_by(BankEntry.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(BankEntry.id > after_id)
    entries = session.scalars(query).all()
    payments = _payments_of(session, [e.id for e in entries])
    return {
        "file_id": f.id,
        "name": f.name,
        "format": f.format,
        "status": f.status,
        "source": f.source,
        "size_bytes": f.size_bytes,
        "sha256": f.sha256,
        "error": f.error,
        "received_at": iso(f.received_at),
        "processed_at": iso(f.processed_at),
        "counts": {
            "statements": f.statements,
            "entries_new": f.entries_new,
            "entries_duplicate": f.entries_duplicate,
            "transactions_new": f.transactions_new,
        },
        "statement_checks": checks,
        # The checks as remit tracks them since they have rows (open, resolved, dismissed).
        "checks": statement_checks.listing(session, status=None, file_id=file_id,
                                           limit=CHECKS_SHOWN),
        "warnings": other,
        "statements": [
            {
                "statement_id": s.statement_id,
                "account": s.account,
                "currency": s.currency,
                "opening_balance": amount_text(s.opening_minor, s.currency),
                "closing_balance": amount_text(s.closing_minor, s.currency),
                "from_date": iso(s.from_date),
                "to_date": iso(s.to_date),
            }
            for s in statements
        ],
        "entries": [
            {
                "entry_id": e.id,
                "first_file_id": e.file_id,
                "amount": amount_text(e.amount_minor, e.currency),
                "currency": e.currency,
                "direction": e.direction,
                "status": e.status,
                "booking_date": iso(e.booking_date),
                "value_date": iso(e.value_date),
                "bank_reference": e.bank_reference,
                "kind": e.kind,
                "reversal": e.reversal,
                "account": e.account,
                "payments": payments.get(e.id, []),
            }
            for e in entries
        ],
    }


def _payments_of(session: Session, entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not entry_ids:
        return out
    rows = session.execute(
        select(BankTransaction, BankEntry.currency)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankTransaction.entry_id.in_(entry_ids))
        .order_by(BankTransaction.entry_id, BankTransaction.seq)
    ).all()
    for t, entry_currency in rows:
        currency = t.currency or entry_currency
        unapplied = None if t.amount_minor is None else t.amount_minor - t.applied_minor
        out.setdefault(t.entry_id, []).append({
            "transaction_id": t.id,
            "amount": amount_text(t.amount_minor, currency),
            "unapplied_amount": amount_text(unapplied, currency),
            "currency": currency,
            "payer": t.counterparty_name,
            "status": payment_status(t.applied_minor, t.amount_minor, t.match_status),
            "return_reason": t.return_reason,
            "change_code": t.change_code,
        })
    return out


def payment_customers(session: Session, transaction_id: int) -> list[dict[str, str]]:
    """Who a payment is from, as far as remit knows: the customers of the invoices it was
    applied to (even if since reversed), else the owner of the payer's account."""
    rows = session.execute(
        select(Customer.id, Customer.name)
        .join(Invoice, Invoice.customer_id == Customer.id)
        .join(Application, Application.invoice_id == Invoice.id)
        .where(Application.transaction_id == transaction_id)
        .distinct()
        .order_by(Customer.id)
    ).all()
    found = [{"customer_id": cid, "name": name} for cid, name in rows]
    payer = payments.counterparty(session, transaction_id)
    account = try_normalize_account(payer.account) if payer else None
    if not found and account:
        owner = book.account_owners(session, [account]).get(account)
        if owner is not None:
            names = book.customer_names(session, [owner.customer_id])
            found = [{"customer_id": owner.customer_id, "name": names.get(owner.customer_id, "")}]
    return found
