"""The invoice events as the feed and an admin see them: the feed's pages (never past an
event that may still commit) and a redelivery that never lets an older state arrive after a
newer one. Delivery itself is workflows/outbox.py; writing events, ledger/events.py.

Order (workflows/outbox.py): the events of one invoice are delivered strictly in the order they
happened, and a `failed` event holds back the later events of its invoice until an admin
redelivers it. So a redelivery never lets an older state arrive after a newer one:
redelivering a failed event sends it and then the events that waited behind it; an event
that was delivered can be sent again only while it is still its invoice's latest (a later
one carries the invoice's current state: redeliver that one instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound
from ledger import audit
from ledger.models import InvoiceEvent
from ledger.types import utc_now

# The feed: how long an id gap may hide an event still being written (see feed_page).
FEED_GAP_GRACE = timedelta(minutes=10)


def event_json(e: InvoiceEvent) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": e.id,
        "event_id": e.event_id,
        "type": e.type,
        "invoice_number": e.invoice_number,
        "created_at": iso(e.created_at),
        "payload": e.payload,
        "delivery_status": e.delivery_status,
        "attempts": e.attempts,
        "next_attempt_at": iso(e.next_attempt_at),
        "last_attempt_at": iso(e.last_attempt_at),
        "last_response_code": e.last_response_code,
        "last_error": e.last_error,
        "delivered_at": iso(e.delivered_at),
    }


def _page(session: Session, after: int, limit: int, *, fresh: bool = False) -> list[InvoiceEvent]:
    query = (
        select(InvoiceEvent).where(InvoiceEvent.id > after).order_by(InvoiceEvent.id).limit(limit)
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query))


def _has_gap(after: int, rows: Sequence[InvoiceEvent]) -> bool:
    return bool(rows) and rows[-1].id - after != len(rows)


def _writer_active(session: Session) -> bool:
    """Does another PostgreSQL session hold a write lock on invoice_events right now?"""
    return bool(
        session.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' "
                "AND relation = 'invoice_events'::regclass AND mode = 'RowExclusiveLock' "
                "AND granted AND pid <> pg_backend_pid())"
            )
        ).scalar()
    )


def feed_page(
    session: Session, *, after: int, limit: int, now: datetime | None = None
) -> list[InvoiceEvent]:
    """Events after the cursor, in id order, never skipping one that may still commit.

    Ids come from a sequence when the row is inserted, but transactions commit in any order:
    on PostgreSQL a poller could see event 8 before event 7 commits, move its cursor past 7
    and never see it. So a page stops before an id gap unless the gap is settled: no other
    session is writing events (then the page is read again, and what is still missing was
    rolled back), or the event after the gap is older than FEED_GAP_GRACE. SQLite has one
    writer at a time and reuses rolled-back ids: its gaps never hide anything.
    """
    rows = _page(session, after, limit)
    if session.get_bind().dialect.name != "postgresql" or not _has_gap(after, rows):
        return rows
    if not _writer_active(session):
        # Every id up to the last one read was handed out to a transaction that has ended
        # by now; a new statement (READ COMMITTED) sees what committed meanwhile.
        last = rows[-1].id
        return [r for r in _page(session, after, limit, fresh=True) if r.id <= last]
    cutoff = (now or utc_now()) - FEED_GAP_GRACE
    settled, expected = [], after + 1
    for r in rows:
        if r.id != expected and r.created_at > cutoff:
            break
        settled.append(r)
        expected = r.id + 1
    return settled


def get(session: Session, event_row_id: int) -> InvoiceEvent:
    """The event, or NotFound."""
    found = session.get(InvoiceEvent, event_row_id)
    if found is None:
        raise NotFound(f"no invoice event #{event_row_id}")
    return found


def superseded_by(session: Session, event: InvoiceEvent) -> InvoiceEvent | None:
    """A later event of the same invoice that makes sending `event` again out of order: any
    later one if `event` was delivered; one already tried or delivered if it failed (the ones
    still waiting behind a failed event are sent after it)."""
    query = select(InvoiceEvent).where(
        InvoiceEvent.invoice_id == event.invoice_id, InvoiceEvent.id > event.id
    )
    if event.delivery_status == "failed":
        query = query.where(
            (InvoiceEvent.delivery_status != "pending") | (InvoiceEvent.attempts > 0)
        )
    return session.scalars(query.order_by(InvoiceEvent.id.desc()).limit(1)).one_or_none()


def redeliver(session: Session, event_row_id: int, *, actor: str) -> dict[str, Any]:
    """Queue a failed (or delivered) event again, with a fresh set of attempts (its row
    locked); NotFound, or Conflict if it is still pending or a later event of its invoice was
    already sent."""
    found = session.scalars(
        select(InvoiceEvent).where(InvoiceEvent.id == event_row_id).with_for_update()
    ).one_or_none()
    if found is None:
        raise NotFound(f"no invoice event #{event_row_id}")
    if found.delivery_status == "pending":
        raise Conflict(f"invoice event #{event_row_id} is already pending delivery")
    later = superseded_by(session, found)
    if later is not None:
        raise Conflict(
            f"invoice event #{event_row_id} of invoice {found.invoice_number} is older than "
            f"event #{later.id} ({later.delivery_status}), which was sent after it and "
            f"carries the invoice's current state: redeliver #{later.id} instead",
        )
    before = {"delivery_status": found.delivery_status, "attempts": found.attempts}
    # last_* stay as history until the next attempt overwrites them.
    found.delivery_status, found.attempts, found.next_attempt_at = "pending", 0, None
    found.delivered_at = None
    audit.record(
        session,
        actor=actor,
        action="invoice_event.redeliver",
        entity_type="invoice_event",
        entity_id=found.id,
        before=before,
        after={"delivery_status": "pending", "attempts": 0},
    )
    session.flush()
    return event_json(found)
