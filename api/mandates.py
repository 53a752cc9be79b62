"""/api/v1/mandates (ar:read): customers' direct-debit mandates, for the customer page.

Imported with `remit mandates import`; deactivated by a final return (receivables.dd_settle).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from api import problems
from api.auth import ArRead
from api.schemas import answer
from api.schemas import direct_debits as schema
from receivables import mandates
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/mandates", tags=["direct debits"], responses=problems.SECURED)


@router.get("", response_model=answer(schema.MandatePage))
def list_mandates(
    session: DbSession,
    principal: ArRead,
    customer_id: str | None = Query(None, max_length=64, pattern=paging.NO_NUL, description="the customer's id"),
    status_: Literal["active", "inactive"] | None = Query(None, alias="status"),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Mandates in id order; `next` is the cursor of the next page."""
    items = mandates.listing(session, customer_id=customer_id, status=status_, limit=limit + 1,
                             after_id=after or 0)
    return paging.page(items, limit, "id")
