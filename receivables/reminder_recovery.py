"""After a crash, and a person's second thought: email reminders a run left `sending` (it
stopped between handing the message to the mail server and recording the answer) become
`unknown` — at most once: never resent by a run — and `request_resend` is the person's
decision to send one (or an undeliverable or failed one) again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.settings import Settings
from ledger import audit
from ledger.models import Invoice, Reminder
from ledger.types import utc_now
from receivables.reminder_delivery import reminder_json
from receivables.reminder_errors import Conflict, NotFound


def stale_after(settings: Settings) -> timedelta:
    """How long a send may take at most: each attempt's connect, greeting, MAIL, RCPT, DATA
    and answer within the timeout, plus the pauses between attempts; then a minute more."""
    attempts = settings.smtp_max_attempts
    pauses = sum(min(settings.smtp_retry_seconds * 2**n, 60.0) for n in range(attempts))
    return timedelta(seconds=attempts * 6 * settings.smtp_timeout_seconds + pauses + 60)


def settle_stale(session: Session, *, settings: Settings, actor: str) -> int:
    """Rows still `sending` after longer than any send takes belong to a run that stopped
    between handing the message over and recording the answer: `unknown` (never resent by
    a run). Returns how many."""
    cutoff = utc_now() - stale_after(settings)
    rows = session.execute(
        select(Reminder, Invoice.number)
        .outerjoin(Invoice, Invoice.id == Reminder.invoice_id)
        .where(Reminder.status == "sending", Reminder.attempted_at < cutoff)
        .with_for_update(of=Reminder)
    ).all()
    for r, number in rows:
        r.status = "unknown"
        r.error = (
            f"outcome unknown: the run stopped after handing message {r.message_id} to the mail "
            "server and before recording its answer; it may have arrived. Not resent "
            "automatically: check the mail server's log for the Message-ID, and use "
            f"`remit reminders resend {r.id}` to send it again"
        )
        audit.record(session, actor=actor, action="reminder.unknown",
                     entity_type="invoice" if number else "reminder", entity_id=number or r.id,
                     after={"reminder_id": r.id, "status": "unknown", "message_id": r.message_id,
                            "step": r.step})
    return len(rows)


def request_resend(session: Session, reminder_id: int, *, actor: str) -> dict[str, Any]:
    """A person's decision to send an email reminder again (it is `unknown`, `undeliverable`
    or `failed`): it becomes `failed`, which the next run sends if its step is still due."""
    r = session.get(Reminder, reminder_id, with_for_update=True)
    if r is None:
        raise NotFound(f"no reminder #{reminder_id}")
    if r.channel != "email" or r.status not in ("unknown", "undeliverable", "failed"):
        raise Conflict(f"reminder #{reminder_id} is a {r.status} {r.channel}: only an unknown, "
                       "undeliverable or failed email is sent again")
    before = {"reminder_id": r.id, "status": r.status, "error": r.error}
    session.execute(update(Reminder).where(Reminder.id == r.id)
                    .values(status="failed", error=f"to be sent again (asked by {actor})"))
    session.refresh(r)
    number = session.scalar(select(Invoice.number).where(Invoice.id == r.invoice_id))
    audit.record(session, actor=actor, action="reminder.resend_requested",
                 entity_type="invoice" if number else "reminder", entity_id=number or r.id,
                 before=before, after={"reminder_id": r.id, "status": "failed"})
    return reminder_json(r, number)
