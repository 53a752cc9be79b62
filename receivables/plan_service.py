"""Payment plans, the service layer: create, cancel, credit instalments, break and complete.

    create_plan(session, customer_id=..., invoice_numbers=..., ...) -> PaymentPlan
    cancel_plan(session, plan_id, actor=...) -> PaymentPlan
    sync_for_invoices(session, invoice_ids, actor=...)   # after cash was applied (matcher)
    run_plans(session, as_of=..., actor=...) -> RunSummary   # the daily job

Never commits (the request, command or job owns the transaction); every change to a plan or
an instalment writes an audit event in the same transaction. Cash never goes to a plan
directly: it is applied to the plan's invoices through reconcile/apply.py, and instalments
are credited from the invoices' open amounts (receivables.plans.waterfall), so an invoice
reference, a plan reference and a manual application all pay the plan alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.money import from_minor, minor_text, to_minor
from ledger import audit
from ledger.models import Customer, Instalment, Invoice, PaymentPlan, PaymentPlanInvoice
from ledger.types import utc_now
from receivables.plans import (
    MAX_GRACE_DAYS,
    Every,
    InstalmentState,
    PlanConflict,
    PlanError,
    PlanInvoice,
    ScheduledInstalment,
    check_schedule,
    equal_schedule,
    explicit_schedule,
    missed,
    validate_plan,
    waterfall,
)

REFERENCE_PREFIX = "PLAN-"
STATUSES = ("active", "completed", "broken", "cancelled")


class PlanNotFound(NotFound, LookupError):
    pass


def reference_for(plan_id: int) -> str:
    # Short enough to type into a transfer's remittance line; the matcher reads PLAN-7, PLAN7.
    return f"{REFERENCE_PREFIX}{plan_id}"


def active_plan_of_invoices(
    session: Session, invoice_ids: Iterable[int] | None = None
) -> dict[int, PaymentPlan]:
    """invoice id -> the active plan it is in (at most one, create_plan makes sure); None: the
    whole book. Invoices in an active plan are held from dunning and late fees."""
    query = (
        select(PaymentPlanInvoice.invoice_id, PaymentPlan)
        .join(PaymentPlan, PaymentPlan.id == PaymentPlanInvoice.plan_id)
        .where(PaymentPlan.status == "active")
    )
    if invoice_ids is None:
        return {invoice_id: plan for invoice_id, plan in session.execute(query).all()}
    # Filtered here, not with IN (...): a nightly run passes ~100k invoices, more than a
    # statement may bind, while the invoices in active plans are few.
    wanted = set(invoice_ids)
    if not wanted:
        return {}
    return {invoice_id: plan for invoice_id, plan in session.execute(query).all() if invoice_id in wanted}


def create_plan(
    session: Session,
    *,
    customer_id: str,
    invoice_numbers: Sequence[str],
    actor: str,
    instalments: int | None = None,
    first_due: date | None = None,
    every: Every | None = None,
    amounts: Sequence[Decimal] | None = None,
    due_dates: Sequence[date] | None = None,
    grace_days: int = 5,
    note: str | None = None,
) -> PaymentPlan:
    """A plan over the customer's open invoices: N equal instalments (first_due, every), or
    explicit amounts and due dates. Raises PlanError (bad input), PlanConflict (state)."""
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise PlanError(f"grace days must be between 0 and {MAX_GRACE_DAYS}")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise PlanError(f"unknown customer {customer_id!r}")
    numbers = list(invoice_numbers)
    if len(set(numbers)) != len(numbers):
        raise PlanError("an invoice is listed twice")
    # Locked: two plans created at once over one invoice must not both pass validation.
    rows = session.scalars(
        select(Invoice).where(Invoice.number.in_(numbers)).order_by(Invoice.id).with_for_update()
    ).all()
    found = {inv.number: inv for inv in rows}
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise PlanError(f"unknown invoice(s): {', '.join(unknown)}")
    in_plans = active_plan_of_invoices(session, [inv.id for inv in rows])
    invoices = [found[n] for n in numbers]
    currency, total = validate_plan(
        [
            PlanInvoice(
                inv.id,
                inv.number,
                inv.customer_id,
                inv.currency,
                from_minor(inv.open_minor, inv.currency),
                inv.status,
                in_plans[inv.id].reference if inv.id in in_plans else None,
            )
            for inv in invoices
        ],
        customer_id,
    )
    schedule = _schedule(total, currency, instalments, first_due, every, amounts, due_dates)
    check_schedule(schedule, total, currency)
    plan = PaymentPlan(
        customer_id=customer_id,
        currency=currency,
        grace_days=grace_days,
        status="active",
        note=note,
        created_by=actor,
        reference=f"PENDING-{uuid.uuid4().hex}",
    )  # unique until the id is known
    session.add(plan)
    session.flush()
    plan.reference = reference_for(plan.id)
    for inv in invoices:
        session.add(PaymentPlanInvoice(plan_id=plan.id, invoice_id=inv.id))
    for s in schedule:
        session.add(
            Instalment(
                plan_id=plan.id,
                seq=s.seq,
                due_date=s.due_date,
                amount_minor=to_minor(s.amount, currency),
                paid_minor=0,
                status="due",
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="plan.create",
        entity_type="payment_plan",
        entity_id=plan.id,
        after=plan_json(session, plan),
    )
    return plan


def _schedule(
    total: Decimal,
    currency: str,
    instalments: int | None,
    first_due: date | None,
    every: Every | None,
    amounts: Sequence[Decimal] | None,
    due_dates: Sequence[date] | None,
) -> list[ScheduledInstalment]:
    if amounts is not None or due_dates is not None:
        if instalments is not None or first_due is not None:
            raise PlanError("give either instalments/first_due/every or amounts/due_dates")
        return explicit_schedule(list(amounts or ()), list(due_dates or ()), currency)
    if instalments is None or first_due is None:
        raise PlanError("give instalments and first_due (or explicit amounts and due dates)")
    return equal_schedule(total, currency, instalments, first_due, every or Every(1, "month"))


def get_plan(session: Session, plan_id: int, *, lock: bool = False) -> PaymentPlan:
    query = select(PaymentPlan).where(PaymentPlan.id == plan_id)
    plan = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if plan is None:
        raise PlanNotFound(f"no payment plan #{plan_id}")
    return plan


def cancel_plan(
    session: Session, plan_id: int, *, actor: str, note: str | None = None
) -> PaymentPlan:
    """An active plan is cancelled (its invoices go back to normal dunning); others: conflict."""
    plan = get_plan(session, plan_id, lock=True)
    if plan.status != "active":
        raise PlanConflict(f"plan {plan.reference} is {plan.status}, not active")
    _end(session, plan, "cancelled", actor=actor, why=note or "cancelled")
    return plan


def _end(session: Session, plan: PaymentPlan, status: str, *, actor: str, why: str) -> None:
    before = {"status": plan.status}
    plan.status = status
    plan.ended_at = utc_now()
    audit.record(
        session,
        actor=actor,
        action=f"plan.{status}",
        entity_type="payment_plan",
        entity_id=plan.id,
        before=before,
        after={"status": status, "why": why},
    )


# -- crediting instalments ---------------------------------------------------------------------


@dataclass
class RunSummary:
    checked: int = 0
    instalments_paid: int = 0
    broken: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "instalments_paid": self.instalments_paid,
            "broken": self.broken,
            "completed": self.completed,
        }


def _plan_rows(
    session: Session, plan_ids: Sequence[int]
) -> tuple[dict[int, list[Instalment]], dict[int, list[Invoice]]]:
    instalments: dict[int, list[Instalment]] = {pid: [] for pid in plan_ids}
    invoices: dict[int, list[Invoice]] = {pid: [] for pid in plan_ids}
    if not plan_ids:
        return instalments, invoices
    for i in session.scalars(
        select(Instalment)
        .where(Instalment.plan_id.in_(plan_ids))
        .order_by(Instalment.plan_id, Instalment.seq)
    ):
        instalments[i.plan_id].append(i)
    for pid, inv in session.execute(
        select(PaymentPlanInvoice.plan_id, Invoice)
        .join(Invoice, Invoice.id == PaymentPlanInvoice.invoice_id)
        .where(PaymentPlanInvoice.plan_id.in_(plan_ids))
        .order_by(Invoice.id)
    ).all():
        invoices[pid].append(inv)
    return instalments, invoices


def _credit(
    session: Session,
    plan: PaymentPlan,
    instalments: list[Instalment],
    invoices: list[Invoice],
    *,
    actor: str,
    now: datetime,
    summary: RunSummary,
) -> None:
    """Instalments' paid amounts from the invoices' open amounts (plans.waterfall); audited."""
    total = sum(i.amount_minor for i in instalments)
    credited = total - sum(inv.open_minor for inv in invoices)
    paid = waterfall([i.amount_minor for i in instalments], credited)
    for inst, new in zip(instalments, paid):
        if inst.status == "missed" or new == inst.paid_minor:
            continue
        before = {"paid": _amt(inst.paid_minor, plan), "status": inst.status}
        inst.paid_minor = new
        if new >= inst.amount_minor and inst.status != "paid":
            inst.status, inst.paid_at = "paid", now
            summary.instalments_paid += 1
        elif new < inst.amount_minor and inst.status == "paid":  # a reversal took cash back
            inst.status, inst.paid_at = "due", None
        audit.record(
            session,
            actor=actor,
            action="plan.instalment_credited",
            entity_type="instalment",
            entity_id=inst.id,
            before=before,
            after={
                "plan": plan.reference,
                "seq": inst.seq,
                "paid": _amt(new, plan),
                "status": inst.status,
            },
        )


def _sync(
    session: Session,
    plans: Sequence[PaymentPlan],
    *,
    actor: str,
    as_of: date | None,
    summary: RunSummary,
) -> None:
    instalments, invoices = _plan_rows(session, [p.id for p in plans])
    now = utc_now()
    for plan in plans:
        if plan.status != "active":
            continue
        summary.checked += 1
        _credit(
            session,
            plan,
            instalments[plan.id],
            invoices[plan.id],
            actor=actor,
            now=now,
            summary=summary,
        )
        if all(inv.open_minor == 0 for inv in invoices[plan.id]):
            _end(session, plan, "completed", actor=actor, why="every invoice of the plan is paid")
            summary.completed.append(plan.reference)
            continue
        if as_of is None:
            continue
        states = [
            InstalmentState(i.seq, i.due_date, i.amount_minor, i.paid_minor)
            for i in instalments[plan.id]
        ]
        late = missed(states, plan.grace_days, as_of)
        if late:
            for inst in instalments[plan.id]:
                if inst.seq in late:
                    audit.record(
                        session,
                        actor=actor,
                        action="plan.instalment_missed",
                        entity_type="instalment",
                        entity_id=inst.id,
                        before={"status": inst.status},
                        after={"plan": plan.reference, "seq": inst.seq, "status": "missed"},
                    )
                    inst.status = "missed"
            _end(
                session,
                plan,
                "broken",
                actor=actor,
                why=f"instalment {late[0]} unpaid {plan.grace_days} days after its due date",
            )
            summary.broken.append(plan.reference)
    session.flush()


def sync_for_invoices(session: Session, invoice_ids: Iterable[int], *, actor: str) -> RunSummary:
    """Credit the active plans holding these invoices (after cash was applied to them), and
    complete those now fully paid. Breaking is left to the daily run (it needs an as-of date)."""
    summary = RunSummary()
    plans = sorted(set(active_plan_of_invoices(session, invoice_ids).values()), key=lambda p: p.id)
    if plans:
        _sync(session, plans, actor=actor, as_of=None, summary=summary)
    return summary


def run_plans(session: Session, *, as_of: date, actor: str) -> RunSummary:
    """The daily job: credit every active plan (manual applications and reversals included),
    complete the paid ones, break those with an instalment unpaid past due + grace days."""
    summary = RunSummary()
    plans = session.scalars(
        select(PaymentPlan)
        .where(PaymentPlan.status == "active")
        .order_by(PaymentPlan.id)
        .with_for_update()
    ).all()
    _sync(session, plans, actor=actor, as_of=as_of, summary=summary)
    return summary


# -- views ----------------------------------------------------------------------------------------


def _amt(minor: int, plan: PaymentPlan) -> str:
    return minor_text(minor, plan.currency)


def plan_json(session: Session, plan: PaymentPlan, *, detail: bool = True) -> dict[str, Any]:
    instalments, invoices = _plan_rows(session, [plan.id])
    insts, invs = instalments[plan.id], invoices[plan.id]
    total = sum(i.amount_minor for i in insts)
    paid = sum(i.paid_minor for i in insts)
    nxt = next((i for i in insts if i.paid_minor < i.amount_minor), None)
    out: dict[str, Any] = {
        "id": plan.id,
        "reference": plan.reference,
        "customer_id": plan.customer_id,
        "currency": plan.currency,
        "status": plan.status,
        "grace_days": plan.grace_days,
        "total": _amt(total, plan),
        "paid": _amt(paid, plan),
        "open": _amt(sum(inv.open_minor for inv in invs), plan),
        "instalment_count": len(insts),
        "next_due_date": nxt.due_date.isoformat() if nxt and plan.status == "active" else None,
        "next_due_amount": (
            _amt(nxt.amount_minor - nxt.paid_minor, plan)
            if nxt and plan.status == "active"
            else None
        ),
        "invoice_numbers": [inv.number for inv in invs],
        "note": plan.note,
        "created_by": plan.created_by,
        "created_at": plan.created_at.isoformat() if plan.created_at else None,
        "ended_at": plan.ended_at.isoformat() if plan.ended_at else None,
    }
    if detail:
        out["instalments"] = [
            {
                "id": i.id,
                "seq": i.seq,
                "due_date": i.due_date.isoformat(),
                "amount": _amt(i.amount_minor, plan),
                "paid": _amt(i.paid_minor, plan),
                "status": i.status,
                "paid_at": i.paid_at.isoformat() if i.paid_at else None,
            }
            for i in insts
        ]
        out["invoices"] = [
            {
                "id": inv.id,
                "number": inv.number,
                "due_date": _iso(inv.due_date),
                "amount": _amt(inv.amount_minor, plan),
                "open_amount": _amt(inv.open_minor, plan),
            }
            for inv in invs
        ]
    return out


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def list_plans(
    session: Session,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Plans by id (cursor: the last id seen), limit + 1 rows for paging.page."""
    query = select(PaymentPlan).order_by(PaymentPlan.id).limit(limit + 1)
    if status:
        query = query.where(PaymentPlan.status == status)
    if customer_id:
        query = query.where(PaymentPlan.customer_id == customer_id)
    if after is not None:
        query = query.where(PaymentPlan.id > after)
    return [plan_json(session, p, detail=False) for p in session.scalars(query)]


def plans_of_invoice(session: Session, invoice_id: int) -> list[dict[str, Any]]:
    """The plans an invoice is or was in, newest first (the invoice page shows them)."""
    plans = session.scalars(
        select(PaymentPlan)
        .join(PaymentPlanInvoice, PaymentPlanInvoice.plan_id == PaymentPlan.id)
        .where(PaymentPlanInvoice.invoice_id == invoice_id)
        .order_by(PaymentPlan.id.desc())
    ).all()
    return [plan_json(session, p, detail=False) for p in plans]
