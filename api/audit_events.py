"""/api/v1/audit-events: the append-only audit trail, optionally of one entity.

Scope treasury:review (admin implies it): the trail shows payers, accounts and who did what
to which payment, which is the reviewers' business rather than an AR system's (ar:read).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api import problems
from api.auth import TreasuryReview
from api.schemas import answer
from api.schemas import audit as schema
from reconcile import views
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"], responses=problems.SECURED)


@router.get("", response_model=answer(schema.AuditEventPage))
def list_audit_events(
    session: DbSession,
    principal: TreasuryReview,
    entity_type: str | None = Query(
        None,
        max_length=32,
        pattern=paging.NO_NUL,
        description="invoice, application, review_item, customer, bank_file, ...",
    ),
    entity_id: str | None = Query(
        None,
        max_length=64,
        pattern=paging.NO_NUL,
        description="the entity's id (an invoice's number, a row id)",
    ),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    items = views.audit_events(
        session, entity_type=entity_type, entity_id=entity_id, limit=limit + 1, after_id=after
    )
    return paging.page(items, limit, "event_id")
