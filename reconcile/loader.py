"""Database rows → the matcher's immutable inputs (reconcile.model). Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import try_normalize_account
from core.money import D, from_minor
from core.records import Direction, InvoiceRef, Kind
from core.terms import parse_terms
from ledger.models import BankEntry, BankTransaction, Instalment, PaymentPlan, PaymentPlanInvoice
from ledger.repositories import invoices as invoice_repo
from reconcile.model import ActivePlan, Customer, OpenInvoice, Payment, PlanInstalment

# Paid invoices stay visible this long, so a second payment of one is caught as a duplicate.
CLOSED_LOOKBACK_DAYS = 180


def load_customers(session: Session) -> list[Customer]:
    return [
        Customer(id=k.id, name=k.name, accounts=k.accounts, aliases=k.aliases)
        for k in invoice_repo.customers_with_accounts_and_aliases(session)
    ]


def to_open_invoice(row: invoice_repo.InvoiceSnapshot) -> OpenInvoice:
    terms, _ = parse_terms(row.terms)
    return OpenInvoice(
        id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        currency=row.currency,
        amount=from_minor(row.amount_minor, row.currency),
        open_amount=from_minor(row.open_minor, row.currency),
        issue_date=row.issue_date,
        due_date=row.due_date,
        terms=terms if terms.text else None,
        po_number=row.po_number,
        discount_taken=from_minor(row.discount_minor, row.currency),
    )


def load_invoices(session: Session, *, today: date) -> list[OpenInvoice]:
    """Open invoices, and those paid recently (to recognise duplicate payments)."""
    as_of = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    rows = [
        *invoice_repo.open_invoices(session),
        *invoice_repo.recently_closed(session, CLOSED_LOOKBACK_DAYS, as_of=as_of),
    ]
    return [to_open_invoice(r) for r in rows]


def load_plans(session: Session) -> list[ActivePlan]:
    """Active payment plans with their invoices and instalments (three queries, not per plan)."""
    plans = session.scalars(select(PaymentPlan).where(PaymentPlan.status == "active")
                            .order_by(PaymentPlan.id)).all()
    if not plans:
        return []
    ids = [p.id for p in plans]
    invoices: dict[int, list[int]] = {i: [] for i in ids}
    for plan_id, invoice_id in session.execute(
        select(PaymentPlanInvoice.plan_id, PaymentPlanInvoice.invoice_id)
        .where(PaymentPlanInvoice.plan_id.in_(ids)).order_by(PaymentPlanInvoice.invoice_id)
    ):
        invoices[plan_id].append(invoice_id)
    instalments: dict[int, list[PlanInstalment]] = {i: [] for i in ids}
    currency = {p.id: p.currency for p in plans}
    for inst in session.scalars(select(Instalment).where(Instalment.plan_id.in_(ids))
                                .order_by(Instalment.plan_id, Instalment.seq)):
        instalments[inst.plan_id].append(PlanInstalment(
            inst.seq, inst.due_date, from_minor(inst.amount_minor, currency[inst.plan_id])))
    return [ActivePlan(p.id, p.reference, p.customer_id, p.currency, tuple(invoices[p.id]),
                       tuple(instalments[p.id])) for p in plans]


def payment_query(statuses: Sequence[str], transaction_ids: Sequence[int] | None = None):  # type: ignore[no-untyped-def]
    query = (
        select(BankTransaction, BankEntry)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankTransaction.match_status.in_(statuses), BankEntry.status == "booked")
        .order_by(BankTransaction.id)
    )
    if transaction_ids is not None:
        query = query.where(BankTransaction.id.in_(transaction_ids))
    return query


def to_payment(tx: BankTransaction, entry: BankEntry) -> Payment | None:
    """The matcher's view of a stored transaction; None when it has no amount of its own."""
    currency = tx.currency or entry.currency
    if tx.amount_minor is None:
        return None
    return Payment(
        id=tx.id,
        amount=from_minor(tx.amount_minor, currency),
        currency=currency,
        value_date=entry.value_date or entry.booking_date or date.min,
        direction=Direction(entry.direction),
        kind=Kind(entry.kind),
        payer_name=tx.counterparty_name,
        payer_account=try_normalize_account(tx.counterparty_account),
        remittance=tuple(tx.remittance or ()),
        references=tuple(tx.references or ()),
        invoices=tuple(
            InvoiceRef(i["number"], None if i.get("amount") is None else D(i["amount"])) for i in tx.invoices or ()
        ),
        end_to_end_id=tx.end_to_end_id,
        bank_reference=entry.bank_reference,
    )


def is_return(tx: BankTransaction, entry: BankEntry) -> bool:
    """A transaction that undoes an earlier payment rather than paying anything."""
    return tx.return_reason is not None or tx.return_info is not None or entry.reversal

