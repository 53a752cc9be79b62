"""One customer at a glance, for the workbench's customer page: who they are, what they owe
(open invoices, per currency), what they paid (their payments, with what is still unapplied),
the bank accounts and names remit learned or was given for them, their reminders,
disputes and payment plans, and the other channels: direct-debit mandates and the
collections sent under them, and the remittance advices that describe their payments.
Plain data; reads only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from core.money import D, format_amount
from ledger.models import (
    Application,
    BankTransaction,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
    RemittanceAdvice,
)
from receivables import collection_views, disputes, mandates, plan_service, reminders
from reconcile import advice_views, views

SHOWN = 50  # of each list: the page links to the full lists


def customer_overview(session: Session, customer_id: str, *, today: date) -> dict[str, Any] | None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    open_items = views.invoice_list(session, customer_id=customer_id,
                                    status="open,partially_paid", limit=None, today=today)
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in open_items:
        owed[invoice["currency"]] += D(invoice["open_amount"] or "0")
    accounts = session.execute(
        select(CustomerAccount.account, CustomerAccount.source, CustomerAccount.created_at)
        .where(CustomerAccount.customer_id == customer_id).order_by(CustomerAccount.id)
    ).all()
    aliases = session.execute(
        select(CustomerAlias.alias, CustomerAlias.source, CustomerAlias.created_at)
        .where(CustomerAlias.customer_id == customer_id).order_by(CustomerAlias.id)
    ).all()
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "segment": customer.segment,
        "parent_id": customer.parent_id,
        "open_invoices": open_items[:SHOWN],
        "open_count": len(open_items),
        "open_totals": [
            {"currency": c, "amount": format_amount(m)} for c, m in sorted(owed.items())
        ],
        "payments": _payments(session, customer_id, [a.account for a in accounts]),
        "mandates": mandates.listing(session, customer_id=customer_id, limit=SHOWN),
        "collections": collection_views.listing(session, customer_id=customer_id, newest_first=True,
                                                limit=SHOWN),
        "advices": _advices(session, customer_id, [a.account for a in accounts]),
        "accounts": [{"account": a, "source": s, "since": at.isoformat()} for a, s, at in accounts],
        "aliases": [{"name": a, "source": s, "since": at.isoformat()} for a, s, at in aliases],
        "reminders": reminders.list_reminders(session, customer_id=customer_id, limit=SHOWN),
        "disputes": disputes.list_disputes(session, customer_id=customer_id, limit=SHOWN),
        "plans": plan_service.list_plans(session, customer_id=customer_id, limit=SHOWN)[:SHOWN],
    }


def _their_payments(customer_id: str, accounts: list[str]) -> Select[tuple[int]]:
    """Ids of the customer's payments, newest first: cash applied to their invoices, and
    payments from an account of theirs (applied or not)."""
    applied_to_them = (
        select(Application.transaction_id)
        .join(Invoice, Invoice.id == Application.invoice_id)
        .where(Invoice.customer_id == customer_id)
    )
    return (select(BankTransaction.id)
            .where(or_(BankTransaction.id.in_(applied_to_them),
                       BankTransaction.counterparty_account.in_(accounts) if accounts else false()))
            .order_by(BankTransaction.id.desc()))


def _payments(session: Session, customer_id: str, accounts: list[str]) -> list[dict[str, Any]]:
    """The customer's payments, newest first, with the part still unapplied."""
    ids = list(session.scalars(_their_payments(customer_id, accounts).limit(SHOWN)))
    return views.payments_by_id(session, ids)


WAITING_SCANNED = 1_000  # newest waiting advices looked through for the customer's invoices


def _advices(session: Session, customer_id: str, accounts: list[str]) -> list[dict[str, Any]]:
    """Advices linked to one of the customer's payments, and advices still waiting for their
    payment whose lines name one of the customer's invoices; newest first."""
    linked = list(session.scalars(
        select(RemittanceAdvice)
        .where(RemittanceAdvice.transaction_id.in_(_their_payments(customer_id, accounts).order_by(None)))
        .order_by(RemittanceAdvice.id.desc()).limit(SHOWN)))
    waiting = list(session.scalars(
        select(RemittanceAdvice).where(RemittanceAdvice.status == "waiting")
        .order_by(RemittanceAdvice.id.desc()).limit(WAITING_SCANNED)))
    named = {line.get("invoice_number") for a in waiting for line in a.lines}
    theirs = set(session.scalars(select(Invoice.number).where(
        Invoice.customer_id == customer_id, Invoice.number.in_([n for n in named if n])))) if named else set()
    waiting = [a for a in waiting if any(line.get("invoice_number") in theirs for line in a.lines)]
    shown = sorted({a.id: a for a in linked + waiting}.values(), key=lambda a: -a.id)[:SHOWN]
    return [_advice(a) for a in shown]


def _advice(a: RemittanceAdvice) -> dict[str, Any]:
    return {**advice_views.summary(a), "invoice_numbers": [line.get("invoice_number") for line in a.lines]}
