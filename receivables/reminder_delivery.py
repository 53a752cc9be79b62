"""Delivering one group of a reminder run (one customer, channel and kind) in two steps, each
in a transaction of its caller's:

1. `claim`: render the message and write a `reminders` row per decision before anything goes
   out. An email to send is `sending`, with the Message-ID it will carry; a task is `queued`;
   an email that cannot go (no address, a template error) is recorded `undeliverable` or
   `failed` there and then. The caller commits this before talking to the mail server.
2. `finish`: the outcome of the send (receivables.mailer.Outcome) on every row, audited.

A crash between the two leaves the rows `sending`: never sent again by a run (dedupe), and
marked `unknown` by the next run once they are older than a send can take (see
reminders.settle_stale). Rows are claimed one dedupe key at a time under its unique index,
so two runs at once never both claim a step: the second finds the row (or its insert fails).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
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
from receivables.mailer import Outcome, build_message
from receivables.reminder_templates import Renderer, build_context

# A row in these states is never claimed again (undeliverable: unless the address changed).
SETTLED = frozenset({"sending", "sent", "queued", "done", "unknown"})


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


def reminder_json(r: Reminder, invoice_number: str | None) -> dict[str, Any]:
    return {
        "reminder_id": r.id,
        "invoice_number": invoice_number,
        "customer_id": r.customer_id,
        "instalment_id": r.instalment_id,
        "step": r.step,
        "channel": r.channel,
        "days_past_due": r.days_past_due,
        "as_of": r.as_of.isoformat(),
        "status": r.status,
        "error": r.error,
        "recipient": r.recipient,
        "subject": r.subject,
        "message_id": r.message_id,
        "attempts": r.attempts,
        "created_at": r.created_at.isoformat() if r.created_at else None,
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
    }


@dataclass
class Claimed:
    """A group's rows as claimed: `message` is set when an email is to be sent now (the rows
    are `sending`); otherwise the rows already carry their final status."""

    rows: list[tuple[Decision, int]]
    customer: CustomerInfo
    channel: str
    recipient: str | None
    subject: str
    status: str
    error: str | None
    message: EmailMessage | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def claim(
    session: Session,
    group: list[Decision],
    customer: CustomerInfo,
    channel: str,
    *,
    as_of: date,
    settings: Settings,
    renderer: Renderer,
    actor: str,
) -> Claimed | None:
    """Claim the group's steps that nobody has settled meanwhile (None: none left), render
    their message and record them. Rows that end here (queued, undeliverable, failed) are
    audited and carry their results; a `sending` group awaits `finish`."""
    recipient = customer.email if channel == "email" else None
    existing: dict[str, Reminder] = {}
    for d in group:
        row = session.scalars(
            select(Reminder).where(Reminder.dedupe_key == d.dedupe_key).with_for_update()
        ).one_or_none()
        if row is None:
            continue
        if row.status in SETTLED or (row.status == "undeliverable" and row.recipient == recipient):
            continue  # another run took it meanwhile, or nothing changed since it bounced
        existing[d.dedupe_key] = row
    group = [d for d in group if d.dedupe_key not in _taken(session, group, existing)]
    if not group:
        return None
    lead = dunning.lead(group)
    error: str | None = None
    subject = body = ""
    try:
        ctx = build_context(session, group, customer, as_of=as_of, settings=settings)
        subject, body = renderer.render(lead.step, ctx)
    except TemplateError as exc:
        error = f"template {renderer.file_name(lead.step)}: {exc}"
    message: EmailMessage | None = None
    if error is not None:
        status = "failed"
    elif channel != "email":
        status = "queued"
    elif not customer.email:
        status, error = "undeliverable", f"customer {customer.id} has no e-mail address"
    else:
        status = "sending"
        message = build_message(sender=settings.smtp_from, to=customer.email, subject=subject, text=body)
    now = utc_now()
    values = {
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "status": status,
        "error": error,
        "as_of": as_of,
        "attempted_at": now,
        "message_id": str(message["Message-ID"]) if message is not None else None,
        "sent_at": None,
    }
    rows = []
    for d in group:
        assert d.policy.id is not None
        own = {
            "invoice_id": d.invoice.id if d.invoice else None,
            "instalment_id": d.instalment.id if d.instalment else None,
            "customer_id": d.customer_id,
            "policy_id": d.policy.id,
            "step": d.step.name,
            "channel": d.step.channel,
            "days_past_due": d.days_past_due,
            **values,
        }
        if (row := existing.get(d.dedupe_key)) is not None:
            session.execute(update(Reminder).where(Reminder.id == row.id).values(**own))
            rows.append((d, row.id))
        else:
            rid = session.execute(
                insert(Reminder).values(dedupe_key=d.dedupe_key, created_at=now, **own).returning(Reminder.id)
            ).scalar_one()
            rows.append((d, int(rid)))
    claimed = Claimed(rows, customer, channel, recipient, subject, status, error, message)
    if message is None:
        claimed.results = _record(session, claimed, Outcome(status, error, 0), actor=actor)
    return claimed


def _taken(session: Session, group: list[Decision], existing: dict[str, Reminder]) -> set[str]:
    """The group's keys with a row this claim may not take over."""
    keys = [d.dedupe_key for d in group]
    stored = set(session.scalars(select(Reminder.dedupe_key).where(Reminder.dedupe_key.in_(keys))))
    return stored - set(existing)


def finish(session: Session, claimed: Claimed, outcome: Outcome, *, actor: str) -> list[dict[str, Any]]:
    """Record a sent group's outcome on its rows (still `sending`: nothing else touches them)."""
    return _record(session, claimed, outcome, actor=actor)


def _record(session: Session, claimed: Claimed, outcome: Outcome, *, actor: str) -> list[dict[str, Any]]:
    sent_at = utc_now() if outcome.status == "sent" else None
    result = []
    for d, rid in claimed.rows:
        session.execute(
            update(Reminder)
            .where(Reminder.id == rid)
            .values(status=outcome.status, error=outcome.error, sent_at=sent_at,
                    attempts=Reminder.attempts + outcome.attempts,
                    attempted_at=utc_now() if outcome.attempts else Reminder.attempted_at)
        )
        row = {
            **decision_json(d),
            "status": outcome.status,
            "error": outcome.error,
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
            action=f"reminder.{outcome.status}",
            entity_type=entity_type,
            entity_id=entity_id,
            after={
                "reminder_id": rid,
                "step": d.step.name,
                "channel": d.step.channel,
                "days_past_due": d.days_past_due,
                "status": outcome.status,
                "error": outcome.error,
                "recipient": claimed.recipient,
                "subject": claimed.subject,
                "message_id": str(claimed.message["Message-ID"]) if claimed.message is not None else None,
                "attempts": outcome.attempts,
                "amount": row["amount"],
                "skipped_steps": list(d.skipped),
            },
        )
        result.append(row)
    return result
