"""Read models of cash application (DESIGN.md §6 shapes), shared by the CLI, the API and the UI.

Lists page by id (keyset: `after_id` is the last id of the previous page, ORDER BY id), so
page 1,000 costs what page 1 costs; filters are plain column comparisons. Amounts are decimal
strings (never floats), dates ISO 8601, timestamps aware UTC ISO 8601. Reads only.
Here the queries; the shape of a row is in reconcile.view_rows, amount filters in SQL in
reconcile.amount_filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from core.errors import Invalid
from ledger import invoice_status
from ledger.models import (
    Application,
    AuditEvent,
    BankEntry,
    BankFile,
    BankTransaction,
    Customer,
    Invoice,
    ReviewItem,
)
from ledger.repositories import review_items
from reconcile import advice_views, queue, queue_kinds, recorded
from reconcile.amount_filters import amount_at_least, amount_at_most, amount_equals
from reconcile.view_rows import (
    amount_text,
    event_json,
    invoice_json,
    iso,
    payment_explanation,
    review_item_json,
)

INVOICE_STATUSES = invoice_status.SHOWN
PAYMENT_STATUSES = ("matched", "partially_applied", "review", "returned", "unmatched", "ignored")
# Audit actions on an application that belong to its invoice's history.
_APPLICATION_ACTIONS = ("application.created", "application.reversed")


def _statuses(value: str | Iterable[str] | None, allowed: Sequence[str]) -> list[str]:
    """'open,partially_paid' or ['open', ...] -> the list; Invalid (422, a ValueError) names an
    unknown one."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    found = [s.strip() for s in items if s.strip()]
    unknown = [s for s in found if s not in allowed]
    if unknown:
        raise Invalid(f"unknown status {', '.join(unknown)}: one of {', '.join(allowed)}")
    return found


# --------------------------------------------------------------------------- applications


