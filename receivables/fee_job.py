"""The late fee run: decide the fee items due as of a date (receivables.fees) and write them.
Never commits: `remit fees run` or the scheduled job owns the transaction.

Each fee item is audited (fee.charged) and exported through the invoice outbox as an
`invoice.fee_charged` event, so the webhook delivers it to the AR system like any other
invoice event; the AR system bills it and acknowledges it (POST /api/v1/fees/{id}/exported).
Fees do not change the invoice's open amount: they are separate items the AR system bills
(remit matches cash against its invoices, and a fee is not one of them).

Never charged: paid or void invoices, disputed amounts (receivables.disputes), invoices
being collected by direct debit (a debit sent, the bank's answer not in yet), invoices in
an active payment plan (the plan is the agreement on how the customer pays; fees resume if
the plan breaks), and a period already charged (the unique index on invoice, kind and period
end is the last guard if two runs race).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound
from core.money import minor_text
from core.settings import Settings
from ledger import audit
from ledger.models import FeeItem, Invoice, InvoiceEvent
from ledger.types import utc_now
from receivables import fees
from receivables.collection_views import being_collected
from receivables.disputes import disputed_minor
from receivables.plan_service import active_plan_of_invoices

FEE_CHARGED = "invoice.fee_charged"
CHUNK = 1000


def policy_from_settings(settings: Settings) -> fees.FeePolicy:
    return fees.FeePolicy(
        mode=settings.late_fee_mode,
        monthly_rate=settings.late_fee_monthly_rate,
        grace_days=settings.late_fee_grace_days,
        minimum=settings.late_fee_minimum,
        cap=settings.late_fee_cap,
        reference_rate=settings.eu_reference_rate,
        compensation=settings.late_fee_eu_compensation,
    )


@dataclass
class FeeRun:
    as_of: date
    mode: str
    dry_run: bool
    invoices_checked: int = 0
    charged: list[dict[str, Any]] = field(default_factory=list)
    skipped_races: int = 0  # a concurrent run charged the same period first

    def as_json(self) -> dict[str, Any]:
        totals: dict[str, int] = defaultdict(int)
        for c in self.charged:
            totals[c["currency"]] += c["amount_minor"]
        return {
            "as_of": self.as_of.isoformat(),
            "mode": self.mode,
            "dry_run": self.dry_run,
            "invoices_checked": self.invoices_checked,
            "fees": [{k: v for k, v in c.items() if k != "amount_minor"} for c in self.charged],
            "totals": {ccy: minor_text(m, ccy) for ccy, m in sorted(totals.items())},
        }



def fee_json(item: FeeItem | fees.FeeCharge, invoice: Invoice) -> dict[str, Any]:
    """A fee item as JSON (API, CLI, outbox payload): amounts as strings."""
    ccy = item.currency
    out: dict[str, Any] = {
        "fee_id": getattr(item, "id", None),
        "invoice_number": invoice.number,
        "customer_id": invoice.customer_id,
        "kind": item.kind,
        "currency": ccy,
        "base_amount": minor_text(item.base_minor, ccy),
        "rate": item.rate,
        "period_start": item.period_start.isoformat(),
        "period_end": item.period_end.isoformat(),
        "amount": minor_text(item.amount_minor, ccy),
        "explanation": item.explanation,
    }
    if isinstance(item, FeeItem):
        out["status"] = item.status
        out["created_at"] = item.created_at.isoformat() if item.created_at else None
        out["exported_at"] = item.exported_at.isoformat() if item.exported_at else None
    return out


def _prior(session: Session, ids: list[int]) -> dict[int, list[fees.PriorFee]]:
    """Fees already charged per invoice. A void fee (the AR system's correction) still
    marks its period as done, so it is never charged again, but adds nothing to the cap."""
    out: dict[int, list[fees.PriorFee]] = defaultdict(list)
    rows = session.execute(
        select(
            FeeItem.invoice_id,
            FeeItem.kind,
            FeeItem.period_end,
            FeeItem.amount_minor,
            FeeItem.status,
        ).where(FeeItem.invoice_id.in_(ids))
    ).all()
    for invoice_id, kind, end, minor, status in rows:
        out[invoice_id].append(fees.PriorFee(kind, end, 0 if status == "void" else minor))
    return out


def run_fees(
    session: Session, *, policy: fees.FeePolicy, as_of: date, actor: str, dry_run: bool = False
) -> FeeRun:
    """Charge every fee due as of `as_of` (or, dry run, list them and write nothing)."""
    run = FeeRun(as_of=as_of, mode=policy.mode, dry_run=dry_run)
    if policy.mode == "none":
        return run
    last_due = as_of - timedelta(days=policy.grace_days + 1)  # overdue beyond grace
    after = 0
    while True:
        invoices = session.scalars(
            select(Invoice)
            .where(
                Invoice.id > after,
                Invoice.status == "open",
                Invoice.open_minor > 0,
                Invoice.due_date.is_not(None),
                Invoice.due_date <= last_due,
            )
            .order_by(Invoice.id)
            .limit(CHUNK)
        ).all()
        if not invoices:
            break
        after = invoices[-1].id
        ids = [i.id for i in invoices]
        held, prior, planned = (
            disputed_minor(session, ids),
            _prior(session, ids),
            set(active_plan_of_invoices(session, ids)) | being_collected(session, ids),
        )
        for invoice in invoices:
            if invoice.id in planned:  # or being collected
                continue
            run.invoices_checked += 1
            overdue = fees.OverdueInvoice(
                invoice.id,
                invoice.currency,
                invoice.due_date,
                invoice.status,
                invoice.open_minor,
                held.get(invoice.id, 0),
            )
            due = fees.charges(overdue, policy, as_of, prior.get(invoice.id, []))
            if not due:
                continue
            if dry_run:
                run.charged += [
                    {**fee_json(c, invoice), "amount_minor": c.amount_minor} for c in due
                ]
                continue
            try:
                with session.begin_nested():  # a racing run's row: skip this invoice, go on
                    written = [_write(session, c, invoice, actor) for c in due]
            except IntegrityError:
                run.skipped_races += 1
                continue
            run.charged += written
    return run


def _write(
    session: Session, charge: fees.FeeCharge, invoice: Invoice, actor: str
) -> dict[str, Any]:
    now = utc_now()
    fee_id = session.execute(
        insert(FeeItem)
        .values(
            invoice_id=charge.invoice_id,
            kind=charge.kind,
            currency=charge.currency,
            base_minor=charge.base_minor,
            rate=charge.rate,
            period_start=charge.period_start,
            period_end=charge.period_end,
            amount_minor=charge.amount_minor,
            explanation=charge.explanation,
            status="open",
            created_at=now,
        )
        .returning(FeeItem.id)
    ).scalar_one()
    out = {
        **fee_json(charge, invoice),
        "fee_id": fee_id,
        "status": "open",
        "created_at": now.isoformat(),
        "exported_at": None,
    }
    audit.record(
        session,
        actor=actor,
        action="fee.charged",
        entity_type="fee_item",
        entity_id=fee_id,
        after=out,
    )
    event_id = str(uuid.uuid4())
    # The outbox row, shaped as ledger.events' (event_id, type, occurred_at, invoice, ...).
    payload = {
        "event_id": event_id,
        "type": FEE_CHARGED,
        "occurred_at": now.isoformat(),
        "invoice": {
            "number": invoice.number,
            "customer_id": invoice.customer_id,
            "currency": invoice.currency,
            "amount": minor_text(invoice.amount_minor, invoice.currency),
            "open_amount": minor_text(invoice.open_minor, invoice.currency),
            "status": invoice.status,
        },
        "fee": out,
        "cause": "fee.charged",
        "actor": actor,
        "transaction_id": None,
        "reason": charge.kind,
    }
    session.execute(
        insert(InvoiceEvent).values(
            event_id=event_id,
            type=FEE_CHARGED,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            payload=payload,
            created_at=now,
            delivery_status="pending",
            attempts=0,
        )
    )
    return {**out, "amount_minor": charge.amount_minor}


class FeeNotFound(NotFound, LookupError):
    pass


class FeeConflict(Conflict, RuntimeError):
    pass


def _locked_fee(session: Session, fee_id: int) -> tuple[FeeItem, Invoice]:
    """The fee row locked for update (FeeNotFound if there is none), and its invoice."""
    item = session.scalars(
        select(FeeItem).where(FeeItem.id == fee_id).with_for_update()
    ).one_or_none()
    if item is None:
        raise FeeNotFound(f"no fee #{fee_id}")
    invoice = session.get(Invoice, item.invoice_id)
    assert invoice is not None  # a foreign key
    return item, invoice


def mark_exported(session: Session, *, fee_id: int, actor: str) -> dict[str, Any]:
    """The AR system has billed the fee. Idempotent: a second acknowledgement changes
    nothing; a void fee cannot be exported (FeeConflict)."""
    item, invoice = _locked_fee(session, fee_id)
    if item.status == "void":
        raise FeeConflict(f"fee #{fee_id} is void: nothing to export")
    if item.status == "open":
        item.status, item.exported_at = "exported", utc_now()
        audit.record(
            session,
            actor=actor,
            action="fee.exported",
            entity_type="fee_item",
            entity_id=fee_id,
            before={"status": "open"},
            after={"status": "exported", "invoice_number": invoice.number},
        )
        session.flush()
    return fee_json(item, invoice)


def void_fee(session: Session, *, fee_id: int, actor: str, reason: str) -> dict[str, Any]:
    """The AR system waives (or credits) the fee. Idempotent; its period stays charged, so
    the next run never charges it again. Not echoed to the outbox: the AR system did it."""
    item, invoice = _locked_fee(session, fee_id)
    if item.status != "void":
        before = item.status
        item.status = "void"
        audit.record(
            session,
            actor=actor,
            action="fee.voided",
            entity_type="fee_item",
            entity_id=fee_id,
            before={"status": before},
            after={"status": "void", "invoice_number": invoice.number, "reason": reason},
        )
        session.flush()
    return fee_json(item, invoice)


def list_fees(
    session: Session,
    *,
    invoice_number: str | None = None,
    status: str | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Fee items oldest first (cursor: the last fee_id seen): an AR system reads it as a feed."""
    query = (
        select(FeeItem, Invoice)
        .join(Invoice, Invoice.id == FeeItem.invoice_id)
        .order_by(FeeItem.id)
        .limit(limit)
    )
    if invoice_number is not None:
        query = query.where(Invoice.number == invoice_number)
    if status is not None:
        query = query.where(FeeItem.status == status)
    if after_id is not None:
        query = query.where(FeeItem.id > after_id)
    return [fee_json(f, i) for f, i in session.execute(query).all()]
