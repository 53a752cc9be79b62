"""/api/v1/invoice-events: the invoice event feed AR systems may poll instead of receiving
webhooks, and the admin's redelivery. The rules (a page never passes an event that may still
commit; a redelivery never lets an older state arrive after a newer one) live in
ledger/repositories/invoice_events.py; delivery itself is workflows/outbox.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from api import problems
from api.auth import Admin, ArRead
from api.schemas import answer
from api.schemas import events as schema
from ledger.repositories import invoice_events
from web import paging
from web.session import DbSession

router = APIRouter(
    prefix="/api/v1/invoice-events", tags=["invoice-events"], responses=problems.SECURED
)


@router.get("", response_model=answer(schema.InvoiceEventFeed))
def list_events(
    session: DbSession,
    principal: ArRead,
    after: int = Query(
        0, ge=0, le=paging.MAX_ID, description="cursor: the last id you have (0: from the start)"
    ),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """The invoice event feed, oldest first: poll with `after` = the previous `next_after`.

    Each item carries the webhook payload and its delivery state. A page may be shorter than
    `limit` while an earlier event is still being committed; `next_after` never passes it.
    """
    rows = invoice_events.feed_page(session, after=after, limit=limit)
    items = [invoice_events.event_json(r) for r in rows]
    return {
        "items": items,
        "next_after": items[-1]["id"] if items else after,
        "has_more": len(items) == limit,
    }


@router.get(
    "/{event_row_id}", response_model=answer(schema.InvoiceEvent), responses=problems.declare(404)
)
def get_event(
    session: DbSession, principal: ArRead, event_row_id: int = Path(ge=1, le=paging.MAX_ID)
) -> dict[str, Any]:
    return invoice_events.event_json(invoice_events.get(session, event_row_id))


@router.post(
    "/{event_row_id}/redeliver",
    response_model=answer(schema.InvoiceEvent),
    responses=problems.declare(
        404, (409, "Still pending, or a later event of the invoice was sent already")
    ),
)
def redeliver(
    session: DbSession, principal: Admin, event_row_id: int = Path(ge=1, le=paging.MAX_ID)
) -> dict[str, Any]:
    """Queue a failed (or delivered) event again, with a fresh set of attempts; the later
    events of its invoice that waited behind it follow in order. 409 if it is still pending,
    or if a later event of the invoice was already sent (it carries the invoice's current
    state: redeliver that one), so that no receiver sees an older state after a newer one."""
    return invoice_events.redeliver(session, event_row_id, actor=principal.actor)
