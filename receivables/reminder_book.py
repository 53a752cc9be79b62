"""What a reminder run decides on, read from the database: the dunning policies, the open
invoices (but those a direct debit is collecting) and unpaid instalments with what is
disputed or in a plan, and the steps already done; and the decisions receivables.dunning
makes on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Customer, DunningPolicy, Instalment, Invoice, PaymentPlan, Reminder
from receivables import dunning
from receivables.collection_views import being_collected
from receivables.disputes import disputed_minor
from receivables.dunning import (
    DEFAULT_POLICY_NAME,
    DEFAULT_STEPS,
    CustomerInfo,
    Decision,
    InstalmentState,
    InvoiceState,
    Policy,
    PolicyError,
)
from receivables.plan_service import active_plan_of_invoices

# Steps a run never decides again: delivered or handed to staff, in flight (`sending`), or
# perhaps delivered (`unknown`: at most once). `undeliverable` ones count as done while the
# customer's address is the one that failed (none, or the one the server refused).
DONE_STATUSES = ("sent", "queued", "done", "sending", "unknown")


@dataclass
class Book:
    policies: list[Policy]
    default: Policy
    customers: dict[str, CustomerInfo]
    invoices: list[InvoiceState]
    instalments: list[InstalmentState]
    done: set[str]


def _policy(row: DunningPolicy) -> Policy:
    try:
        steps = dunning.steps_from_json(row.steps)
    except PolicyError:
        steps = ()  # a hand-edited row that no longer parses reminds of nothing
    return Policy(id=row.id, name=row.name, segment=row.segment, steps=steps)


def load_policies(session: Session) -> tuple[list[Policy], Policy]:
    """(all policies, the default): the policy named "default", else the built-in steps
    (id None: nothing is written until a real run stores it)."""
    rows = session.scalars(select(DunningPolicy).order_by(DunningPolicy.id)).all()
    policies = [_policy(r) for r in rows]
    default = next((p for p in policies if p.name == DEFAULT_POLICY_NAME), None)
    return policies, default or Policy(None, DEFAULT_POLICY_NAME, None, DEFAULT_STEPS)


def customer_info(c: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=c.id, name=c.name, email=c.email, segment=c.segment, policy_id=c.dunning_policy_id,
        phone=c.phone,
    )


def invoice_state(inv: Invoice, disputed: int, in_plan: bool) -> InvoiceState:
    return InvoiceState(
        id=inv.id,
        number=inv.number,
        customer_id=inv.customer_id,
        currency=inv.currency,
        amount_minor=inv.amount_minor,
        open_minor=inv.open_minor,
        status=inv.status,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        terms=inv.terms,
        disputed_minor=disputed,
        in_active_plan=in_plan,
    )


def load_book(session: Session, *, customer_id: str | None = None) -> Book:
    policies, default = load_policies(session)
    inv_q = select(Invoice).where(Invoice.status == "open", Invoice.open_minor > 0)
    if customer_id is not None:
        inv_q = inv_q.where(Invoice.customer_id == customer_id)
    collected = being_collected(session)  # a direct debit under way: no reminder meanwhile
    invoices = [i for i in session.scalars(inv_q.order_by(Invoice.id)) if i.id not in collected]
    disputed = disputed_minor(session)
    planned = set(active_plan_of_invoices(session))
    ins_q = (
        select(Instalment, PaymentPlan)
        .join(PaymentPlan, PaymentPlan.id == Instalment.plan_id)
        .where(PaymentPlan.status == "active", Instalment.status != "paid")
    )
    if customer_id is not None:
        ins_q = ins_q.where(PaymentPlan.customer_id == customer_id)
    instalments = [
        InstalmentState(
            id=i.id,
            plan_id=p.id,
            plan_reference=p.reference,
            customer_id=p.customer_id,
            currency=p.currency,
            seq=i.seq,
            due_date=i.due_date,
            amount_minor=i.amount_minor,
            paid_minor=i.paid_minor,
            status=i.status,
            plan_status=p.status,
        )
        for i, p in session.execute(ins_q.order_by(Instalment.id))
    ]
    ids = {i.customer_id for i in invoices} | {i.customer_id for i in instalments}
    customers: dict[str, CustomerInfo] = {}
    if ids:
        rows = session.scalars(select(Customer).where(Customer.id.in_(ids)))
        customers = {c.id: customer_info(c) for c in rows}
    done = set(
        session.scalars(select(Reminder.dedupe_key).where(Reminder.status.in_(DONE_STATUSES)))
    )
    bounced = session.execute(
        select(Reminder.dedupe_key, Reminder.recipient, Customer.email)
        .join(Customer, Customer.id == Reminder.customer_id)
        .where(Reminder.status == "undeliverable")
    )
    done.update(key for key, recipient, email in bounced if (recipient or None) == (email or None))
    return Book(
        policies=policies,
        default=default,
        customers=customers,
        invoices=[invoice_state(i, disputed.get(i.id, 0), i.id in planned) for i in invoices],
        instalments=instalments,
        done=done,
    )


def decide(session: Session, as_of: date, *, customer_id: str | None = None) -> list[Decision]:
    return decide_book(load_book(session, customer_id=customer_id), as_of)


def decide_book(book: Book, as_of: date) -> list[Decision]:
    return dunning.decide(
        as_of,
        policies=book.policies,
        default=book.default,
        customers=book.customers,
        invoices=book.invoices,
        instalments=book.instalments,
        done=book.done,
    )
