"""Customer segments, which pick a dunning policy: the rule a segment name follows, and the
segments computed from each customer's payment history (dunning.classify)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.money import from_minor
from core.settings import Settings
from ledger import audit
from ledger.models import Application, BankEntry, BankTransaction, Customer, Invoice
from ledger.types import utc_now
from receivables import dunning

# A segment is stored in customers.segment and dunning_policies.segment (String(32)).
SEGMENT_MAX = Customer.__table__.c.segment.type.length
SEGMENT_RULE = f"lowercase letters, digits, _ and -, at most {SEGMENT_MAX} characters"


def segment_ok(segment: str) -> bool:
    return bool(dunning.STEP_NAME.match(segment)) and len(segment) <= SEGMENT_MAX


def assign_segments(
    session: Session, *, settings: Settings, actor: str, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Set each customer's computed segment (dunning.classify) from its payment history: the
    last `segment_history` paid invoices (paid = the latest value date of the cash applied)
    and its open balance. Segments set by hand (anything but the computed ones) are left
    alone. Returns the changes; audited."""
    paid_on = func.max(func.coalesce(BankEntry.value_date, BankEntry.booking_date))
    rows = session.execute(
        select(Invoice.customer_id, Invoice.due_date, paid_on)
        .join(Application, Application.invoice_id == Invoice.id)
        .join(BankTransaction, BankTransaction.id == Application.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(
            Invoice.status == "paid", Application.status == "applied", Invoice.due_date.is_not(None)
        )
        .group_by(Invoice.id, Invoice.customer_id, Invoice.due_date)
    ).all()
    history: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for customer_id, due, paid in rows:
        if paid is not None:
            history[customer_id].append((paid, (paid - due).days))
    open_rows = session.execute(
        select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.open_minor))
        .where(Invoice.status == "open")
        .group_by(Invoice.customer_id, Invoice.currency)
    ).all()
    open_by: dict[str, dict[str, Any]] = defaultdict(dict)
    for customer_id, currency, minor in open_rows:
        open_by[customer_id][currency] = from_minor(int(minor or 0), currency)
    changes = []
    for c in session.scalars(select(Customer).order_by(Customer.id)):
        if c.segment is not None and c.segment not in dunning.COMPUTED_SEGMENTS:
            continue
        recent = sorted(history.get(c.id, []), reverse=True)[: settings.segment_history]
        segment = dunning.classify(
            [late for _, late in recent],
            open_by.get(c.id, {}),
            slow_after_days=settings.segment_slow_days,
            large_open=settings.segment_large_open,
        )
        if segment == c.segment:
            continue
        changes.append({"customer_id": c.id, "before": c.segment, "after": segment})
        if not dry_run:
            audit.record(
                session,
                actor=actor,
                action="customer.segment_computed",
                entity_type="customer",
                entity_id=c.id,
                before={"segment": c.segment},
                after={"segment": segment},
            )
            c.segment = segment
            c.updated_at = utc_now()
    return changes