def applications(
    session: Session, *, transaction_id: int | None = None, invoice_id: int | None = None
) -> list[dict[str, Any]]:
    query = (
        select(Application, BankTransaction, BankEntry, Invoice)
        .join(BankTransaction, BankTransaction.id == Application.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .join(Invoice, Invoice.id == Application.invoice_id)
        .order_by(Application.id)
    )
    if transaction_id is not None:
        query = query.where(Application.transaction_id == transaction_id)
    if invoice_id is not None:
        query = query.where(Application.invoice_id == invoice_id)
    return [
        {
            "application_id": a.id,
            "transaction_id": t.id,
            "bank_reference": e.bank_reference,
            "end_to_end_id": t.end_to_end_id,
            "invoice_number": i.number,
            "currency": a.currency,
            "applied_amount": amount_text(a.applied_minor, a.currency),
            "discount_amount": amount_text(a.discount_minor, a.currency),
            "write_off_amount": amount_text(a.write_off_minor, a.currency),
            "write_off_reason": a.write_off_reason,
            "method": a.method,
            "confidence": a.confidence,
            "reasons": a.reasons,
            "status": a.status,
            "actor": a.actor,
            "created_at": a.created_at.isoformat(),
            "reversed_at": iso(a.reversed_at),
            "reversed_by": a.reversed_by,
            "reversal_reason": a.reversal_reason,
        }
        for a, t, e, i in session.execute(query).all()
    ]


# --------------------------------------------------------------------------- invoices


def invoice_list(
    session: Session,
    *,
    customer_id: str | None = None,
    status: str | Iterable[str] | None = None,
    due_before: date | None = None,
    due_after: date | None = None,
    q: str | None = None,
    amount: Decimal | None = None,
    limit: int | None = 100,
    after_id: int | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Invoices in id order, filtered.

    status: open (nothing settled yet) | partially_paid | paid | void, or several
    comma-separated ("open,partially_paid" = everything with a balance); the statuses
    partition the book, and each item's `status` is the one it is filtered by.
    due_before / due_after: due on or before / on or after the date (inclusive).
    q: part of the invoice number or of the customer's name (case-insensitive), or the
    customer id. amount: the invoice amount or its open amount, exactly.
    days_past_due: for open invoices with a due date, days from the due date to `today`
    (0 when not yet due); null otherwise.
    """
    wanted = _statuses(status, INVOICE_STATUSES)
    today = today or date.today()
    query = (
        select(Invoice, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .order_by(Invoice.id)
    )
    if customer_id:
        query = query.where(Invoice.customer_id == customer_id)
    if wanted:
        query = query.where(or_(*(invoice_status.shown_clause(s) for s in wanted)))
    if due_before is not None:
        query = query.where(Invoice.due_date <= due_before)
    if due_after is not None:
        query = query.where(Invoice.due_date >= due_after)
    term = (q or "").strip()
    if term:
        # Customers are matched once each (a few thousand), not once per invoice row.
        customers = select(Customer.id).where(
            or_(Customer.id == term, Customer.name.icontains(term, autoescape=True))
        )
        query = query.where(
            or_(Invoice.number.icontains(term, autoescape=True), Invoice.customer_id.in_(customers))
        )
    if amount is not None:
        query = query.where(
            amount_equals((Invoice.amount_minor, Invoice.open_minor), Invoice.currency, amount)
        )
    if after_id is not None:
        query = query.where(Invoice.id > after_id)
    if limit is not None:
        query = query.limit(limit)
    return [invoice_json(i, name, today) for i, name in session.execute(query).all()]


def invoice_detail(
    session: Session, number: str, *, today: date | None = None
) -> dict[str, Any] | None:
    """One invoice with its applications (live and reversed) and its audit history."""
    row = session.execute(
        select(Invoice, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.number == number)
    ).one_or_none()
    if row is None:
        return None
    invoice, name = row
    out = invoice_json(invoice, name, today or date.today())
    out["applications"] = applications(session, invoice_id=invoice.id)
    # The invoice's own events (import), and those of the applications to it: an application
    # event is keyed by the application, so look the applications up rather than scan JSON.
    app_ids = [str(a["application_id"]) for a in out["applications"]]
    concerning = and_(AuditEvent.entity_type == "invoice", AuditEvent.entity_id == invoice.number)
    if app_ids:
        concerning = or_(
            concerning,
            and_(
                AuditEvent.entity_type == "application",
                AuditEvent.entity_id.in_(app_ids),
                AuditEvent.action.in_(_APPLICATION_ACTIONS),
            ),
        )
    events = session.scalars(select(AuditEvent).where(concerning).order_by(AuditEvent.id)).all()
    out["history"] = [event_json(e) for e in events]
    return out


# --------------------------------------------------------------------------- payments


def payment_status(applied_minor: int, amount_minor: int | None, match_status: str) -> str:
    """matched | partially_applied (from the cash applied), else the matcher's status."""
    if applied_minor > 0:
        return "matched" if applied_minor == amount_minor else "partially_applied"
    return "unmatched" if match_status == "applied" else match_status


def _payment_status_clause(status: str) -> ColumnElement[bool]:
    t = BankTransaction
    if status == "matched":
        return and_(t.applied_minor > 0, t.applied_minor == t.amount_minor)
    if status == "partially_applied":
        return and_(t.applied_minor > 0, t.applied_minor < t.amount_minor)
    if status == "unmatched":
        return and_(t.applied_minor == 0, t.match_status.in_(("unmatched", "applied")))
    return and_(t.applied_minor == 0, t.match_status == status)


def _payment_json(t: BankTransaction, e: BankEntry) -> dict[str, Any]:
    currency = t.currency or e.currency
    unapplied = None if t.amount_minor is None else t.amount_minor - t.applied_minor
    return {
        "transaction_id": t.id,
        "entry_id": e.id,
        "file_id": e.file_id,
        "amount": amount_text(t.amount_minor, currency),
        "applied_amount": amount_text(t.applied_minor, currency),
        "unapplied_amount": amount_text(unapplied, currency),
        "currency": currency,
        "direction": e.direction,
        "status": payment_status(t.applied_minor, t.amount_minor, t.match_status),
        "match_status": t.match_status,
        "value_date": iso(e.value_date),
        "booking_date": iso(e.booking_date),
        "bank_reference": e.bank_reference,
        "end_to_end_id": t.end_to_end_id,
        "payer": t.counterparty_name,
        "payer_account": t.counterparty_account,
        "version": t.version,
    }


def _payer_clause(payer: str) -> ColumnElement[bool]:
    return or_(
        BankTransaction.counterparty_name.icontains(payer, autoescape=True),
        BankTransaction.counterparty_account.icontains(payer, autoescape=True),
    )


def payment_list(
    session: Session,
    *,
    status: str | Iterable[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    payer: str | None = None,
    currency: str | None = None,
    has_unapplied: bool | None = None,
    min_unapplied: Decimal | None = None,
    limit: int | None = 100,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Bank transactions (payments) in id order, filtered.

    status: matched | partially_applied | review | returned | unmatched | ignored (or several,
    comma-separated). date_from / date_to: inclusive, on the value date (else the booking
    date). amount_min / amount_max: inclusive, in the payment's currency. payer: part of the
    payer's name or account (case-insensitive). has_unapplied: some of the payment is on no
    invoice (false: none left); min_unapplied: at least this much unapplied.
    """
    wanted = _statuses(status, PAYMENT_STATUSES)
    t, e = BankTransaction, BankEntry
    ccy = func.coalesce(t.currency, e.currency)
    day = func.coalesce(e.value_date, e.booking_date)
    query = select(t, e).join(e, e.id == t.entry_id).order_by(t.id)
    if wanted:
        query = query.where(or_(*(_payment_status_clause(s) for s in wanted)))
    if date_from is not None:
        query = query.where(day >= date_from)
    if date_to is not None:
        query = query.where(day <= date_to)
    if amount_min is not None:
        query = query.where(amount_at_least(t.amount_minor, ccy, amount_min))
    if amount_max is not None:
        query = query.where(amount_at_most(t.amount_minor, ccy, amount_max))
    if payer and payer.strip():
        query = query.where(_payer_clause(payer.strip()))
    if currency:
        query = query.where(ccy == currency.strip().upper())
    for condition in queue.unapplied_conditions(t, has_unapplied, min_unapplied, ccy):
        query = query.where(condition)
    if after_id is not None:
        query = query.where(t.id > after_id)
    if limit is not None:
        query = query.limit(limit)
    return [_payment_json(tx, entry) for tx, entry in session.execute(query).all()]


def payments_by_id(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The payments with these ids, as payment_list shows them, in the order given."""
    t, e = BankTransaction, BankEntry
    rows = session.execute(select(t, e).join(e, e.id == t.entry_id).where(t.id.in_(list(ids))))
    found = {tx.id: _payment_json(tx, entry) for tx, entry in rows.all()}
    return [found[i] for i in ids if i in found]


def payment_version(session: Session, transaction_id: int) -> int | None:
    """The payment's current version, read from the database (not the session's cache)."""
    return session.scalar(
        select(BankTransaction.version).where(BankTransaction.id == transaction_id)
    )


def payment_detail(session: Session, transaction_id: int) -> dict[str, Any] | None:
    """One payment with its entry, file, remittance, applications, review item and why."""
    row = session.execute(
        select(BankTransaction, BankEntry, BankFile)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .join(BankFile, BankFile.id == BankEntry.file_id)
        .where(BankTransaction.id == transaction_id)
    ).one_or_none()
    if row is None:
        return None
    t, e, f = row
    currency = t.currency or e.currency
    out = _payment_json(t, e)
    # The open item if there is one, else the latest: what a reviewer needs to see.
    review = session.scalars(
        select(ReviewItem)
        .where(ReviewItem.transaction_id == transaction_id)
        .order_by((ReviewItem.status == "open").desc(), ReviewItem.id.desc())
        .limit(1)
    ).one_or_none()
    apps = applications(session, transaction_id=transaction_id)
    review_json = review_item_json(review) if review is not None else None
    out.update(
        entry={
            "id": e.id,
            "status": e.status,
            "kind": e.kind,
            "bank_code": e.bank_code,
            "additional_info": e.additional_info,
            "reversal": e.reversal,
            "account": e.account,
            "amount": amount_text(e.amount_minor, e.currency),
            "currency": e.currency,
            "charges": amount_text(e.charges_minor, e.currency),
        },
        file={"id": f.id, "name": f.name, "format": f.format},
        remittance=t.remittance,
        references=t.references,
        invoices=t.invoices,
        bank_transaction_id=t.transaction_id,
        instruction_id=t.instruction_id,
        mandate_id=t.mandate_id,
        check_number=t.check_number,
        return_reason=t.return_reason,
        return_info=t.return_info,
        change_code=t.change_code,
        change_info=t.change_info,
        applications=apps,
        review=review_json,
        explanation=payment_explanation(t, currency, review_json, apps),
        # Recorded via POST /api/v1/payments (its key, and the bank credit that settled it),
        # or the bank's settlement of such a payment (reconcile/recorded.py).
        recorded=recorded.recorded_json(session, t.id),
        # Remittance advices linked to it (GET /api/v1/advices/{id} shows one in full).
        advices=advice_views.for_payment(session, t.id),
    )
    settled = recorded.settles(session, t.id)
    out["settles_recorded"] = settled[0] if settled else None  # the first: the field predates payouts
    out["settles_recorded_payments"] = settled
    if settled:
        out["explanation"] = recorded.settlement_note(settled)
    return out


# --------------------------------------------------------------------------- review queue


def exceptions(
    session: Session,
    *,
    reason: str | None = None,
    assignee: str | None = None,
    payer: str | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    has_unapplied: bool | None = None,
    min_unapplied: Decimal | None = None,
    limit: int | None = None,
    after_id: int | None = None,
    today: date | None = None,
    kind: str | None = queue_kinds.RECEIVABLE,
) -> list[dict[str, Any]]:
    """Open review items, oldest first; `after_id` pages by review item id (a stable cursor).
    The queue's query (reconcile.queue), as the API and the CLI list it.

    age_days: whole days since the item was opened, as of `today` (UTC today by default).
    kind: the AR queue (`receivable`, the default), what is not receivables work (`other`:
    outgoing debits, notices, our own payments sent back; reconcile.queue_kinds), or `all`.
    """
    wanted = queue.QueueFilter(reason=reason, assignee=assignee, payer=payer,
                               amount_min=amount_min, amount_max=amount_max,
                               has_unapplied=has_unapplied, min_unapplied=min_unapplied, kind=kind)
    return queue.items(session, wanted, limit=limit, after_id=after_id, today=today)


# --------------------------------------------------------------------------- audit trail


def audit_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    limit: int | None = 100,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """The audit trail in the order it was written (id), optionally of one entity."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None and str(entity_id) != "":
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if after_id is not None:
        query = query.where(AuditEvent.id > after_id)
    if limit is not None:
        query = query.limit(limit)
    return [event_json(ev) for ev in session.scalars(query).all()]


def payment_history(
    session: Session, transaction_id: int, applications: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A payment's audit trail, oldest first: the events of its applications (as
    payment_detail lists them) and of its review items."""
    entities = [("application", a["application_id"]) for a in applications]
    entities += [("review_item", rid) for rid in review_items.ids_of_payment(session, transaction_id)]
    events: dict[int, dict[str, Any]] = {}
    for entity_type, entity_id in entities:
        for event in audit_events(session, entity_type=entity_type, entity_id=entity_id, limit=None):
            events[event["event_id"]] = event
    return [events[k] for k in sorted(events)]
