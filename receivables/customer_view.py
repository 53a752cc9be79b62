"""One customer at a glance, for the workbench's customer page: who they are, what they owe
(open invoices, per currency), what they paid (their payments, with what is still unapplied),
the bank accounts and names remit learned or was given for them, and their reminders,
disputes and payment plans. Plain data; reads only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.money import D, format_amount
from ledger.models import (
    Application,
    BankTransaction,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
)
from receivables import disputes, plan_service, reminders
from reconcile import views

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
        "accounts": [{"account": a, "source": s, "since": at.isoformat()} for a, s, at in accounts],
        "aliases": [{"name": a, "source": s, "since": at.isoformat()} for a, s, at in aliases],
        "reminders": reminders.list_reminders(session, customer_id=customer_id, limit=SHOWN),
        "disputes": disputes.list_disputes(session, customer_id=customer_id, limit=SHOWN),
        "plans": plan_service.list_plans(session, customer_id=customer_id, limit=SHOWN)[:SHOWN],
    }


def _payments(session: Session, customer_id: str, accounts: list[str]) -> list[dict[str, Any]]:
    """The customer's payments, newest first: cash applied to their invoices, and payments from
    an account of theirs (applied or not). With the part still unapplied."""
    applied_to_them = (
        select(Application.transaction_id)
        .join(Invoice, Invoice.id == Application.invoice_id)
        .where(Invoice.customer_id == customer_id)
    )
    ids = list(session.scalars(
        select(BankTransaction.id)
        .where(or_(BankTransaction.id.in_(applied_to_them),
                   BankTransaction.counterparty_account.in_(accounts) if accounts else False))
        .order_by(BankTransaction.id.desc())
        .limit(SHOWN)
    ))
    return views.payments_by_id(session, ids)
