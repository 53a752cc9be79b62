"""Delivering one group of a reminder run (one customer, channel and kind): render the
message, claim a `reminders` row per decision before anything goes out, send the email or
queue the task, record the outcome on every row and audit it."""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.money import minor_text
from core.settings import Settings
from ledger import audit
from ledger.models import Reminder
from ledger.types import utc_now
from receivables import dunning
from receivables.dunning import CustomerInfo, Decision
from receivables.mailer import Mailer, MailError, build_message
from receivables.reminder_templates import Renderer, build_context


def decision_json(d: Decision) -> dict[str, Any]:
    """DESIGN.md §6 (`remit reminders run --dry-run --json`), plus what says which instalment.
    An instalment reminder has no single invoice: invoice_number is null."""
    out: dict[str, Any] = {
        "invoice_number": d.invoice.number if d.invoice else None,
        "customer_id": d.customer_id,
        "step": d.step.name,
        "channel": d.step.channel,
        "days_past_due": d.days_past_due,
        "policy": d.policy.name,
        "amount": minor_text(d.remind_minor, d.currency),
        "currency": d.currency,
        "skipped_steps": list(d.skipped),
    }
    if d.instalment is not None:
        out["plan_reference"] = d.instalment.plan_reference
        out["instalment_seq"] = d.instalment.seq
    return out


def deliver(
    session: Session,
    group: list[Decision],
    customer: CustomerInfo,
    channel: str,
    *,
    as_of: date,
    settings: Settings,
    renderer: Renderer,
    mailer: Mailer | None,
    actor: str,
) -> list[dict[str, Any]]:
    lead = dunning.lead(group)
    error: str | None = None
    subject = body = ""
    try:
        ctx = build_context(session, group, customer, as_of=as_of, settings=settings)
        subject, body = renderer.render(lead.step, ctx)
    except TemplateError as exc:
        error = f"template {renderer.file_name(lead.step)}: {exc}"
    recipient = customer.email if channel == "email" else None
    rows = [
        _claim(session, d, recipient=recipient, subject=subject, body=body, as_of=as_of)
        for d in group
    ]
    status, sent_at = "queued", None
    if error is None and channel == "email":
        try:
            if not customer.email:
                raise MailError(f"customer {customer.id} has no email address")
            if mailer is None:
                raise MailError("no mailer")
            mailer.send(
                build_message(
                    sender=settings.smtp_from, to=customer.email, subject=subject, text=body
                )
            )
            status, sent_at = "sent", utc_now()
        except MailError as exc:
            error = str(exc)
    if error is not None:
        status = "failed"
    result = []
    for d, rid in zip(group, rows, strict=True):
        session.execute(
            update(Reminder)
            .where(Reminder.id == rid)
            .values(status=status, error=error, sent_at=sent_at)
        )
        row = {
            **decision_json(d),
            "status": status,
            "error": error,
            "reminder_id": rid,
            "_decision": id(d),
        }
        if d.invoice is not None:
            entity_type, entity_id = "invoice", d.invoice.number
        else:
            assert d.instalment is not None
            entity_type, entity_id = "payment_plan", d.instalment.plan_id
        audit.record(
            session,
            actor=actor,
            action=f"reminder.{status}",
            entity_type=entity_type,
            entity_id=entity_id,
            after={
                "reminder_id": rid,
                "step": d.step.name,
                "channel": d.step.channel,
                "days_past_due": d.days_past_due,
                "status": status,
                "error": error,
                "recipient": recipient,
                "subject": subject,
                "amount": row["amount"],
                "skipped_steps": list(d.skipped),
            },
        )
        result.append(row)
    return result


def _claim(
    session: Session, d: Decision, *, recipient: str | None, subject: str, body: str, as_of: date
) -> int:
    """The reminder row for a decision, written before anything is sent: a new row, or the
    failed one of an earlier run being retried."""
    assert d.policy.id is not None
    values = {
        "invoice_id": d.invoice.id if d.invoice else None,
        "instalment_id": d.instalment.id if d.instalment else None,
        "customer_id": d.customer_id,
        "policy_id": d.policy.id,
        "step": d.step.name,
        "channel": d.step.channel,
        "days_past_due": d.days_past_due,
        "as_of": as_of,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "status": "failed",
        "error": "in progress",
        "created_at": utc_now(),
    }
    existing = session.scalars(
        select(Reminder.id).where(Reminder.dedupe_key == d.dedupe_key).with_for_update()
    ).one_or_none()
    if existing is not None:
        session.execute(update(Reminder).where(Reminder.id == existing).values(**values))
        return existing
    rid = session.execute(
        insert(Reminder).values(dedupe_key=d.dedupe_key, **values).returning(Reminder.id)
    ).scalar_one()
    return int(rid)
